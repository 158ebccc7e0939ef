// What the fuzz harnesses share: their view of the input (bytes read in
// order, zeros once they run out, so any input -- even an empty one -- is a
// complete program) and a world with every run-time check on.
#ifndef ZCSIM_TESTS_FUZZ_FUZZ_COMMON_H_
#define ZCSIM_TESTS_FUZZ_FUZZ_COMMON_H_

#include <cstddef>
#include <cstdint>

#include "net/invariants.h"
#include "net/world.h"
#include "sim/simulator.h"
#include "uring/io_uring.h"

namespace zcsim::fuzz {

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool done() const { return i_ >= n_; }
  uint8_t Byte() { return i_ < n_ ? d_[i_++] : 0; }
  uint32_t U16() { return static_cast<uint32_t>(Byte()) | (static_cast<uint32_t>(Byte()) << 8); }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

// One seeded simulator with the network and io_uring models, deep checks
// on, violations reported (not aborted) so a harness can name them.
struct CheckedWorld {
  explicit CheckedWorld(net::KernelEra era) : sim(1, sim::CheckMode::kReport), net(sim), uring(net) {
    net.set_era(era);
    net.set_deep_checks(true);
    uring.set_deep_checks(true);
    net::RegisterWorldInvariants(net);
  }
  sim::Simulator sim;
  net::World net;
  uring::Uring uring;
};

}  // namespace zcsim::fuzz

#endif  // ZCSIM_TESTS_FUZZ_FUZZ_COMMON_H_
