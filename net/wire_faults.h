// Faults on the wire between two NICs: loss, duplication, delay and
// reordering, scripted per packet or drawn from the seeded RNG. The kernel
// has no such code on a NIC's path; the meaning of each fault follows netem
// (net/sched/sch_netem.c, netem_enqueue(), 6.1: loss, duplicate, delay with
// jitter, reorder), but faults are keyed by the device's wire-log packet
// number so that a scenario can name the packet it means.
#ifndef ZCSIM_NET_WIRE_FAULTS_H_
#define ZCSIM_NET_WIRE_FAULTS_H_

#include <cstdint>
#include <map>
#include <set>

#include "sim/rng.h"
#include "sim/time.h"

namespace zcsim::net {

// Probabilities are in parts per million (1% = 10000).
inline constexpr uint32_t kWireFaultPpmMax = 1000000;
// A packet held back for reordering goes out after the next packet, or
// after this long if none follows (the end of a burst).
inline constexpr sim::Time kWireReorderMaxHold = 1 * sim::kMillisecond;

struct WireFaults {
  // Scripted, by wire-log packet number (1, 2, 3 ... per device).
  std::set<uint64_t> drop;
  std::map<uint64_t, sim::Time> dup;    // delivered twice; the copy `gap` after the first
  std::map<uint64_t, sim::Time> delay;  // arrives this much later than usual
  std::set<uint64_t> reorder;           // held back past the next packet
  // Seeded, drawn per packet in wire order from the device's own stream.
  uint32_t loss_ppm = 0;
  uint32_t dup_ppm = 0;
  uint32_t reorder_ppm = 0;
  sim::Time jitter = 0;  // extra latency, uniform in [0, jitter]
  // The device's fault stream: forked from the world's RNG when the device
  // is created (0), or seeded with this number, so that a scenario can pin
  // a fault pattern whatever the world's seed.
  uint64_t seed = 0;

  bool seeded() const { return loss_ppm > 0 || dup_ppm > 0 || reorder_ppm > 0 || jitter > 0; }
};

// Faults the device applied, by kind (a packet can count in several).
struct WireFaultStats {
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t delayed = 0;    // a scripted delay or a non-zero jitter draw
  uint64_t reordered = 0;  // held back past the next packet
};

// What happens to one packet on the wire.
struct WireFate {
  bool drop = false;
  bool drop_drawn = false;  // by loss=, not by the script
  bool dup = false;
  sim::Time dup_gap = 0;
  sim::Time delay = 0;      // scripted delay plus jitter
  sim::Time jitter = 0;     // the drawn part of `delay`
  bool hold = false;        // reorder: wait for the next packet
};

// Packet `seq`'s fate: the script, then the seeded draws. For a given
// configuration every packet takes the same number of draws (loss, dup,
// reorder, jitter: one draw each, only if its rate is set), whatever the
// outcome, so the faults a seed gives depend only on the packet number.
WireFate DecideWireFate(const WireFaults& faults, uint64_t seq, sim::Rng* rng);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_WIRE_FAULTS_H_
