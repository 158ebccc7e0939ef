// `zcsim bench zc-tx --proto tcp`: a short run in every mode, checked for
// the accounting the selftests do (every byte read by the far host, every
// announced notification seen exactly once).
#include <gtest/gtest.h>

#include <string>

#include "tools/bench/zc_tx.h"

namespace zcsim::bench {
namespace {

struct Case {
  Mode mode;
  uint32_t size;
  bool zc;      // every send announces a notification
  bool copies;  // no send announces one
};

class ZcTxTcpTest : public testing::TestWithParam<Case> {};

ZcTxResult RunOk(const CostProfile& profile, const ZcTxOptions& o) {
  ZcTxResult r;
  std::string error;
  EXPECT_TRUE(RunZcTx(profile, o, &r, &error)) << error;
  return r;
}

TEST_P(ZcTxTcpTest, EveryByteArrivesAndEveryNotificationOnce) {
  const Case c = GetParam();
  ZcTxOptions o;
  o.proto = Proto::kTcp;
  o.mode = c.mode;
  o.size = c.size;
  o.runtime = 200 * sim::kMicrosecond;
  const ZcTxResult r = RunOk(NicProfile(), o);
  EXPECT_GT(r.requests, static_cast<uint64_t>(o.batch));
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(r.bytes, r.requests * c.size) << "MSG_WAITALL and blocking send() send everything";
  EXPECT_EQ(r.received, r.bytes) << "the far host read every byte sent";
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_EQ(r.notified, r.zc_sends) << "every announced notification arrived";
  if (c.zc) {
    EXPECT_EQ(r.zc_sends, r.requests);
  }
  if (c.copies) {
    EXPECT_EQ(r.notifications, 0u);
  }
  if (!c.zc && !c.copies) {
    EXPECT_GT(r.zc_sends, 0u);
    EXPECT_LT(r.zc_sends, r.requests) << "mixed: some copies, some zerocopy";
  }
  if (c.mode == Mode::kMsgZerocopy) {
    EXPECT_LE(r.notifications, r.notified) << "error-queue ranges may cover several sends";
  } else {
    EXPECT_EQ(r.notifications, r.zc_sends) << "one F_NOTIF CQE per SEND_ZC";
  }
  EXPECT_GT(r.sim_gbit_per_second(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, ZcTxTcpTest,
    testing::Values(Case{Mode::kCopy, 4000, false, true}, Case{Mode::kZc, 4000, true, false},
                    Case{Mode::kZcFixed, 64000, true, false}, Case{Mode::kMixed, 4000, false, false},
                    Case{Mode::kSend, 64000, false, true}, Case{Mode::kMsgZerocopy, 4000, true, false},
                    Case{Mode::kMsgZerocopy, 64000, true, false}));

TEST(ZcTxTcpOptionsTest, VethIpv6AndWallClock) {
  ZcTxOptions o;
  o.proto = Proto::kTcp;
  o.family = 6;
  o.mode = Mode::kMsgZerocopy;
  o.wall_clock = true;
  o.wall_clock_requests = 40;
  const ZcTxResult r = RunOk(DummyProfile(), o);
  EXPECT_GE(r.requests, 40u);
  EXPECT_EQ(r.received, r.bytes);
  EXPECT_EQ(r.notified, r.zc_sends);
  EXPECT_GT(r.copied, 0u) << "veth hands the skb to another host's receive path: the kernel copies";
}

TEST(ZcTxTcpOptionsTest, UdpOnlyOptionsAreRefused) {
  ZcTxOptions o;
  o.proto = Proto::kTcp;
  o.flush = true;
  ZcTxResult r;
  std::string error;
  EXPECT_FALSE(RunZcTx(NicProfile(), o, &r, &error));
  EXPECT_NE(error.find("UDP only"), std::string::npos) << error;
  o = ZcTxOptions{};
  o.mode = Mode::kMsgZerocopy;
  EXPECT_FALSE(RunZcTx(NicProfile(), o, &r, &error));
  EXPECT_NE(error.find("--proto tcp"), std::string::npos) << error;
}

}  // namespace
}  // namespace zcsim::bench
