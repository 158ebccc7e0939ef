// The TCP slice's run-time rules: a healthy zerocopy stream reports
// nothing, and INV-21 (frag cap and sequence space of a TCP skb) is caught
// when a queued skb is corrupted before it is transmitted. INV-2, INV-3 and
// INV-18 are broken on TCP skbs too (write queue, retransmit queue, a clone
// on the NIC), not only on the UDP paths of invariants_test.
#include "net/tcp.h"

#include <gtest/gtest.h>

#include "net/drivers.h"
#include "net/host.h"
#include "net/invariants.h"
#include "net/msg_zerocopy.h"
#include "net/socket.h"
#include "net/world.h"
#include "sim/simulator.h"

namespace zcsim::net {
namespace {

class TcpTest : public testing::Test {
 protected:
  TcpTest() : sim_(1, sim::CheckMode::kReport), world_(sim_) {
    a_ = world_.AddHost("a");
    b_ = world_.AddHost("b");
    NetDevice* na = a_->AddNic("eth0", NicParams{});
    NetDevice* nb = b_->AddNic("eth0", NicParams{});
    na->addrs.push_back(Prefix(1));
    nb->addrs.push_back(Prefix(2));
    LinkDevices(na, nb);
    a_->mm().Map("buf", kBuf, 16 * PAGE_SIZE, [](uint64_t i) { return static_cast<uint8_t>(i); });
    const int lfd = sys_socket(b_, AF_INET, SOCK_STREAM, 0);
    sys_bind(b_, lfd, MakeInet4(10, 0, 0, 2, 8000));
    sys_listen(b_, lfd, 8);
    fd_ = sys_socket(a_, AF_INET, SOCK_STREAM, 0);
    sys_setsockopt(a_, fd_, SOL_SOCKET, SO_ZEROCOPY, 1);
    connected_ = sys_connect(a_, fd_, MakeInet4(10, 0, 0, 2, 8000)) == 0;
    peer_ = sys_accept(b_, lfd);
  }

  static InetPrefix Prefix(uint8_t host) {
    InetPrefix p;
    p.addr = MakeInet4(10, 0, 0, host, 0);
    p.len = 24;
    return p;
  }

  long Send(uint64_t len, unsigned flags) {
    UserMsg msg;
    msg.iov = {{kBuf, len}};
    return sys_sendmsg(a_, fd_, msg, flags);
  }

  std::string FirstRule() {
    return sim_.checker().violations().empty() ? "" : sim_.checker().violations()[0].rule;
  }
  sim::ObjectId FirstObject() {
    return sim_.checker().violations().empty() ? sim::ObjectId{} : sim_.checker().violations()[0].object;
  }

  static constexpr uint64_t kBuf = 0x100000;
  sim::Simulator sim_;
  World world_;
  Host* a_;
  Host* b_;
  int fd_ = -1;
  int peer_ = -1;
  bool connected_ = false;
};

TEST_F(TcpTest, AZerocopyStreamDeliversEveryByteAndReportsNothing) {
  ASSERT_TRUE(connected_);
  ASSERT_GE(peer_, 0);
  EXPECT_EQ(Send(10000, MSG_ZEROCOPY), 10000);
  sim_.scheduler().RunUntilIdle();
  RecvMsg got;
  EXPECT_EQ(sys_recvmsg(b_, peer_, &got, 65536, 0), 10000);
  ASSERT_EQ(got.data.size(), 10000u);
  for (size_t i = 0; i < got.data.size(); ++i) ASSERT_EQ(got.data[i], static_cast<uint8_t>(i)) << i;
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
}

TEST_F(TcpTest, Inv21CatchesAnSkbWhosePayloadDisagreesWithItsSequenceSpace) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  sk->tcp->cwnd = 0;  // nothing may leave: the skb stays on the write queue
  EXPECT_EQ(Send(1000, MSG_ZEROCOPY), 1000);
  ASSERT_EQ(sk->tcp->write_queue.size(), 1u);
  EXPECT_TRUE(sim_.checker().ok());
  sk->tcp->write_queue.front()->end_seq += 1;  // the corruption
  sk->tcp->cwnd = 10;
  EXPECT_EQ(Send(10, 0), 10);  // tcp_push() transmits the queue
  EXPECT_EQ(FirstRule(), "INV-21");
}

// A segment the qdisc drops was never sent: tcp_write_xmit() stops there and
// the segment waits on the write queue for the next ACK, instead of counting
// as in flight until a retransmission timeout brings it back.
TEST_F(TcpTest, ASegmentTheQdiscDropsStaysUnsentAndGoesOnTheNextAck) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  NetDevice* dev = a_->FindDevice("eth0");
  ASSERT_EQ(tcp_setsockopt(sk, TCP_NODELAY, 1), 0);  // no Nagle: every short send goes at once
  dev->queue_stopped = true;  // everything waits in the qdisc ...
  dev->tx_queue_len = 2;      // ... which holds two packets
  const uint32_t una = sk->tcp->snd_una;
  // Four short sends: each one's skb is pushed at once (tcp_push), so each
  // is a packet of its own.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Send(1000, MSG_ZEROCOPY), 1000);
  EXPECT_EQ(sk->tcp->rtx_queue.size(), 2u);
  EXPECT_EQ(sk->tcp->snd_nxt, una + 2000);
  EXPECT_EQ(sk->tcp->write_seq - sk->tcp->snd_nxt, 2000u);  // the last two sends wait unsent
  EXPECT_FALSE(sk->tcp->write_queue.empty());
  EXPECT_EQ(sk->tcp->packets_out, 2u);
  EXPECT_GE(dev->tx_dropped, 1u);  // each push tried the next segment
  dev->queue_stopped = false;  // netif_wake_queue()
  dev->tx_queue_len = 1000;
  qdisc_run(dev);
  sim_.scheduler().RunUntilIdle();
  EXPECT_EQ(sk->tcp->retransmits, 0u);
  EXPECT_TRUE(sk->tcp->write_queue.empty());
  EXPECT_TRUE(sk->tcp->rtx_queue.empty());
  RecvMsg got;
  EXPECT_EQ(sys_recvmsg(b_, peer_, &got, 65536, 0), 4000);
  EXPECT_EQ(sk->tcp->packets_out, 0u);
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
}

