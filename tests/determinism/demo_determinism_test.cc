// The same workload and seed must give a byte-identical trace; a different
// seed, where the workload draws random numbers, must not.
#include <string>

#include <gtest/gtest.h>

#include "sim/simulator.h"
#include "sim/trace.h"
#include "tools/demo.h"

namespace zcsim {
namespace {

struct DemoRun {
  uint64_t hash;
  std::string text;
  std::string json;
};

DemoRun RunDemo(uint64_t seed, int requests) {
  sim::Simulator sim(seed);
  sim::HashSink hash;
  DemoRun run;
  sim::TextSink text(sim::StringWriter(&run.text));
  sim::JsonSink json(sim::StringWriter(&run.json));
  sim.tracer().AddSink(&hash);
  sim.tracer().AddSink(&text);
  sim.tracer().AddSink(&json);
  tools::DemoOptions options;
  options.requests = requests;
  const tools::DemoResult result = tools::RunCoreDemo(sim, options);
  EXPECT_EQ(result.notifications, requests);
  run.hash = hash.hash();
  return run;
}

TEST(DeterminismTest, SameSeedGivesByteIdenticalTraces) {
  const DemoRun a = RunDemo(7, 50);
  const DemoRun b = RunDemo(7, 50);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.json, b.json);
  EXPECT_GT(a.text.size(), 1000u) << "the workload must actually trace something";
}

TEST(DeterminismTest, DifferentSeedGivesADifferentTrace) {
  EXPECT_NE(RunDemo(7, 50).hash, RunDemo(8, 50).hash);
}

TEST(DeterminismTest, TracesNeverPrintPointers) {
  const DemoRun run = RunDemo(11, 20);
  EXPECT_EQ(run.text.find("0x"), std::string::npos);
}

}  // namespace
}  // namespace zcsim
