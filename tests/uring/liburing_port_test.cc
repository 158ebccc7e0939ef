// The liburing-shaped API: a program written as for liburing runs on the
// simulated world, and its CQEs follow the kernel's rules.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <string.h>

#include "tests/uring/zc_sender.h"
#include "uring/api/api.h"
#include "uring/api/port.h"  // last: redirects the POSIX calls below

namespace zcsim::api {
namespace {

class LiburingPortTest : public testing::TestWithParam<bool> {};

TEST_P(LiburingPortTest, AZerocopySenderRunsUnchanged) {
  const bool fixed = GetParam();
  Sim sim(1);
  net::Host* a = sim.AddHost("a");
  net::Host* b = sim.AddHost("b");
  sim.AddNicPair(a, "10.0.0.1/24", b, "10.0.0.2/24", /*mtu=*/9000);
  sim.Use(b);
  const int rx = udp_receive_all(9000, 8, 4000);
  ASSERT_GE(rx, 0);
  sim.Use(a);
  zc_stats stats;
  ASSERT_EQ(zc_send_batch("10.0.0.2", 9000, 8, 4000, fixed, &stats), 0);
  EXPECT_EQ(stats.completions, 8);
  EXPECT_EQ(stats.with_more, 8) << "every SEND_ZC CQE announces a notification";
  EXPECT_EQ(stats.notifications, 8);
  EXPECT_EQ(stats.bytes, 8 * 4000);
  EXPECT_GT(stats.first_notif_order, 1) << "a notification never precedes its request CQE";
  EXPECT_GT(sim.now(), 0) << "waiting for notifications let virtual time pass";
  sim.Use(b);
  sim.RunUntilIdle();
  EXPECT_EQ(udp_drain(rx, 4000), 8);
  EXPECT_TRUE(sim.simulator().checker().ok());
  EXPECT_TRUE(sim.simulator().checker().warnings().empty());
}

INSTANTIATE_TEST_SUITE_P(UserMemoryAndFixed, LiburingPortTest, testing::Bool());

TEST(PosixApiTest, ErrnoIsReportedThePosixWay) {
  Sim sim(1);
  sim.AddHost("a");
  EXPECT_EQ(socket(AF_INET, SOCK_RAW, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  char on = 1;
  EXPECT_EQ(setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &on, 1), -1) << "optlen below sizeof(int)";
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(send(fd, "x", 1, 0), -1) << "not connected";
  EXPECT_EQ(errno, EDESTADDRREQ);
  EXPECT_EQ(close(fd), 0);
  EXPECT_EQ(close(fd), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(PosixApiTest, MsgZerocopyNotificationThroughRecvmsgAndPoll) {
  Sim sim(1);
  net::Host* a = sim.AddHost("a");
  sim.AddDummy(a, "10.9.0.1/24", 9000);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int one = 1;
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)), 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(7);
  inet_pton(AF_INET, "10.9.0.2", &dst.sin_addr);
  char* buf = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(buf, MAP_FAILED);
  ASSERT_EQ(sendto(fd, buf, 1000, MSG_ZEROCOPY, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)), 1000);
  pollfd pfd{fd, 0, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 1);
  EXPECT_TRUE(pfd.revents & POLLERR) << "a pending notification shows as POLLERR";
  char control[64];
  msghdr msg{};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ASSERT_EQ(recvmsg(fd, &msg, MSG_ERRQUEUE), 0);
  EXPECT_TRUE(msg.msg_flags & MSG_ERRQUEUE);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, SOL_IP);
  EXPECT_EQ(c->cmsg_type, IP_RECVERR);
  sock_extended_err ee;
  memcpy(&ee, CMSG_DATA(c), sizeof(ee));
  EXPECT_EQ(ee.ee_origin, SO_EE_ORIGIN_ZEROCOPY);
  EXPECT_EQ(ee.ee_info, 0u);
  EXPECT_EQ(ee.ee_data, 0u);
  EXPECT_EQ(ee.ee_code, 0) << "the dummy device sent without copying";
  EXPECT_EQ(recvmsg(fd, &msg, MSG_ERRQUEUE), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(send(fd, reinterpret_cast<char*>(8), 10, 0), -1) << "not simulated memory";
}

TEST(PosixApiTest, WaitingWithNothingToComeFailsClearly) {
  Sim sim(1);
  sim.AddHost("a");
  struct io_uring ring;
  ASSERT_EQ(io_uring_queue_init(4, &ring, 0), 0);
  io_uring_cqe* cqe = nullptr;
  EXPECT_EQ(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
  EXPECT_EQ(io_uring_wait_cqe(&ring, &cqe), -EINTR) << "the world is idle: no CQE can ever arrive";
  io_uring_queue_exit(&ring);
}

}  // namespace
}  // namespace zcsim::api

namespace zcsim::api {
namespace {

// The v4 liburing test's flow (test_send_flush): sends on slot 0, a flush,
// and the seq of each generation.
TEST(LiburingV4Test, SlotGenerationsCountUp) {
  Sim sim(1);
  sim.world().set_era(net::KernelEra::k6_0_rc3);
  net::Host* a = sim.AddHost("a");
  sim.AddDummy(a, "10.9.0.1/24", 9000);
  struct io_uring ring;
  ASSERT_EQ(io_uring_queue_init(32, &ring, 0), 0);
  struct io_uring_notification_slot slots[2] = {{0xfffffff, {}}, {0x2, {}}};
  ASSERT_EQ(io_uring_register_notifications(&ring, 2, slots), 0);
  EXPECT_EQ(io_uring_register_notifications(&ring, 2, slots), -EBUSY);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(9);
  inet_pton(AF_INET, "10.9.0.2", &dst.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)), 0);
  char* buf = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  for (int gen = 0; gen < 3; ++gen) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_sendzc(sqe, fd, buf, 100, 0, 0, 0);
    sqe->user_data = 1;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_sendzc(sqe, fd, buf, 100, 0, 0, uring::IORING_RECVSEND_NOTIF_FLUSH_V4);
    sqe->user_data = 2;
    ASSERT_EQ(io_uring_submit(&ring), 2);
    io_uring_cqe* cqe;
    for (int want : {1, 2}) {  // 6.0-rc3: the requests' CQEs come first
      ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
      EXPECT_EQ(cqe->user_data, static_cast<uint64_t>(want));
      EXPECT_EQ(cqe->res, 100);
      io_uring_cqe_seen(&ring, cqe);
    }
    ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
    EXPECT_EQ(cqe->user_data, 0xfffffffu) << "the slot's tag";
    EXPECT_EQ(cqe->flags, static_cast<uint32_t>(gen)) << "the generation's seq";
    io_uring_cqe_seen(&ring, cqe);
  }
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_notif_update(sqe, 0, 0, 3);  // beyond the two slots
  sqe->user_data = 9;
  ASSERT_EQ(io_uring_submit(&ring), 1);
  io_uring_cqe* cqe;
  ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
  EXPECT_EQ(cqe->res, -EINVAL);
  io_uring_cqe_seen(&ring, cqe);
  EXPECT_EQ(io_uring_unregister_notifications(&ring), 0);
  EXPECT_EQ(io_uring_unregister_notifications(&ring), -ENXIO);
  io_uring_queue_exit(&ring);
  EXPECT_TRUE(sim.simulator().checker().ok());
}

}  // namespace
}  // namespace zcsim::api
