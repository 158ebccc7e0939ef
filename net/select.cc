// poll() (fs/select.c, Linux 6.1).
#include "net/select.h"

#include <sys/epoll.h>

#include <memory>
#include <vector>

#include "net/eventpoll.h"
#include "net/host.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

struct PollWqueues;

// struct poll_table_entry: one hook on one socket's wait queue.
struct PollTableEntry : WaitQueueEntry {
  PollWqueues* p = nullptr;
  uint32_t key = 0;  // the events asked for, plus POLLERR | POLLHUP
  WaitQueueHead* whead = nullptr;
};

// struct poll_wqueues: the task's hooks and its "something fired" flag.
struct PollWqueues {
  std::vector<std::unique_ptr<PollTableEntry>> entries;
  bool triggered = false;
};

// pollwake(): only wake ups for an event the entry asked for count.
int pollwake(WaitQueueEntry* wait, uint32_t key) {
  auto* entry = static_cast<PollTableEntry*>(wait);
  if (key != 0 && !(key & entry->key)) return 0;
  entry->p->triggered = true;
  return 1;
}

// __pollwait(): hook the task on the socket (non-exclusive).
void poll_wait(PollWqueues* pwq, Sock* sk, uint32_t key) {
  auto entry = std::make_unique<PollTableEntry>();
  entry->func = &pollwake;
  entry->p = pwq;
  entry->key = key;
  entry->whead = &sk->sk_wq;
  add_wait_queue(&sk->sk_wq, entry.get());
  pwq->entries.push_back(std::move(entry));
}

// poll_freewait()
void poll_freewait(PollWqueues* pwq) {
  for (auto& e : pwq->entries) remove_wait_queue(e->whead, e.get());
  pwq->entries.clear();
}

// do_pollfd(): the fd's mask, filtered; hooks the task if `register_wait`.
uint32_t do_pollfd(Host* host, const PollFd& pfd, PollWqueues* pwq, bool register_wait) {
  if (pfd.fd < 0) return 0;
  const uint32_t filter = static_cast<uint16_t>(pfd.events) | EPOLLERR | EPOLLHUP;
  if (EventPoll* ep = host->LookupEpollFd(pfd.fd)) {
    return (ep->rdllist.empty() ? 0 : (EPOLLIN | EPOLLRDNORM)) & filter;
  }
  Sock* sk = sockfd_lookup(host, pfd.fd);
  if (sk == nullptr) return POLLNVAL;
  if (register_wait) poll_wait(pwq, sk, filter);
  return sock_poll(sk) & filter;
}

}  // namespace

int sys_poll(Host* host, PollFd* fds, size_t nfds, sim::Time timeout) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  World& world = host->world();
  if (nfds > 1024) return -EINVAL;  // RLIMIT_NOFILE's default soft limit
  if (nfds > 0 && fds == nullptr) return -EFAULT;
  PollWqueues table;
  bool register_wait = true;  // only on the first pass (pt->_qproc)
  bool timed_out = timeout == 0;
  sim::EventHandle timer;
  if (timeout > 0) timer = world.sim().scheduler().After(timeout, "poll timeout", [&timed_out] { timed_out = true; });
  int count = 0;
  for (;;) {
    for (size_t i = 0; i < nfds; ++i) {
      const uint32_t mask = do_pollfd(host, fds[i], &table, register_wait);
      fds[i].revents = static_cast<int16_t>(mask);
      if (mask != 0) {
        ++count;
        register_wait = false;  // once something is ready, no more hooks
      }
    }
    register_wait = false;
    if (count != 0 || timed_out) break;
    ZC_TRACE(world.tracer(), "poll", "do_poll").Msg("{}: nothing ready: the task sleeps", host->name());
    table.triggered = false;
    if (!world.WaitFor([&] { return table.triggered || timed_out; })) timed_out = true;
  }
  if (timer.valid()) world.sim().scheduler().Cancel(timer);
  poll_freewait(&table);
  return count;
}

}  // namespace zcsim::net
