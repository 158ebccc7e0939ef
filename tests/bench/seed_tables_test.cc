// The cover letter's tables, reproduced in virtual time by the cost model:
// the shape the letter shows, and every relative gain within 5 points.
// (Virtual time is deterministic: these are not wall-clock assertions.)
#include <gtest/gtest.h>

#include "tools/bench/zc_tx.h"

namespace zcsim::bench {
namespace {

const SeedTable& Table(const std::vector<SeedTable>& tables, const std::string& name) {
  for (const SeedTable& t : tables) {
    if (t.profile == name) return t;
  }
  ADD_FAILURE() << "no table " << name;
  return tables.front();
}

double Gain(const SeedRow& r, int column) { return r.ours[column] / r.ours[0] - 1; }

class SeedTablesTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { tables_ = new std::vector<SeedTable>(RunSeedTables(2 * sim::kMillisecond)); }
  static void TearDownTestSuite() { delete tables_; }
  static std::vector<SeedTable>* tables_;
};
std::vector<SeedTable>* SeedTablesTest::tables_ = nullptr;

TEST_F(SeedTablesTest, ZerocopyGainGrowsWithSizeOnDummy) {
  const SeedTable& t = Table(*tables_, "dummy");
  ASSERT_EQ(t.rows.size(), 4u);
  // Rows are 8000, 4000, 1200, 600 bytes.
  for (size_t i = 0; i + 1 < t.rows.size(); ++i) {
    EXPECT_GT(Gain(t.rows[i], 1), Gain(t.rows[i + 1], 1)) << t.rows[i].size << " vs " << t.rows[i + 1].size;
    EXPECT_GT(Gain(t.rows[i], 2), Gain(t.rows[i + 1], 2));
  }
  for (const SeedRow& r : t.rows) EXPECT_GT(Gain(r, 1), Gain(r, 2)) << "flushing costs something";
}

TEST_F(SeedTablesTest, FlushingLosesBelowAboutOneKilobyteOnTheNic) {
  const SeedTable& t = Table(*tables_, "nic");
  ASSERT_EQ(t.rows.size(), 4u);  // 4000, 1500, 1000, 600
  EXPECT_GT(Gain(t.rows[0], 2), 0) << "4000 bytes: zc + flush wins";
  EXPECT_LT(Gain(t.rows[2], 2), 0) << "1000 bytes: zc + flush loses";
  EXPECT_LT(Gain(t.rows[3], 2), 0) << "600 bytes: zc + flush loses";
  EXPECT_GT(Gain(t.rows[3], 1), -0.01) << "plain zc roughly breaks even at 600 bytes";
}

TEST_F(SeedTablesTest, EveryRelativeGainIsWithinFivePointsOfTheLetter) {
  for (const SeedTable& t : *tables_) {
    for (const SeedRow& r : t.rows) {
      EXPECT_LE(std::abs(r.gain_error[0]), 5.0) << t.profile << " " << r.size << " zc";
      EXPECT_LE(std::abs(r.gain_error[1]), 5.0) << t.profile << " " << r.size << " zc + flush";
    }
  }
}

TEST(ZcTxTest, NotificationsFollowTheFlushMode) {
  ZcTxOptions o;
  o.runtime = 200 * sim::kMicrosecond;
  ZcTxResult no_flush, flush, copy;
  std::string error;
  ASSERT_TRUE(RunZcTx(DummyProfile(), o, &no_flush, &error)) << error;
  o.flush = true;
  ASSERT_TRUE(RunZcTx(DummyProfile(), o, &flush, &error)) << error;
  o.flush = false;
  o.mode = Mode::kCopy;
  ASSERT_TRUE(RunZcTx(DummyProfile(), o, &copy, &error)) << error;
  EXPECT_EQ(no_flush.notifications, 1u) << "never flushed: one generation, drained at the end";
  EXPECT_EQ(flush.notifications, flush.requests) << "one generation per flushed request";
  EXPECT_EQ(copy.notifications, 0u);
  EXPECT_EQ(no_flush.failed + flush.failed + copy.failed, 0u);
  EXPECT_GT(no_flush.requests, 0u);
}

TEST(ZcTxTest, BadOptionsAreRejected) {
  ZcTxOptions o;
  ZcTxResult r;
  std::string error;
  o.flush = true;
  o.mode = Mode::kCopy;
  EXPECT_FALSE(RunZcTx(DummyProfile(), o, &r, &error));
  EXPECT_EQ(error, "flush (-f) needs a zerocopy mode");
  o = ZcTxOptions{};
  o.family = 5;
  EXPECT_FALSE(RunZcTx(NicProfile(), o, &r, &error));
  o = ZcTxOptions{};
  o.batch = 0;
  EXPECT_FALSE(RunZcTx(NicProfile(), o, &r, &error));
}

TEST(ZcTxTest, Ipv6AndCorkRun) {
  ZcTxOptions o;
  o.runtime = 100 * sim::kMicrosecond;
  o.family = 6;
  o.cork = true;
  o.flush = true;
  ZcTxResult r;
  std::string error;
  ASSERT_TRUE(RunZcTx(NicProfile(), o, &r, &error)) << error;
  EXPECT_GT(r.requests, 0u);
  EXPECT_EQ(r.failed, 0u);
}

}  // namespace
}  // namespace zcsim::bench
