// The io_uring invariants, each broken on purpose and caught with its rule
// id; a healthy SEND_ZC run reports nothing.
#include "uring/invariants.h"

#include <gtest/gtest.h>

#include "net/socket.h"
#include "uring/io_uring.h"
#include "uring/notif.h"

namespace zcsim::uring {
namespace {

class UringInvariantsTest : public testing::Test {
 protected:
  UringInvariantsTest() : sim_(1, sim::CheckMode::kReport), world_(sim_), uring_(world_) {
    host_ = world_.AddHost("a");
    net::NetDevice* nic = host_->AddNic("eth0", net::NicParams{});
    nic->mtu = 9000;
    net::InetPrefix p;
    p.addr = net::MakeInet4(10, 0, 0, 1, 0);
    p.len = 24;
    nic->addrs.push_back(p);
    host_->mm().Map("buf", kBuf, 4 * net::PAGE_SIZE, [](uint64_t) { return uint8_t{7}; });
    fd_ = net::sys_socket(host_, AF_INET, SOCK_DGRAM, 0);
    net::sys_connect(host_, fd_, net::MakeInet4(10, 0, 0, 2, 9));
    int err;
    RingParams params;
    params.sq_entries = 8;
    ctx_ = io_uring_setup(uring_, host_, params, &err);
  }

  void PrepSendZc(uint64_t user_data, uint16_t ioprio) {
    io_uring_sqe& sqe = ctx_->sqes[ctx_->sq_tail & (ctx_->sq_entries - 1)];
    sqe = io_uring_sqe{};
    sqe.opcode = IORING_OP_SEND_ZC;
    sqe.fd = fd_;
    sqe.addr = kBuf;
    sqe.len = 1000;
    sqe.ioprio = ioprio;
    sqe.user_data = user_data;
    ctx_->sq_array[ctx_->sq_tail & (ctx_->sq_entries - 1)] = ctx_->sq_tail & (ctx_->sq_entries - 1);
    ++ctx_->sq_tail;
  }

  std::string FirstRule() {
    return sim_.checker().violations().empty() ? "" : sim_.checker().violations()[0].rule;
  }

