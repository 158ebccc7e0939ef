#include "sim/scheduler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace zcsim::sim {
namespace {

TEST(SchedulerTest, RunsEventsInTimeOrder) {
  Scheduler s;
  std::vector<int> order;
  s.At(30, "c", [&] { order.push_back(3); });
  s.At(10, "a", [&] { order.push_back(1); });
  s.At(20, "b", [&] { order.push_back(2); });
  EXPECT_EQ(s.RunUntilIdle(), 3u);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(s.now(), 30);
}

TEST(SchedulerTest, BreaksTiesBySchedulingOrder) {
  Scheduler s;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) s.At(100, "tie", [&, i] { order.push_back(i); });
  s.RunUntilIdle();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(SchedulerTest, EventScheduledNowFromAnEventRunsAfterEarlierTies) {
  Scheduler s;
  std::vector<std::string> order;
  s.At(5, "first", [&] {
    order.push_back("first");
    s.After(0, "child", [&] { order.push_back("child"); });
  });
  s.At(5, "second", [&] { order.push_back("second"); });
  s.RunUntilIdle();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "child"}));
}

TEST(SchedulerTest, RunUntilIncludesTheBoundaryAndAdvancesTime) {
  Scheduler s;
  int ran = 0;
  s.At(10, "at10", [&] { ++ran; });
  s.At(11, "at11", [&] { ++ran; });
  EXPECT_EQ(s.RunUntil(10), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(s.now(), 10);
  EXPECT_EQ(s.RunUntil(50), 1u);
  EXPECT_EQ(s.now(), 50) << "time advances to the target even when idle";
  EXPECT_TRUE(s.idle());
}

TEST(SchedulerTest, RunStepsHonoursTheBudget) {
  Scheduler s;
  for (int i = 0; i < 10; ++i) s.At(i, "step", [] {});
  EXPECT_EQ(s.RunSteps(4), 4u);
  EXPECT_EQ(s.pending(), 6u);
  EXPECT_EQ(s.RunSteps(100), 6u);
  EXPECT_FALSE(s.RunOne());
}

TEST(SchedulerTest, CancelledEventsNeverRunAndStaleHandlesAreIgnored) {
  Scheduler s;
  int ran = 0;
  EventHandle h = s.At(10, "cancel-me", [&] { ran += 100; });
  s.At(20, "keep", [&] { ++ran; });
  EXPECT_TRUE(s.Cancel(h));
  EXPECT_FALSE(s.Cancel(h)) << "second cancel of the same handle";
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.next_time(), 20);
  s.RunUntilIdle();
  EXPECT_EQ(ran, 1);
  // The slot is reused by a new event; the old handle must not cancel it.
  s.At(30, "reuse", [&] { ++ran; });
  EXPECT_FALSE(s.Cancel(h));
  s.RunUntilIdle();
  EXPECT_EQ(ran, 2);
}

TEST(SchedulerTest, ReportsTheCurrentEvent) {
  Scheduler s;
  uint64_t seen_seq = 0;
  std::string seen_label;
  EventHandle h = s.At(7, "probe", [&] {
    seen_seq = s.current().seq;
    seen_label = s.current().label;
  });
  s.RunUntilIdle();
  EXPECT_EQ(seen_seq, h.seq);
  EXPECT_EQ(seen_label, "probe");
  EXPECT_EQ(s.current().seq, 0u) << "no event is current between events";
}

TEST(SchedulerTest, SchedulingInThePastIsClampedAndCounted) {
  Scheduler s;
  s.RunUntil(100);
  Time ran_at = -1;
  s.At(40, "late", [&] { ran_at = s.now(); });
  EXPECT_EQ(s.past_schedules(), 1u);
  s.RunUntilIdle();
  EXPECT_EQ(ran_at, 100);
}

TEST(SchedulerTest, StopRequestHaltsRunLoops) {
  Scheduler s;
  int ran = 0;
  s.At(1, "stopper", [&] {
    ++ran;
    s.RequestStop();
  });
  s.At(2, "never", [&] { ++ran; });
  s.RunUntilIdle();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.RunUntil(10), 0u);
}

TEST(SchedulerTest, AfterEventHookRunsOncePerEvent) {
  Scheduler s;
  int hooks = 0;
  s.SetAfterEventHook([&] { ++hooks; });
  for (int i = 0; i < 3; ++i) s.At(i, "e", [] {});
  s.RunUntilIdle();
  EXPECT_EQ(hooks, 3);
  EXPECT_EQ(s.events_run(), 3u);
}

}  // namespace
}  // namespace zcsim::sim
