// NIC wire-fault options (net/wire_faults.h): scripted per packet number
// (drop, dup, delay, reorder) and seeded rates (loss, dup_rate,
// reorder_rate, jitter; fault_seed pins their stream). Every error points
// at the exact column.
#include <fmt/format.h>

#include <set>

#include "net/wire_faults.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

constexpr uint64_t kMaxPacketNumber = uint64_t{1} << 30;

// The comma-separated items of a word, each with its own position.
std::vector<Word> SplitList(const Word& w) {
  std::vector<Word> items;
  size_t start = 0;
  while (true) {
    const size_t comma = w.text.find(',', start);
    items.push_back(SubWord(w, start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

// A packet number of the wire log: 1, 2, 3 ..., each named once per option.
bool PacketNumber(Compiler& c, const Word& w, std::set<uint64_t>* seen, uint64_t* out) {
  if (!c.Take(ParseUint(w, kMaxPacketNumber), out)) return false;
  if (*out == 0) return c.Fail(w.pos, "packet numbers start at 1");
  if (!seen->insert(*out).second) return c.Fail(w.pos, fmt::format("packet {} is listed twice", *out));
  return true;
}

// `N[,M...]` (drop, reorder).
bool PacketSet(Compiler& c, const Word& w, std::set<uint64_t>* out) {
  std::set<uint64_t> seen;
  for (const Word& item : SplitList(w)) {
    uint64_t n;
    if (!PacketNumber(c, item, &seen, &n)) return false;
    out->insert(n);
  }
  return true;
}

// `N:DURATION[,...]` (delay), or `N[:DURATION][,...]` when the duration is
// optional (dup: 0, the copy right behind the original).
bool PacketDurations(Compiler& c, const Word& w, bool need_duration, std::map<uint64_t, sim::Time>* out) {
  std::set<uint64_t> seen;
  for (const Word& item : SplitList(w)) {
    const size_t colon = item.text.find(':');
    uint64_t n;
    if (!PacketNumber(c, SubWord(item, 0, colon), &seen, &n)) return false;
    sim::Time d = 0;
    if (colon == std::string::npos) {
      if (need_duration) return c.Fail(PosAt(item, item.text.size()), "expected ':DURATION' after the packet number (e.g. 4:100us)");
    } else if (!c.Take(ParseDuration(SubWord(item, colon + 1)), &d)) {
      return false;
    }
    (*out)[n] = d;
  }
  return true;
}

// `P%`: a percentage, up to four decimals, at most 100; in parts per million.
bool Percent(Compiler& c, const Word& w, uint32_t* ppm) {
  if (w.quoted) return c.Fail(w.pos, "expected a percentage such as 2% or 0.5%");
  const std::string& t = w.text;
  if (t.empty() || t.back() != '%') return c.Fail(PosAt(w, t.size()), "expected a percentage such as 2% or 0.5%");
  uint64_t value = 0;
  int decimals = -1;  // digits after the point; -1 before it
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    const char ch = t[i];
    if (ch == '.' && decimals < 0 && i > 0) {
      decimals = 0;
      continue;
    }
    if (ch < '0' || ch > '9') return c.Fail(PosAt(w, i), fmt::format("unexpected {} in a percentage", QuoteForMessage(std::string(1, ch))));
    if (decimals >= 4) return c.Fail(PosAt(w, i), "at most four decimals in a percentage");
    if (decimals >= 0) ++decimals;
    value = value * 10 + static_cast<uint64_t>(ch - '0');
    if (value > 100 * 10000) return c.Fail(w.pos, "a percentage is at most 100%");
  }
  if (t.size() == 1 || decimals == 0) return c.Fail(w.pos, "expected a percentage such as 2% or 0.5%");
  for (int d = decimals < 0 ? 0 : decimals; d < 4; ++d) value *= 10;
  if (value > 100 * 10000) return c.Fail(w.pos, "a percentage is at most 100%");
  *ppm = static_cast<uint32_t>(value);
  return true;
}

}  // namespace

bool IsWireFaultKey(const std::string& key) {
  return key == "drop" || key == "dup" || key == "delay" || key == "reorder" || key == "loss" || key == "dup_rate" ||
         key == "reorder_rate" || key == "jitter" || key == "fault_seed";
}

bool ParseWireFault(Compiler& c, const std::string& key, const Word& w, net::WireFaults* f) {
  if (key == "drop") return PacketSet(c, w, &f->drop);
  if (key == "reorder") return PacketSet(c, w, &f->reorder);
  if (key == "dup") return PacketDurations(c, w, false, &f->dup);
  if (key == "delay") return PacketDurations(c, w, true, &f->delay);
  if (key == "loss") return Percent(c, w, &f->loss_ppm);
  if (key == "dup_rate") return Percent(c, w, &f->dup_ppm);
  if (key == "reorder_rate") return Percent(c, w, &f->reorder_ppm);
  if (key == "fault_seed") {
    if (!c.Take(ParseUint(w, UINT64_MAX), &f->seed)) return false;
    if (f->seed == 0) return c.Fail(w.pos, "fault_seed must be at least 1 (leave it out to fork the world's seed)");
    return true;
  }
  return c.Take(ParseDuration(w), &f->jitter);
}

}  // namespace zcsim::scenario
