// The epoll model's rules (fs/eventpoll.c 6.1): epoll_ctl's errnos, level-
// triggered items re-queued after delivery, EPOLLET only on a new wake up,
// EPOLLONESHOT disarmed until MOD, EPOLLEXCLUSIVE stopping a wake up at the
// first instance with a sleeper, ready-list order, and close() releasing
// the items.
#include "net/eventpoll.h"

#include <gtest/gtest.h>

#include "net/select.h"
#include "net/sock.h"
#include "net/socket.h"
#include "tests/net/fixture.h"

namespace zcsim::net {
namespace {

class EventPollTest : public NetFixture {
 protected:
  int Ctl(int ep, int op, int fd, uint32_t events) {
    EpollEvent ev{events, static_cast<uint64_t>(fd)};
    return sys_epoll_ctl(host_, ep, op, fd, &ev);
  }
  // epoll_wait without sleeping; the fds reported, in order.
  std::vector<uint64_t> Wait(int ep, int max = 8) {
    std::vector<EpollEvent> out(8);
    const int n = sys_epoll_wait(host_, ep, out.data(), max, 0);
    std::vector<uint64_t> fds;
    for (int i = 0; i < n; ++i) fds.push_back(out[i].data);
    return fds;
  }
  Sock* SockOf(int fd) { return sockfd_lookup(host_, fd); }
};

TEST_F(EventPollTest, CtlErrnos) {
  const int s = ConnectedSocket(false);
  const int ep = sys_epoll_create1(host_, 0);
  ASSERT_GE(ep, 0);
  EXPECT_EQ(sys_epoll_create1(host_, 1), -EINVAL);
  EXPECT_EQ(sys_epoll_create(host_, 0), -EINVAL);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_ADD, s, EPOLLIN), 0);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_ADD, s, EPOLLIN), -EEXIST);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_DEL, 99, 0), -EBADF);
  EXPECT_EQ(Ctl(99, EPOLL_CTL_ADD, s, EPOLLIN), -EBADF);
  EXPECT_EQ(Ctl(s, EPOLL_CTL_ADD, s, EPOLLIN), -EINVAL);   // epfd is no epoll file
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN), -EINVAL);  // itself
  EXPECT_EQ(Ctl(ep, 42, s, EPOLLIN), -EINVAL);
  EXPECT_EQ(sys_epoll_ctl(host_, ep, EPOLL_CTL_MOD, s, nullptr), -EFAULT);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_MOD, s, EPOLLIN | EPOLLEXCLUSIVE), -EINVAL);
  const int s2 = ConnectedSocket(false);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_MOD, s2, EPOLLIN), -ENOENT);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_DEL, s2, 0), -ENOENT);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_ADD, s2, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT), -EINVAL);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_ADD, s2, EPOLLIN | EPOLLEXCLUSIVE), 0);
  EXPECT_EQ(Ctl(ep, EPOLL_CTL_MOD, s2, EPOLLIN), -EINVAL);  // an exclusive item
  EpollEvent out[1];
  EXPECT_EQ(sys_epoll_wait(host_, ep, out, 0, 0), -EINVAL);
  EXPECT_EQ(sys_epoll_wait(host_, ep, out, -1, 0), -EINVAL);
  EXPECT_EQ(sys_epoll_wait(host_, s, out, 1, 0), -EINVAL);
  EXPECT_EQ(sys_epoll_wait(host_, 99, out, 1, 0), -EBADF);
  EXPECT_EQ(sys_close(host_, ep), 0);
  EXPECT_TRUE(sim_.checker().ok());
}

TEST_F(EventPollTest, LevelTriggeredStaysEdgeTriggeredDoesNot) {
  const int lt = ConnectedSocket(false);
  const int et = ConnectedSocket(false);
  const int ep = sys_epoll_create1(host_, 0);
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_ADD, lt, EPOLLOUT), 0);
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_ADD, et, EPOLLOUT | EPOLLET), 0);
  // Both writable at ADD; ready list in insertion order.
  EXPECT_EQ(Wait(ep), (std::vector<uint64_t>{uint64_t(lt), uint64_t(et)}));
  EXPECT_EQ(Wait(ep), (std::vector<uint64_t>{uint64_t(lt)}));
  // A write-space wake up puts the EPOLLET item back, after the LT one.
  wake_up_poll(&SockOf(et)->sk_wq, EPOLLOUT);
  EXPECT_EQ(Wait(ep), (std::vector<uint64_t>{uint64_t(lt), uint64_t(et)}));
  // A wake up for an event the item did not ask for does not.
  wake_up_poll(&SockOf(et)->sk_wq, EPOLLIN);
  EXPECT_EQ(Wait(ep), (std::vector<uint64_t>{uint64_t(lt)}));
}

TEST_F(EventPollTest, MaxeventsLeavesTheRestInFront) {
  const int a = ConnectedSocket(false);
  const int b = ConnectedSocket(false);
  const int ep = sys_epoll_create1(host_, 0);
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_ADD, a, EPOLLOUT | EPOLLET), 0);
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_ADD, b, EPOLLOUT | EPOLLET), 0);
  EXPECT_EQ(Wait(ep, 1), (std::vector<uint64_t>{uint64_t(a)}));
  EXPECT_EQ(Wait(ep, 1), (std::vector<uint64_t>{uint64_t(b)}));
  EXPECT_TRUE(Wait(ep, 1).empty());
}

