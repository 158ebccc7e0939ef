// poll() (fs/select.c do_sys_poll/do_poll, Linux 6.1) on one host's fds.
// Each polled socket gets a wait-queue entry on its first pass (pollwake,
// filtered by the requested events plus POLLERR|POLLHUP); the task sleeps
// in virtual time until one of them fires or the timeout passes, then
// polls every fd again.
#ifndef ZCSIM_NET_SELECT_H_
#define ZCSIM_NET_SELECT_H_

#include <poll.h>

#include <cstddef>
#include <cstdint>

#include "sim/time.h"

namespace zcsim::net {

class Host;

static_assert(POLLIN == 0x001 && POLLPRI == 0x002 && POLLOUT == 0x004 && POLLERR == 0x008 && POLLHUP == 0x010 &&
              POLLNVAL == 0x020);

// struct pollfd.
struct PollFd {
  int fd = -1;
  int16_t events = 0;
  int16_t revents = 0;
};

// poll(): the number of fds with revents != 0 (0 on timeout). `timeout`
// is virtual time: 0 does not sleep, < 0 sleeps until woken (returns 0 if
// the world goes idle first: nothing could ever wake the task). A negative
// fd is skipped; an unknown one reports POLLNVAL; an epoll fd reports
// EPOLLIN while its ready list is not empty (it wakes no poller: nested
// readiness is not modelled).
int sys_poll(Host* host, PollFd* fds, size_t nfds, sim::Time timeout);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_SELECT_H_
