#include "sim/check.h"

#include <gtest/gtest.h>

#include "sim/simulator.h"

namespace zcsim::sim {
namespace {

TEST(CheckerTest, ReportModeRecordsRuleObjectAndEvent) {
  Simulator sim(1, CheckMode::kReport);
  MemorySink sink;
  sim.tracer().AddSink(&sink);
  const ObjectId ubuf{"ubuf", 3};
  EventHandle h = sim.scheduler().At(120, "tx_completion", [&] {
    ZC_CHECK(sim.checker(), 1 + 1 == 3, "INV-12", ubuf, "notification before request CQE ({})", 7);
  });
  sim.scheduler().At(130, "later", [] {});
  sim.scheduler().RunUntilIdle();

  ASSERT_EQ(sim.checker().violations().size(), 1u);
  const Violation& v = sim.checker().violations()[0];
  EXPECT_EQ(v.rule, "INV-12");
  EXPECT_EQ(v.object, ubuf);
  EXPECT_EQ(v.event, h.seq);
  EXPECT_EQ(v.event_label, "tx_completion");
  EXPECT_EQ(v.time, 120);
  EXPECT_EQ(v.ToString(),
            "INV-12 violated by ubuf#3 in event #1 (tx_completion) at 0.000000120: "
            "notification before request CQE (7)");
  EXPECT_EQ(sim.scheduler().pending(), 1u) << "the run stops after a violation";
  ASSERT_FALSE(sink.records().empty());
  EXPECT_STREQ(sink.records().back().func, "VIOLATION");
}

TEST(CheckerTest, PassingChecksRecordNothing) {
  Simulator sim(1, CheckMode::kReport);
  ZC_CHECK(sim.checker(), true, "INV-1", ObjectId{}, "never");
  EXPECT_TRUE(sim.checker().ok());
}

TEST(CheckerTest, DeepChecksRunOnlyWhenSwitchedOn) {
  Simulator sim(1, CheckMode::kReport);
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return false;
  };
  ZC_DEEP_CHECK(sim.checker(), expensive(), "INV-6", (ObjectId{"page", 1}), "off");
  EXPECT_EQ(evaluated, 0);
  EXPECT_TRUE(sim.checker().ok());
  sim.checker().set_deep(true);
  ZC_DEEP_CHECK(sim.checker(), expensive(), "INV-6", (ObjectId{"page", 1}), "on");
  EXPECT_EQ(evaluated, 1);
  EXPECT_EQ(sim.checker().violations().size(), 1u);
}

TEST(CheckerTest, WorldChecksRunAfterEveryEventWhenDeep) {
  Simulator sim(1, CheckMode::kReport);
  int runs = 0;
  sim.AddWorldCheck("count", [&] { ++runs; });
  sim.scheduler().At(1, "a", [] {});
  sim.scheduler().RunUntilIdle();
  EXPECT_EQ(runs, 0);
  sim.checker().set_deep(true);
  sim.scheduler().At(2, "b", [] {});
  sim.scheduler().At(3, "c", [] {});
  sim.scheduler().RunUntilIdle();
  EXPECT_EQ(runs, 2);
}

TEST(CheckerTest, SchedulingInThePastIsReportedAsSim1) {
  Simulator sim(1, CheckMode::kReport);
  sim.scheduler().At(50, "bad", [&] { sim.scheduler().At(10, "past", [] {}); });
  sim.scheduler().RunUntilIdle();
  ASSERT_FALSE(sim.checker().ok());
  EXPECT_EQ(sim.checker().violations()[0].rule, "SIM-1");
}

TEST(CheckerDeathTest, AbortModeNamesTheRuleAndDies) {
  EXPECT_DEATH(
      {
        Simulator sim(1, CheckMode::kAbort);
        ZC_CHECK(sim.checker(), false, "INV-1", (ObjectId{"ubuf", 9}), "refcnt {} < 0", -1);
      },
      "INV-1 violated by ubuf#9 outside any event at 0.000000000: refcnt -1 < 0");
}

}  // namespace
}  // namespace zcsim::sim

namespace zcsim::sim {
namespace {

TEST(CheckerTest, WarningsAreRecordedWithoutStoppingTheRun) {
  Simulator sim(1, CheckMode::kAbort);
  sim.scheduler().At(5, "user_write", [&] {
    sim.checker().Warn("USER-1", ObjectId{"page", 2}, "written while in flight");
  });
  sim.scheduler().At(6, "later", [] {});
  sim.scheduler().RunUntilIdle();
  ASSERT_EQ(sim.checker().warnings().size(), 1u);
  EXPECT_TRUE(sim.checker().ok()) << "a warning is not a violation";
  EXPECT_EQ(sim.checker().warnings()[0].ToString(),
            "USER-1 violated by page#2 in event #1 (user_write) at 0.000000005: "
            "written while in flight");
  EXPECT_EQ(sim.scheduler().events_run(), 2u);
}

}  // namespace
}  // namespace zcsim::sim