  static constexpr uint64_t kBuf = 0x200000;
  sim::Simulator sim_;
  net::World world_;
  Uring uring_;
  net::Host* host_;
  int fd_;
  IoRingCtx* ctx_;
};

TEST_F(UringInvariantsTest, AHealthyFixedBufferSendReportsNothing) {
  uint8_t iov[16] = {};
  const uint64_t base = kBuf, len = 2 * net::PAGE_SIZE;
  for (int i = 0; i < 8; ++i) iov[i] = static_cast<uint8_t>(base >> (8 * i));
  for (int i = 0; i < 8; ++i) iov[8 + i] = static_cast<uint8_t>(len >> (8 * i));
  std::memcpy(host_->mm().UserToHost(kBuf + 3 * net::PAGE_SIZE), iov, sizeof(iov));
  ASSERT_EQ(io_uring_register(ctx_, IORING_REGISTER_BUFFERS, kBuf + 3 * net::PAGE_SIZE, 1), 0);
  PrepSendZc(1, IORING_RECVSEND_FIXED_BUF);
  ASSERT_EQ(io_uring_enter(ctx_, 1, 0, 0), 1);
  CheckUringInvariants(uring_);
  EXPECT_TRUE(sim_.checker().ok());
  ASSERT_EQ(io_uring_enter(ctx_, 0, 2, IORING_ENTER_GETEVENTS), 0);
  EXPECT_EQ(io_cqring_events(ctx_), 2u);
  EXPECT_TRUE(sim_.checker().ok());
}

TEST_F(UringInvariantsTest, Inv5CatchesAManagedFragOnAnUnpinnedPage) {
  uint8_t iov[16] = {};
  const uint64_t base = kBuf, len = net::PAGE_SIZE;
  for (int i = 0; i < 8; ++i) iov[i] = static_cast<uint8_t>(base >> (8 * i));
  for (int i = 0; i < 8; ++i) iov[8 + i] = static_cast<uint8_t>(len >> (8 * i));
  std::memcpy(host_->mm().UserToHost(kBuf + 3 * net::PAGE_SIZE), iov, sizeof(iov));
  ASSERT_EQ(io_uring_register(ctx_, IORING_REGISTER_BUFFERS, kBuf + 3 * net::PAGE_SIZE, 1), 0);
  PrepSendZc(1, IORING_RECVSEND_FIXED_BUF);
  ASSERT_EQ(io_uring_enter(ctx_, 1, 0, 0), 1);  // the skb waits on the NIC's ring
  uint32_t off;
  net::Page* page = host_->mm().Translate(kBuf, &off);
  page->pincount = 0;  // as if the buffer had been unregistered under the skb (bug B4)
  CheckUringInvariants(uring_);
  EXPECT_EQ(FirstRule(), "INV-5");
}

TEST_F(UringInvariantsTest, Inv12CatchesANotificationBeforeItsRequestCqe) {
  IoKiocb* notif = io_alloc_notif(ctx_);
  notif->cqe.flags = IORING_CQE_F_NOTIF;
  io_notif_flush(notif);  // completes through task_work, but no request CQE came first
  io_run_task_work(ctx_);
  EXPECT_EQ(FirstRule(), "INV-12");
}

TEST_F(UringInvariantsTest, Inv11CatchesASecondNotification) {
  IoKiocb* notif = io_alloc_notif(ctx_);
  notif->owner_cqe_posted = notif->owner_cqe_had_more = true;
  notif->cqe_posted = true;  // as if it had already posted once
  io_notif_flush(notif);
  io_run_task_work(ctx_);
  EXPECT_EQ(FirstRule(), "INV-11");
}

TEST_F(UringInvariantsTest, Inv15CatchesALostCqe) {
  PrepSendZc(1, 0);
  ASSERT_EQ(io_uring_enter(ctx_, 1, 0, 0), 1);
  ctx_->cq_tail -= 1;  // a CQE vanishes from the ring
  CheckUringInvariants(uring_);
  EXPECT_EQ(FirstRule(), "INV-15");
}

TEST_F(UringInvariantsTest, Inv15HoldsThroughOverflow) {
  // CQ of 16 (2 x 8): 12 SEND_ZC give 24 CQEs; 8 overflow, none is lost.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) PrepSendZc(round * 4 + i + 1, 0);
    ASSERT_EQ(io_uring_enter(ctx_, 4, 0, 0), 4);
  }
  sim_.scheduler().RunUntilIdle();
  io_uring_enter(ctx_, 0, 0, IORING_ENTER_GETEVENTS);
  EXPECT_EQ(io_cqring_events(ctx_), 16u);
  EXPECT_EQ(ctx_->overflow_list.size(), 8u);
  CheckUringInvariants(uring_);
  EXPECT_TRUE(sim_.checker().ok());
  ctx_->cq_head += 16;
  ctx_->cqes_reaped += 16;
  io_uring_enter(ctx_, 0, 0, IORING_ENTER_GETEVENTS);  // flushes the overflow list
  EXPECT_EQ(io_cqring_events(ctx_), 8u);
  EXPECT_TRUE(ctx_->overflow_list.empty());
  CheckUringInvariants(uring_);
  EXPECT_TRUE(sim_.checker().ok());
}

// B18, re-enacted: as released, 6.10's io_link_skb compared a notifier
// with itself, so a notifier of another ring could join a chain. Build that
// chain by hand; the head's task_work would post into the other ring.
TEST_F(UringInvariantsTest, Inv17CatchesAChainAcrossRings) {
  world_.set_era(net::KernelEra::k6_10);
  int err;
  RingParams params;
  params.sq_entries = 8;
  IoRingCtx* other = io_uring_setup(uring_, host_, params, &err);
  ASSERT_NE(other, nullptr);
  IoKiocb* head = io_alloc_notif(ctx_);
  IoKiocb* stranger = io_alloc_notif(other);
  for (IoKiocb* n : {head, stranger}) n->owner_cqe_posted = n->owner_cqe_had_more = true;
  stranger->nd.head = head;  // what io_link_skb does once its checks pass
  head->nd.next = stranger;
  ++head->nd.uarg.refcnt;
  const uint32_t stranger_id = stranger->id.n;  // the notifiers are freed once posted
  io_notif_flush(stranger);  // its last reference: passed on to the head
  io_notif_flush(head);      // the head's last: the chain completes
  EXPECT_TRUE(sim_.checker().ok());
  io_run_task_work(ctx_);
  EXPECT_EQ(FirstRule(), "INV-17");
  EXPECT_EQ(sim_.checker().violations()[0].object.n, stranger_id);
}

}  // namespace
}  // namespace zcsim::uring
