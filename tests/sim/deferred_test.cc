#include "sim/deferred.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/trace.h"

namespace zcsim::sim {
namespace {

TEST(DeferredQueueTest, NothingRunsUntilDrained) {
  DeferredQueue q(DeferredKind::kTaskWork, "task#1");
  int ran = 0;
  q.Add("io_notif_tw_complete", [&] { ++ran; });
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.Drain(), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(q.empty());
}

TEST(DeferredQueueTest, DrainsInFifoOrderIncludingWorkAddedWhileDraining) {
  DeferredQueue q(DeferredKind::kSoftirq, "cpu0");
  std::vector<std::string> order;
  q.Add("a", [&] {
    order.push_back("a");
    q.Add("c", [&] { order.push_back("c"); });
  });
  q.Add("b", [&] { order.push_back("b"); });
  EXPECT_EQ(q.Drain(), 3u);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(q.total_run(), 3u);
}

TEST(DeferredQueueTest, PendingLabelsAreInspectable) {
  DeferredQueue q(DeferredKind::kWorkqueue, "system_unbound_wq");
  q.Add("first", [] {});
  q.Add("second", [] {});
  const std::vector<const char*> labels = q.PendingLabels();
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_STREQ(labels[0], "first");
  EXPECT_STREQ(labels[1], "second");
  EXPECT_TRUE(q.RunOne());
  EXPECT_EQ(q.size(), 1u);
  EXPECT_STREQ(DeferredKindName(q.kind()), "workqueue");
}

TEST(DeferredQueueTest, TracesQueueingAndRunning) {
  Tracer tracer;
  MemorySink sink;
  tracer.AddSink(&sink);
  DeferredQueue q(DeferredKind::kTaskWork, "task#2", &tracer);
  q.Add("tw_fn", [] {});
  q.Drain();
  ASSERT_EQ(sink.records().size(), 2u);
  EXPECT_STREQ(sink.records()[0].func, "queue_deferred");
  EXPECT_EQ(sink.records()[0].message, "task_work task#2 += tw_fn (pending 1)");
  EXPECT_EQ(sink.records()[1].message, "task_work task#2 runs tw_fn");
}

}  // namespace
}  // namespace zcsim::sim
