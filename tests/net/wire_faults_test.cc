// Wire faults against TCP MSG_ZEROCOPY: for seeds 1..40 a 200 KB transfer
// in eight sends crosses two NICs that lose, duplicate and reorder 2% of
// their packets each and add up to 2us of jitter. Whatever the seed, the
// receiver reads exactly the bytes sent, every send id is notified exactly
// once, deep invariant checks report nothing, and the sender's memory
// accounting (sk_wmem_alloc, locked_vm) returns to zero. Also the fault
// draws themselves (DecideWireFate) and the scripted faults' precedence.
#include <gtest/gtest.h>

#include "net/wire_faults.h"
#include "tests/net/faulty_transfer.h"

namespace zcsim::net {
namespace {

constexpr uint32_t kTotal = 200 * 1024;
constexpr uint32_t kChunk = 25 * 1024;

// Every id in [0, zckey) lies in exactly one notification range.
std::string CoverageError(const FaultyTransferResult& r) {
  std::vector<int> seen(r.zckey, 0);
  for (const auto& [lo, hi] : r.notifications) {
    if (lo > hi || hi >= r.zckey) return "notification [" + std::to_string(lo) + ", " + std::to_string(hi) + "] out of range";
    for (uint32_t id = lo; id <= hi; ++id) ++seen[id];
  }
  for (uint32_t id = 0; id < r.zckey; ++id) {
    if (seen[id] != 1) return "id " + std::to_string(id) + " notified " + std::to_string(seen[id]) + " times";
  }
  return "";
}

class WireFaultsSeedTest : public testing::TestWithParam<uint64_t> {};

TEST_P(WireFaultsSeedTest, ZerocopyStreamSurvivesLossDupReorderAndJitter) {
  const FaultyTransferResult r = RunFaultyTransfer(GetParam(), kTotal, kChunk);
  ASSERT_TRUE(r.connected);
  EXPECT_EQ(r.violations, 0u) << r.first_violation;
  EXPECT_EQ(r.warnings, 0u);
  ASSERT_EQ(r.received.size(), r.sent.size()) << "at " << sim::FormatTime(r.end);
  EXPECT_TRUE(r.received == r.sent) << "the stream arrived corrupted or out of order";
  EXPECT_GE(r.send_calls, kTotal / kChunk);
  EXPECT_EQ(r.zckey, r.send_calls) << "one MSG_ZEROCOPY id per sendmsg that queued bytes";
  EXPECT_EQ(CoverageError(r), "");
  EXPECT_EQ(r.wmem_alloc, 0);
  EXPECT_EQ(r.wmem_queued, 0);
  EXPECT_EQ(r.omem_alloc, 0);
  EXPECT_EQ(r.locked_vm, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, WireFaultsSeedTest, testing::Range<uint64_t>(1, 41));

// Across the 40 seeds every kind of fault happens in both directions, and
// some of them cost a retransmission: the sweep above really was faulty.
TEST(WireFaultsSweepTest, TheSeedsExerciseEveryFault) {
  WireFaultStats a, b;
  uint64_t retransmits = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const FaultyTransferResult r = RunFaultyTransfer(seed, kTotal, kChunk);
    for (auto [sum, one] : {std::pair{&a, r.faults_a}, std::pair{&b, r.faults_b}}) {
      sum->dropped += one.dropped;
      sum->duplicated += one.duplicated;
      sum->reordered += one.reordered;
      sum->delayed += one.delayed;
    }
    retransmits += r.retransmits;
  }
  for (const WireFaultStats* s : {&a, &b}) {
    EXPECT_GT(s->dropped, 0u);
    EXPECT_GT(s->duplicated, 0u);
    EXPECT_GT(s->reordered, 0u);
    EXPECT_GT(s->delayed, 0u);
  }
  EXPECT_GT(retransmits, 0u);
}

TEST(DecideWireFateTest, ScriptedFaultsNeedNoRng) {
  WireFaults f;
  f.drop = {3};
  f.dup = {{4, 7}};
  f.delay = {{4, 100}};
  f.reorder = {5};
  EXPECT_TRUE(DecideWireFate(f, 3, nullptr).drop);
  const WireFate four = DecideWireFate(f, 4, nullptr);
  EXPECT_TRUE(four.dup);
  EXPECT_EQ(four.dup_gap, 7);
  EXPECT_EQ(four.delay, 100);
  EXPECT_FALSE(four.drop);
  EXPECT_TRUE(DecideWireFate(f, 5, nullptr).hold);
  const WireFate six = DecideWireFate(f, 6, nullptr);
  EXPECT_FALSE(six.drop || six.dup || six.hold || six.delay != 0);
}

TEST(DecideWireFateTest, EveryPacketTakesTheSameDrawsWhateverItsFate) {
  WireFaults f;
  f.loss_ppm = 500000;
  f.dup_ppm = 500000;
  f.reorder_ppm = 500000;
  f.jitter = 1000;
  sim::Rng rng(42);
  for (uint64_t seq = 1; seq <= 100; ++seq) DecideWireFate(f, seq, &rng);
  EXPECT_EQ(rng.draws(), 400u);  // four per packet, lost or not
}

TEST(DecideWireFateTest, RatesAreHonouredRoughly) {
  WireFaults f;
  f.loss_ppm = 100000;  // 10%
  sim::Rng rng(7);
  int lost = 0;
  for (uint64_t seq = 1; seq <= 10000; ++seq) lost += DecideWireFate(f, seq, &rng).drop ? 1 : 0;
  EXPECT_GT(lost, 800);
  EXPECT_LT(lost, 1200);
}

}  // namespace
}  // namespace zcsim::net