// INV-2 on the write queue: tcp_sendmsg appends a send's pages to the tail
// skb only if that skb holds the same ubuf (-EEXIST: a new segment
// otherwise). Attaching the next send's ubuf to the queued skb, as a missing
// -EEXIST check would, is reported on the skb, which keeps its first ubuf.
TEST_F(TcpTest, Inv2CatchesASecondUbufOnAQueuedTcpSkb) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  sk->tcp->cwnd = 0;  // the skb stays on the write queue
  EXPECT_EQ(Send(1000, MSG_ZEROCOPY), 1000);
  ASSERT_EQ(sk->tcp->write_queue.size(), 1u);
  SkBuff* tail = sk->tcp->write_queue.back();
  UbufInfo* held = skb_zcopy(tail);
  ASSERT_NE(held, nullptr);
  UbufInfo* next = msg_zerocopy_alloc(sk, 10);  // the next send's ubuf
  ASSERT_NE(next, nullptr);
  skb_zcopy_set(tail, held, nullptr);  // the same ubuf again: fine
  EXPECT_TRUE(sim_.checker().ok());
  skb_zcopy_set(tail, next, nullptr);  // the bug
  EXPECT_EQ(FirstRule(), "INV-2");
  EXPECT_EQ(FirstObject(), tail->id);
  EXPECT_EQ(skb_zcopy(tail), held);
  EXPECT_EQ(next->refcnt, 1) << "no reference taken";
  msg_zerocopy_put_abort(next, true);
}

// INV-3 with a clone in flight: the retransmit-queue skb and the clone
// waiting on the NIC share one shinfo whose dataref counts both. A dataref
// that forgets the clone (so skb_cloned() says none is out and a retransmit
// would write its header into the head the NIC is reading) is reported on
// the shinfo by the world check.
TEST_F(TcpTest, Inv3CatchesASharedInfoThatMiscountsAnInFlightClone) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  NetDevice* dev = a_->FindDevice("eth0");
  dev->queue_stopped = true;  // the clone waits in the qdisc
  EXPECT_EQ(Send(1000, MSG_ZEROCOPY), 1000);
  ASSERT_EQ(sk->tcp->rtx_queue.size(), 1u);
  ASSERT_EQ(dev->qdisc.size(), 1u);
  SkBuff* skb = sk->tcp->rtx_queue.front();
  SkBuff* clone = dev->qdisc.front();
  EXPECT_NE(clone, skb);
  EXPECT_EQ(clone->shinfo, skb->shinfo) << "clones share shinfo, frags and ubuf";
  EXPECT_EQ(skb->shinfo->dataref, 2);
  CheckWorldInvariants(world_);
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
  skb->shinfo->dataref = 1;  // the bug: the clone is not counted
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-3");
  EXPECT_EQ(FirstObject(), skb->shinfo->id);
  skb->shinfo->dataref = 2;  // repaired, so that the run ends cleanly
  dev->queue_stopped = false;
  qdisc_run(dev);
  sim_.scheduler().RunUntilIdle();
  EXPECT_EQ(sim_.checker().violations().size(), 1u);
}

