// epoll (fs/eventpoll.c, Linux 6.1).
#include "net/eventpoll.h"

#include <algorithm>

#include "net/host.h"
#include "net/sock.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

constexpr const char* kInvEpoll = "INV-22";

World& WorldOf(EventPoll* ep) { return ep->host->world(); }

void TraceEp(EventPoll* ep, const EpItem* epi, const char* func, const std::string& what) {
  ZC_TRACE(WorldOf(ep).tracer(), "epoll", func)
      .Obj(ep->id, {{"ready", static_cast<int64_t>(ep->rdllist.size())}})
      .Obj(epi != nullptr ? epi->sk->id : sim::ObjectId{})
      .Msg("{}", what);
}

bool ep_op_has_event(int op) { return op != EPOLL_CTL_DEL; }

// ep_item_poll(): the socket's readiness, limited to what the item asks for.
uint32_t ep_item_poll(const EpItem* epi) { return sock_poll(epi->sk) & epi->event.events; }

void ep_rdllist_add(EventPoll* ep, EpItem* epi) {
  ep->rdllist.push_back(epi);
  epi->rdllink = std::prev(ep->rdllist.end());
  epi->linked = true;
}

void ep_rdllist_del(EventPoll* ep, EpItem* epi) {
  ep->rdllist.erase(epi->rdllink);
  epi->linked = false;
}

// wake_up(&ep->wq): the sleeper leaves the queue as it is woken
// (ep_autoremove_wake_function), so a second callback sees no waiter.
void ep_wake_waiter(EventPoll* ep) {
  if (!ep->wq_waiter) return;
  ep->wq_waiter = false;
  ++ep->wq_wakeups;
}

// A ready item joins the ready list and wakes a sleeper (ep_insert and
// ep_modify share this tail).
void ep_make_ready(EventPoll* ep, EpItem* epi) {
  if (epi->linked) return;
  ep_rdllist_add(ep, epi);
  ep_wake_waiter(ep);
}

int ep_insert(EventPoll* ep, const EpollEvent& event, Sock* sk, int fd) {
  auto owned = std::make_unique<EpItem>();
  EpItem* epi = owned.get();
  epi->ep = ep;
  epi->sk = sk;
  epi->fd = fd;
  epi->event = event;
  sk->f_ep.push_back(epi);  // attach_epitem()
  ep->rbr[fd] = std::move(owned);
  // ep_ptable_queue_proc(): the hook goes on the socket's wait queue while
  // the socket is polled for the first time.
  epi->pwq.func = &ep_poll_callback;
  epi->pwq.base = epi;
  epi->pwq.whead = &sk->sk_wq;
  if (epi->event.events & EPOLLEXCLUSIVE) {
    add_wait_queue_exclusive(&sk->sk_wq, &epi->pwq);
  } else {
    add_wait_queue(&sk->sk_wq, &epi->pwq);
  }
  const uint32_t revents = ep_item_poll(epi);
  if (revents != 0) ep_make_ready(ep, epi);
  TraceEp(ep, epi, "ep_insert", fmt::format("fd {} events {:#x}{}", fd, epi->event.events, revents ? ": ready" : ""));
  return 0;
}

int ep_modify(EventPoll* ep, EpItem* epi, const EpollEvent& event) {
  // The new mask is set before polling, so no event in between is lost.
  epi->event = event;
  const uint32_t revents = ep_item_poll(epi);
  if (revents != 0) ep_make_ready(ep, epi);
  TraceEp(ep, epi, "ep_modify", fmt::format("fd {} events {:#x}{}", epi->fd, event.events, revents ? ": ready" : ""));
  return 0;
}

int ep_remove(EventPoll* ep, EpItem* epi) {
  ZC_CHECK(WorldOf(ep).checker(), wait_queue_contains(epi->pwq.whead, &epi->pwq), kInvEpoll, ep->id,
           "removing fd {}: its hook is not on the socket's wait queue", epi->fd);
  remove_wait_queue(epi->pwq.whead, &epi->pwq);  // ep_unregister_pollwait()
  auto& f_ep = epi->sk->f_ep;
  f_ep.erase(std::remove(f_ep.begin(), f_ep.end(), epi), f_ep.end());
  if (epi->linked) ep_rdllist_del(ep, epi);
  TraceEp(ep, epi, "ep_remove", fmt::format("fd {}", epi->fd));
  ep->rbr.erase(epi->fd);
  return 0;
}

