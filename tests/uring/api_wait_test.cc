// zcsim::api's blocking waits: poll() and epoll_wait() in virtual time.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <string.h>

#include "tests/uring/zc_epoll.h"
#include "uring/api/api.h"
#include "uring/api/port.h"  // last: redirects the POSIX calls below

// A poll() that left its timeout armed would have the timer write into the
// returned call's frame: ASan reports that only with fake stacks on.
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=1"; }

namespace zcsim::api {
namespace {

sockaddr_in Ipv4(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

class ApiWaitTest : public testing::Test {
 protected:
  ApiWaitTest() : a_(sim_.AddHost("a")), b_(sim_.AddHost("b")) {
    sim_.AddNicPair(a_, "10.0.0.1/24", b_, "10.0.0.2/24", /*mtu=*/9000);
  }
  // A datagram from a to b:9000, on its way when this returns; b's socket.
  int SendOneToB() {
    sim_.Use(b_);
    const int rx = socket(AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in at = Ipv4("10.0.0.2", 9000);
    EXPECT_EQ(bind(rx, reinterpret_cast<const sockaddr*>(&at), sizeof(at)), 0);
    sim_.Use(a_);
    const int tx = socket(AF_INET, SOCK_DGRAM, 0);
    void* buf = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_EQ(sendto(tx, buf, 100, 0, reinterpret_cast<const sockaddr*>(&at), sizeof(at)), 100);
    sim_.Use(b_);
    return rx;
  }

  Sim sim_{1};
  net::Host* a_;
  net::Host* b_;
};

TEST_F(ApiWaitTest, PollReturningEarlyLeavesNoTimerBehind) {
  const int rx = SendOneToB();
  pollfd pfd{rx, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 1000), 1);
  EXPECT_EQ(pfd.revents, POLLIN);
  const sim::Time woke = sim_.now();
  EXPECT_GT(woke, 0) << "the task slept until the datagram arrived";
  EXPECT_LT(woke, 1000 * sim::kMillisecond);
  // Past the timeout: a timer still armed would fire into poll()'s frame.
  sim_.RunFor(2000 * sim::kMillisecond);
  sim_.RunUntilIdle();
  EXPECT_EQ(sim_.simulator().scheduler().pending(), 0u);
  EXPECT_TRUE(sim_.simulator().checker().ok());
}

TEST_F(ApiWaitTest, PollTimesOutInVirtualTime) {
  sim_.Use(b_);
  const int rx = socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in at = Ipv4("10.0.0.2", 9001);
  ASSERT_EQ(bind(rx, reinterpret_cast<const sockaddr*>(&at), sizeof(at)), 0);
  sim_.RunFor(sim::kMillisecond);  // nothing else in flight: the timer alone wakes poll
  pollfd pfd{rx, POLLIN, 0};
  const sim::Time start = sim_.now();
  EXPECT_EQ(poll(&pfd, 1, 5), 0);
  EXPECT_EQ(sim_.now() - start, 5 * sim::kMillisecond);
  pollfd bad{77, POLLIN, 0};
  EXPECT_EQ(poll(&bad, 1, 0), 1);
  EXPECT_EQ(bad.revents, POLLNVAL);
}

TEST_F(ApiWaitTest, EpollWaitReturningEarlyLeavesNoTimerBehind) {
  const int rx = SendOneToB();
  const int epfd = epoll_create1(0);
  ASSERT_GE(epfd, 0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0x1234567890ull;
  ASSERT_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, rx, &ev), 0);
  epoll_event out[8];
  ASSERT_EQ(epoll_wait(epfd, out, 8, 1000), 1);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(out[0].data.u64, 0x1234567890ull) << "the caller's data comes back whole";
  EXPECT_LT(sim_.now(), 1000 * sim::kMillisecond);
  sim_.RunFor(2000 * sim::kMillisecond);
  EXPECT_EQ(sim_.simulator().scheduler().pending(), 0u);
  EXPECT_EQ(close(epfd), 0);
}

TEST_F(ApiWaitTest, EpollErrorsThePosixWay) {
  sim_.Use(a_);
  EXPECT_EQ(epoll_create1(1), -1);
  EXPECT_EQ(errno, EINVAL);
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  epoll_event ev{};
  EXPECT_EQ(epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, nullptr), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, epfd, &ev), -1);
  EXPECT_EQ(errno, EINVAL) << "an epoll fd cannot watch itself";
  epoll_event out[1];
  EXPECT_EQ(epoll_wait(epfd, out, 0, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(epoll_wait(fd, out, 1, 0), -1);
  EXPECT_EQ(errno, EINVAL) << "not an epoll fd";
  EXPECT_EQ(epoll_wait(99, out, 1, 0), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(epoll_wait(epfd, nullptr, 1, 0), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(epoll_wait(epfd, out, 1, 0), 0) << "nothing watched, nothing ready";
}

TEST_F(ApiWaitTest, MsgZerocopyNotificationsThroughEpoll) {
  sim_.Use(b_);
  const int rx = socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in at = Ipv4("10.0.0.2", 9002);
  ASSERT_EQ(bind(rx, reinterpret_cast<const sockaddr*>(&at), sizeof(at)), 0);
  sim_.Use(a_);
  zc_epoll_stats stats;
  ASSERT_EQ(zc_send_and_epoll("10.0.0.2", 9002, 6, 4000, &stats), 0);
  EXPECT_EQ(stats.completions, 6) << "every send is covered by exactly one range";
  EXPECT_GE(stats.notifications, 1);
  EXPECT_LE(stats.notifications, 6);
  EXPECT_GE(stats.wakeups, 1);
  EXPECT_EQ(stats.out_of_order, 0);
  EXPECT_EQ(stats.copied, 0) << "the NIC sent from the user pages";
  EXPECT_GT(sim_.now(), 0) << "epoll_wait slept until the NIC completed";
  sim_.RunUntilIdle();
  sim_.Use(b_);
  char buf[4000];
  int got = 0;
  while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) == 4000) ++got;
  EXPECT_EQ(got, 6);
  EXPECT_TRUE(sim_.simulator().checker().ok());
}

}  // namespace
}  // namespace zcsim::api