// INV-7 for TCP: sk_wmem_queued is the truesize of every queued skb, and
// the protocol-memory charge follows the PURE_ZEROCOPY rules (a pure
// zerocopy skb charges only its head). A sendmsg that forgot to charge a
// copied append, or a free that uncharged a pure skb's pages, is reported
// on the socket by the world check.
TEST_F(TcpTest, Inv7CatchesAQueueChargeThatDisagreesWithTheQueuedSkbs) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  sk->tcp->cwnd = 0;  // keep the skb queued
  EXPECT_EQ(Send(1000, MSG_ZEROCOPY | MSG_MORE), 1000);
  ASSERT_EQ(sk->tcp->write_queue.size(), 1u);
  SkBuff* skb = sk->tcp->write_queue.front();
  EXPECT_TRUE(skb->shinfo->flags & SKBFL_PURE_ZEROCOPY);
  EXPECT_LT(sk->tcp->sk_mem_charged, sk->tcp->sk_wmem_queued) << "a pure zerocopy skb charges only its head";
  CheckWorldInvariants(world_);
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
  sk->tcp->sk_mem_charged = sk->tcp->sk_wmem_queued;  // the bug: the pages charged as if copied
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-7");
  EXPECT_EQ(FirstObject(), sk->id);
}

// INV-21 for the retransmit queue: packets_out, which the congestion window
// is tested against, counts the MSS-sized packets of the skbs in flight. A
// split that forgot to add the new skb's packets would let the sender
// overrun its window; the world check reports it on the socket.
TEST_F(TcpTest, Inv21CatchesPacketsOutThatMiscountsTheRetransmitQueue) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  NetDevice* dev = a_->FindDevice("eth0");
  dev->queue_stopped = true;  // the clones wait in the qdisc: nothing is ACKed
  EXPECT_EQ(Send(5000, MSG_ZEROCOPY), 5000);
  ASSERT_EQ(sk->tcp->rtx_queue.size(), 1u);
  EXPECT_EQ(sk->tcp->packets_out, 4u) << "one GSO skb of four MSS-sized packets";
  CheckWorldInvariants(world_);
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
  sk->tcp->packets_out = 1;  // the bug: counted as one packet
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-21");
  EXPECT_EQ(FirstObject(), sk->id);
  sk->tcp->packets_out = 4;
  dev->queue_stopped = false;
  qdisc_run(dev);
  sim_.scheduler().RunUntilIdle();
  EXPECT_EQ(sim_.checker().violations().size(), 1u);
}

// INV-21 for SACK: sacked_out, which starts recovery and is left out of the
// packets in flight, counts the packets of the skbs marked SACKed. A
// sacktag that marked an skb without counting it (or a cumulative ACK that
// freed one without uncounting it) is reported on the socket.
TEST_F(TcpTest, Inv21CatchesSackedOutThatMiscountsTheSackedSkbs) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  NetDevice* dev = a_->FindDevice("eth0");
  dev->queue_stopped = true;  // nothing is ACKed while we look
  EXPECT_EQ(Send(5000, MSG_ZEROCOPY), 5000);
  ASSERT_EQ(sk->tcp->rtx_queue.size(), 1u);
  SkBuff* skb = sk->tcp->rtx_queue.front();
  skb->sacked = TCPCB_SACKED_ACKED;  // as tcp_sacktag_one() marks it ...
  sk->tcp->sacked_out = 4;           // ... and counts it
  CheckWorldInvariants(world_);
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
  sk->tcp->sacked_out = 3;  // the bug: one packet short
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-21");
  EXPECT_EQ(FirstObject(), sk->id);
  skb->sacked = 0;  // repaired, so that the run ends cleanly
  sk->tcp->sacked_out = 0;
  dev->queue_stopped = false;
  qdisc_run(dev);
  sim_.scheduler().RunUntilIdle();
  EXPECT_EQ(sim_.checker().violations().size(), 1u);
}

// INV-18 through the ACK path: the notification that tcp_clean_rtx_queue
// and the NIC's TX completion release covers id 0; a socket whose sk_zckey
// was rolled back after that successful send (as if it had failed) never
// handed id 0 out, and the notification is reported on the ubuf.
TEST_F(TcpTest, Inv18CatchesANotificationForAnIdRolledBackAfterASuccessfulSend) {
  ASSERT_TRUE(connected_);
  Sock* sk = sockfd_lookup(a_, fd_);
  ASSERT_NE(sk, nullptr);
  EXPECT_EQ(Send(1000, MSG_ZEROCOPY), 1000);
  ASSERT_EQ(sk->tcp->rtx_queue.size(), 1u);
  UbufInfo* uarg = skb_zcopy(sk->tcp->rtx_queue.front());
  ASSERT_NE(uarg, nullptr);
  const sim::ObjectId ubuf = uarg->id;
  EXPECT_EQ(sk->sk_zckey, 1u);
  sk->sk_zckey -= 1;  // the bug
  sim_.scheduler().RunUntilIdle();
  EXPECT_TRUE(sk->tcp->rtx_queue.empty());
  EXPECT_EQ(FirstRule(), "INV-18");
  EXPECT_EQ(FirstObject(), ubuf);
}

}  // namespace
}  // namespace zcsim::net
