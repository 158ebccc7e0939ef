// A cost model in virtual time: what the modelled kernel work would cost a
// CPU, for benchmarks that turn the simulator into a performance model.
//
// Model code charges named operations as it performs them; with the model
// disabled (the default) a charge is one branch and time moves only with
// device delays. A benchmark harness takes the accumulated CPU time after
// each system call and lets that much virtual time pass. The per-operation
// constants live with the benchmark profiles that set them (tools/bench).
#ifndef ZCSIM_SIM_COST_H_
#define ZCSIM_SIM_COST_H_

#include <array>
#include <cstdint>

namespace zcsim::sim {

enum class Cost : uint8_t {
  kRequest,       // fixed work per submitted request (syscall share, stack, driver)
  kCopySend,      // fixed extra of a send that copies payload (linear head, setup)
  kCopyByte,      // per byte copied from user memory
  kLargeAlloc,    // an skb head too big for the slab caches (page allocator)
  kDmaSegment,    // a DMA mapping per transmitted segment (head, each frag)
  kNotification,  // a zerocopy notification: generation, task_work, CQE
  kCount,
};

const char* CostName(Cost c);

class CostModel {
 public:
  bool enabled() const { return enabled_; }
  void set_enabled(bool on) { enabled_ = on; }
  void Set(Cost c, double ns) { ns_[static_cast<int>(c)] = ns; }
  double Get(Cost c) const { return ns_[static_cast<int>(c)]; }

  void Charge(Cost c, uint64_t count = 1) {
    if (!enabled_) return;
    const int i = static_cast<int>(c);
    pending_ns_ += ns_[i] * static_cast<double>(count);
    counts_[i] += count;
  }
  // The CPU time charged since the last call, in whole nanoseconds (the
  // remainder is carried over so nothing is lost to rounding).
  int64_t TakePending() {
    const int64_t whole = static_cast<int64_t>(pending_ns_);
    pending_ns_ -= static_cast<double>(whole);
    return whole;
  }
  uint64_t count(Cost c) const { return counts_[static_cast<int>(c)]; }

 private:
  bool enabled_ = false;
  std::array<double, static_cast<int>(Cost::kCount)> ns_{};
  std::array<uint64_t, static_cast<int>(Cost::kCount)> counts_{};
  double pending_ns_ = 0;
};

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_COST_H_
