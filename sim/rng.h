// The world's seeded random number generator.
//
// The output stream is fully specified here, independent of the compiler and
// the standard library (std::uniform_int_distribution is not): seeding is
// SplitMix64, the generator xoshiro256** 1.0 (Blackman and Vigna), and
// bounded draws use Lemire's multiply-shift with rejection. A seed therefore
// reproduces a run on any machine. Golden values in tests/sim/rng_test.cc pin
// the stream; changing them breaks every recorded seed.
#ifndef ZCSIM_SIM_RNG_H_
#define ZCSIM_SIM_RNG_H_

#include <cstdint>

namespace zcsim::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t seed() const { return seed_; }
  // The next 64 random bits.
  uint64_t Next();
  // Uniform in [0, bound); bound must be > 0.
  uint64_t Below(uint64_t bound);
  // Uniform in [lo, hi] (inclusive); lo <= hi.
  int64_t Between(int64_t lo, int64_t hi);
  // True with probability numerator / denominator.
  bool Chance(uint64_t numerator, uint64_t denominator);
  // An independent stream derived from this one (consumes one draw), for a
  // subsystem that must not perturb the others' streams.
  Rng Fork();
  uint64_t draws() const { return draws_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
  uint64_t draws_ = 0;
};

// SplitMix64 step: exposed for seeding derived generators and for tests.
uint64_t SplitMix64(uint64_t& state);

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_RNG_H_
