#include "net/wire_faults.h"

namespace zcsim::net {

WireFate DecideWireFate(const WireFaults& faults, uint64_t seq, sim::Rng* rng) {
  WireFate fate;
  fate.drop = faults.drop.count(seq) > 0;
  if (auto it = faults.dup.find(seq); it != faults.dup.end()) {
    fate.dup = true;
    fate.dup_gap = it->second;
  }
  if (auto it = faults.delay.find(seq); it != faults.delay.end()) fate.delay = it->second;
  fate.hold = faults.reorder.count(seq) > 0;
  if (rng == nullptr || !faults.seeded()) return fate;
  // Draw every configured fault, in a fixed order, before looking at any
  // outcome.
  const bool lose = faults.loss_ppm > 0 && rng->Chance(faults.loss_ppm, kWireFaultPpmMax);
  const bool dup = faults.dup_ppm > 0 && rng->Chance(faults.dup_ppm, kWireFaultPpmMax);
  const bool hold = faults.reorder_ppm > 0 && rng->Chance(faults.reorder_ppm, kWireFaultPpmMax);
  const sim::Time jitter = faults.jitter > 0 ? static_cast<sim::Time>(rng->Below(static_cast<uint64_t>(faults.jitter) + 1)) : 0;
  if (lose && !fate.drop) fate.drop = fate.drop_drawn = true;
  fate.dup = fate.dup || dup;
  fate.hold = fate.hold || hold;
  fate.jitter = jitter;
  fate.delay += jitter;
  return fate;
}

}  // namespace zcsim::net
