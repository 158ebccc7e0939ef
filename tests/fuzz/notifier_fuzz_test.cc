// Runs the notifier-lifecycle fuzz harness on seeded random programs in the
// normal suite, so that every CI run fuzzes a little; a failing seed is
// printed so that it can be replayed.
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "sim/rng.h"
#include "tests/fuzz/notifier_fuzz.h"

namespace zcsim::fuzz {
namespace {

TEST(NotifierFuzzTest, RandomProgramsKeepEveryInvariant) {
  sim::Rng rng(20261129);
  for (int program = 0; program < 200; ++program) {
    std::vector<uint8_t> bytes(rng.Below(600));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
    ASSERT_EQ(RunNotifierProgram(bytes.data(), bytes.size()), "") << "program " << program;
  }
}

// ZCSIM_FUZZ_PROGRAM=N runs only program N (with ZCSIM_FUZZ_TRACE=1: traced).
TEST(NotifierFuzzTest, OneProgram) {
  const char* which = std::getenv("ZCSIM_FUZZ_PROGRAM");
  if (which == nullptr) return;
  sim::Rng rng(20261129);
  std::vector<uint8_t> bytes;
  for (int program = 0; program <= std::atoi(which); ++program) {
    bytes.assign(rng.Below(600), 0);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
  }
  EXPECT_EQ(RunNotifierProgram(bytes.data(), bytes.size()), "");
}

TEST(NotifierFuzzTest, EmptyInputIsFine) { EXPECT_EQ(RunNotifierProgram(nullptr, 0), ""); }

}  // namespace
}  // namespace zcsim::fuzz
