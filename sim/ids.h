// Stable object ids. Each object kind numbers its objects 1, 2, 3 ... in
// creation order, so "skb#12" names the same object in every run of the
// same scenario and seed. Traces and reports print ids, never pointers.
#ifndef ZCSIM_SIM_IDS_H_
#define ZCSIM_SIM_IDS_H_

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace zcsim::sim {

struct ObjectId {
  const char* kind = "";  // a static string: "skb", "ubuf", "page", ...
  uint32_t n = 0;         // 0 means "no object"

  bool valid() const { return n != 0; }
  std::string ToString() const { return valid() ? fmt::format("{}#{}", kind, n) : "-"; }
  friend bool operator==(const ObjectId& a, const ObjectId& b) {
    return a.n == b.n && std::string_view(a.kind) == std::string_view(b.kind);
  }
};

// Hands out the ids of one kind.
class IdCounter {
 public:
  explicit IdCounter(const char* kind) : kind_(kind) {}
  ObjectId Next() { return {kind_, ++last_}; }
  uint32_t issued() const { return last_; }
  const char* kind() const { return kind_; }

 private:
  const char* kind_;
  uint32_t last_ = 0;
};

}  // namespace zcsim::sim

// Lets fmt print an id lazily ("skb#3"): trace arguments stay cheap.
template <>
struct fmt::formatter<zcsim::sim::ObjectId> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const zcsim::sim::ObjectId& id, FormatContext& ctx) const {
    return id.valid() ? fmt::format_to(ctx.out(), "{}#{}", id.kind, id.n) : fmt::format_to(ctx.out(), "-");
  }
};

#endif  // ZCSIM_SIM_IDS_H_