TEST_F(EventPollTest, OneshotDisarmsUntilMod) {
  const int s = ConnectedSocket(true);
  const int ep = sys_epoll_create1(host_, 0);
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLONESHOT), 0);
  EXPECT_TRUE(Wait(ep).empty());
  ASSERT_EQ(Send(s, 0, 100, MSG_ZEROCOPY), 100);
  sim_.scheduler().RunUntilIdle();  // the dummy device frees it: notification
  EXPECT_EQ(Wait(ep), (std::vector<uint64_t>{uint64_t(s)}));
  ASSERT_EQ(Send(s, 0, 100, MSG_ZEROCOPY), 100);
  sim_.scheduler().RunUntilIdle();
  EXPECT_TRUE(Wait(ep).empty());  // disarmed: the second notification is ignored
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_MOD, s, EPOLLIN | EPOLLONESHOT), 0);
  EXPECT_EQ(Wait(ep), (std::vector<uint64_t>{uint64_t(s)}));
}

TEST_F(EventPollTest, ExclusiveWakeUpStopsAtTheFirstSleeper) {
  const int s = ConnectedSocket(false);
  const int ep1 = sys_epoll_create1(host_, 0);
  const int ep2 = sys_epoll_create1(host_, 0);
  ASSERT_EQ(Ctl(ep1, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLET | EPOLLEXCLUSIVE), 0);
  ASSERT_EQ(Ctl(ep2, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLET | EPOLLEXCLUSIVE), 0);
  EventPoll* e1 = host_->LookupEpollFd(ep1);
  EventPoll* e2 = host_->LookupEpollFd(ep2);
  // No sleeper anywhere: both hooks see the wake up.
  wake_up_poll(&SockOf(s)->sk_wq, EPOLLERR);
  EXPECT_EQ(e1->rdllist.size(), 1u);
  EXPECT_EQ(e2->rdllist.size(), 1u);
  e1->rdllist.clear();
  for (auto& [fd, epi] : e1->rbr) epi->linked = false;
  e2->rdllist.clear();
  for (auto& [fd, epi] : e2->rbr) epi->linked = false;
  // A task asleep on ep1: the wake up wakes it and ends there.
  e1->wq_waiter = true;
  wake_up_poll(&SockOf(s)->sk_wq, EPOLLERR);
  EXPECT_FALSE(e1->wq_waiter);
  EXPECT_EQ(e1->wq_wakeups, 1u);
  EXPECT_EQ(e1->rdllist.size(), 1u);
  EXPECT_TRUE(e2->rdllist.empty());
  // An EPOLLOUT wake up does not count for EPOLLIN-only sleepers: it is
  // filtered out before (the item does not ask for it), so ep2 is not reached
  // as ep1's hook neither queues nor counts.
  e1->wq_waiter = true;
  wake_up_poll(&SockOf(s)->sk_wq, EPOLLOUT);
  EXPECT_TRUE(e1->wq_waiter);
  EXPECT_TRUE(e2->rdllist.empty());
  e1->wq_waiter = false;
}

TEST_F(EventPollTest, CloseReleasesItemsAndHooks) {
  const int s = ConnectedSocket(false);
  const int ep = sys_epoll_create1(host_, 0);
  ASSERT_EQ(Ctl(ep, EPOLL_CTL_ADD, s, EPOLLOUT), 0);
  Sock* sk = SockOf(s);
  EXPECT_EQ(sk->sk_wq.head.size(), 1u);
  EXPECT_EQ(sys_close(host_, s), 0);
  EXPECT_TRUE(host_->LookupEpollFd(ep)->rbr.empty());
  EXPECT_TRUE(Wait(ep).empty());
  EXPECT_EQ(sys_close(host_, ep), 0);
  EXPECT_EQ(sys_close(host_, ep), -EBADF);
  EXPECT_TRUE(sim_.checker().ok());
}

TEST_F(EventPollTest, PollTimesOutInVirtualTime) {
  const int s = ConnectedSocket(false);
  PollFd pfd{s, POLLIN, 0};
  const sim::Time start = sim_.now();
  EXPECT_EQ(sys_poll(host_, &pfd, 1, 5 * sim::kMillisecond), 0);
  EXPECT_EQ(sim_.now() - start, 5 * sim::kMillisecond);
  EXPECT_TRUE(SockOf(s)->sk_wq.head.empty());  // poll_freewait
  pfd.events = POLLOUT;
  EXPECT_EQ(sys_poll(host_, &pfd, 1, -1), 1);
  EXPECT_EQ(pfd.revents, POLLOUT);
  PollFd bad{1234, POLLIN, 0};
  EXPECT_EQ(sys_poll(host_, &bad, 1, 0), 1);
  EXPECT_EQ(bad.revents, POLLNVAL);
}

}  // namespace
}  // namespace zcsim::net