EpItem* ep_find(EventPoll* ep, int fd) {
  auto it = ep->rbr.find(fd);
  return it == ep->rbr.end() ? nullptr : it->second.get();
}

// ep_send_events(): takes the ready list, re-polls each item, and copies
// out the ready ones. Level-triggered items go back on the ready list (so
// the next epoll_wait polls them again); EPOLLET items wait for the next
// wake up; EPOLLONESHOT items are disarmed. Items not reached (maxevents)
// go back to the front of the list.
int ep_send_events(EventPoll* ep, EpollEvent* events, int maxevents) {
  std::list<EpItem*> txlist;
  txlist.splice(txlist.end(), ep->rdllist);  // ep_start_scan(); iterators stay valid
  int res = 0;
  while (!txlist.empty() && res < maxevents) {
    EpItem* epi = txlist.front();
    txlist.pop_front();
    epi->linked = false;
    const uint32_t revents = ep_item_poll(epi);
    if (revents == 0) continue;
    events[res++] = EpollEvent{revents, epi->event.data};
    if (epi->event.events & EPOLLONESHOT) {
      epi->event.events &= EP_PRIVATE_BITS;
    } else if (!(epi->event.events & EPOLLET)) {
      ep_rdllist_add(ep, epi);
    }
    TraceEp(ep, epi, "ep_send_events",
            fmt::format("fd {} revents {:#x}{}", epi->fd, revents,
                        (epi->event.events & EPOLLONESHOT) ? ", disarmed (EPOLLONESHOT)"
                        : (epi->event.events & EPOLLET)    ? ""
                                                           : ", back on the ready list"));
  }
  ep->rdllist.splice(ep->rdllist.begin(), txlist);  // ep_done_scan()
  return res;
}

// ep_poll(): deliver what is ready, else sleep until a callback wakes the
// task or the timeout passes.
int ep_poll(EventPoll* ep, EpollEvent* events, int maxevents, sim::Time timeout) {
  World& world = WorldOf(ep);
  bool timed_out = timeout == 0;
  sim::EventHandle timer;
  if (timeout > 0) {
    timer = world.sim().scheduler().After(timeout, "ep_poll timeout", [&timed_out] { timed_out = true; });
  }
  int res = 0;
  bool eavail = !ep->rdllist.empty();  // ep_events_available()
  for (;;) {
    if (eavail) {
      res = ep_send_events(ep, events, maxevents);
      if (res != 0) break;
    }
    if (timed_out) break;
    eavail = !ep->rdllist.empty();
    if (eavail) continue;
    ep->wq_waiter = true;  // __add_wait_queue_exclusive(&ep->wq, &wait)
    const uint64_t seen = ep->wq_wakeups;
    TraceEp(ep, nullptr, "ep_poll", "nothing ready: the task sleeps");
    if (!world.WaitFor([&] { return ep->wq_wakeups != seen || timed_out; })) {
      timed_out = true;  // nothing left that could wake it
    }
    eavail = !ep->wq_waiter;  // woken: harvest; timed out still queued: no
    ep->wq_waiter = false;
  }
  if (timer.valid()) world.sim().scheduler().Cancel(timer);
  return res;
}

}  // namespace

int ep_poll_callback(WaitQueueEntry* wait, uint32_t key) {
  EpItem* epi = static_cast<EpPollEntry*>(wait)->base;
  EventPoll* ep = epi->ep;
  int ewake = 0;
  const uint32_t events = epi->event.events;
  if (!(events & ~EP_PRIVATE_BITS)) {
    TraceEp(ep, epi, "ep_poll_callback", fmt::format("fd {} disarmed (EPOLLONESHOT): ignored", epi->fd));
  } else if (key != 0 && !(key & events)) {
    // Not an event this item asks for (say EPOLLOUT for an EPOLLIN item).
  } else {
    if (!epi->linked) ep_rdllist_add(ep, epi);
    if (ep->wq_waiter) {
      // An exclusive item counts as the one woken only when a task was
      // actually sleeping here and the wake up is for what it waits on.
      if (events & EPOLLEXCLUSIVE) {
        const uint32_t inout = key & (EPOLLIN | EPOLLOUT);
        if (inout == 0 || (inout == EPOLLIN && (events & EPOLLIN)) || (inout == EPOLLOUT && (events & EPOLLOUT))) {
          ewake = 1;
        }
      }
      ep_wake_waiter(ep);
    }
    TraceEp(ep, epi, "ep_poll_callback", fmt::format("fd {} key {:#x}: on the ready list", epi->fd, key));
  }
  if (!(events & EPOLLEXCLUSIVE)) ewake = 1;
  return ewake;
}

