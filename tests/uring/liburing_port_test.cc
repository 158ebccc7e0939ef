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
