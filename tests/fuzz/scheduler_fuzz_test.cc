// Runs the scheduler fuzz harness on seeded random programs in the normal
// suite (no libFuzzer needed), so every CI run fuzzes a little.
#include <vector>

#include <gtest/gtest.h>

#include "sim/rng.h"
#include "tests/fuzz/scheduler_fuzz.h"

namespace zcsim::fuzz {
namespace {

TEST(SchedulerFuzzTest, RandomProgramsKeepEveryProperty) {
  sim::Rng rng(20261129);
  for (int program = 0; program < 300; ++program) {
    std::vector<uint8_t> bytes(rng.Below(512));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
    ASSERT_EQ(RunSchedulerProgram(bytes.data(), bytes.size()), "") << "program " << program;
  }
}

TEST(SchedulerFuzzTest, EmptyAndOddInputsAreFine) {
  EXPECT_EQ(RunSchedulerProgram(nullptr, 0), "");
  const uint8_t one[] = {7};
  EXPECT_EQ(RunSchedulerProgram(one, 1), "");
}

}  // namespace
}  // namespace zcsim::fuzz