void eventpoll_release(Sock* sk) {
  while (!sk->f_ep.empty()) {
    EpItem* epi = sk->f_ep.front();
    ep_remove(epi->ep, epi);
  }
}

void ep_free(std::unique_ptr<EventPoll> ep) {
  ZC_CHECK(WorldOf(ep.get()).checker(), !ep->wq_waiter, kInvEpoll, ep->id, "freed while a task sleeps on it");
  while (!ep->rbr.empty()) ep_remove(ep.get(), ep->rbr.begin()->second.get());
  TraceEp(ep.get(), nullptr, "ep_free", fmt::format("fd {}", ep->fd));
}

int sys_epoll_create1(Host* host, int flags) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
  auto ep = std::make_unique<EventPoll>();  // ep_alloc()
  ep->id = host->world().NextEpollId();
  ep->host = host;
  EventPoll* raw = ep.get();
  const int fd = host->InstallEpollFd(std::move(ep));
  TraceEp(raw, nullptr, "epoll_create1", fmt::format("{}: fd {}", host->name(), fd));
  return fd;
}

int sys_epoll_create(Host* host, int size) {
  if (size <= 0) return -EINVAL;
  return sys_epoll_create1(host, 0);
}

int sys_epoll_ctl(Host* host, int epfd, int op, int fd, const EpollEvent* event) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  if (ep_op_has_event(op) && event == nullptr) return -EFAULT;  // copy_from_user
  EpollEvent epds = event != nullptr ? *event : EpollEvent{};
  EventPoll* ep = host->LookupEpollFd(epfd);
  Sock* sk = sockfd_lookup(host, fd);
  EventPoll* target_ep = host->LookupEpollFd(fd);
  if ((ep == nullptr && sockfd_lookup(host, epfd) == nullptr) || (sk == nullptr && target_ep == nullptr)) return -EBADF;
  // An epoll fd as the target: itself or a non-epoll epfd is EINVAL as in
  // the kernel; a nested epoll instance is not modelled (EPERM).
  if (sk == nullptr) return (ep == nullptr || epfd == fd) ? -EINVAL : -EPERM;
  // ep_take_care_of_epollwakeup(): without CAP_BLOCK_SUSPEND the bit goes.
  if (ep_op_has_event(op)) epds.events &= ~static_cast<uint32_t>(EPOLLWAKEUP);
  if (ep == nullptr) return -EINVAL;  // epfd is not an epoll file
  // Exclusive hooks are placed at ADD time only, and only for plain events.
  if (ep_op_has_event(op) && (epds.events & EPOLLEXCLUSIVE)) {
    if (op == EPOLL_CTL_MOD) return -EINVAL;
    if (op == EPOLL_CTL_ADD && (epds.events & ~EPOLLEXCLUSIVE_OK_BITS)) return -EINVAL;
  }
  EpItem* epi = ep_find(ep, fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (epi != nullptr) return -EEXIST;
      epds.events |= EPOLLERR | EPOLLHUP;  // always reported
      return ep_insert(ep, epds, sk, fd);
    case EPOLL_CTL_DEL:
      if (epi == nullptr) return -ENOENT;
      return ep_remove(ep, epi);
    case EPOLL_CTL_MOD:
      if (epi == nullptr) return -ENOENT;
      if (epi->event.events & EPOLLEXCLUSIVE) return -EINVAL;
      epds.events |= EPOLLERR | EPOLLHUP;
      return ep_modify(ep, epi, epds);
    default:
      return -EINVAL;
  }
}

int sys_epoll_wait(Host* host, int epfd, EpollEvent* events, int maxevents, sim::Time timeout) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  // EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event), 12 bytes packed.
  if (maxevents <= 0 || maxevents > INT32_MAX / 12) return -EINVAL;
  if (events == nullptr) return -EFAULT;
  EventPoll* ep = host->LookupEpollFd(epfd);
  if (ep == nullptr) return sockfd_lookup(host, epfd) != nullptr ? -EINVAL : -EBADF;
  return ep_poll(ep, events, maxevents, timeout);
}

}  // namespace zcsim::net
