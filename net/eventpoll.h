// epoll (fs/eventpoll.c, Linux 6.1) on one host's sockets: epoll_create1,
// epoll_ctl ADD/MOD/DEL with the kernel's checks and errnos, a ready list in
// insertion order, epoll_wait in virtual time, level-triggered items put
// back after delivery, EPOLLET items only on a new wake up, EPOLLONESHOT
// items disarmed until EPOLL_CTL_MOD, and EPOLLEXCLUSIVE wake ups.
//
// The wake-up source is the socket's wait queue (sk->sk_wq): sk_data_ready,
// sk_write_space, sk_error_report and sk_state_change call ep_poll_callback()
// of every item hooked there. Readiness is sock_poll() (tcp_poll,
// udp_poll/datagram_poll), read again when an item is delivered.
//
// Not modelled: nested epoll (an epoll fd as a target: refused with EPERM),
// EPOLLWAKEUP (the caller lacks CAP_BLOCK_SUSPEND, so it is dropped, as the
// kernel does), max_user_watches, ep->ovflist (nothing can wake an item
// while ep_send_events() scans: no event runs inside a system call's scan),
// signals (no EINTR).
#ifndef ZCSIM_NET_EVENTPOLL_H_
#define ZCSIM_NET_EVENTPOLL_H_

#include <sys/epoll.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>

#include "net/wait.h"
#include "sim/ids.h"
#include "sim/time.h"

namespace zcsim::net {

class Host;
struct Sock;
struct EventPoll;
struct EpItem;

static_assert(EPOLLIN == 0x001 && EPOLLPRI == 0x002 && EPOLLOUT == 0x004 && EPOLLERR == 0x008 && EPOLLHUP == 0x010);
static_assert(EPOLLRDNORM == 0x040 && EPOLLWRNORM == 0x100 && EPOLLWRBAND == 0x200 && EPOLLRDHUP == 0x2000);
static_assert(EPOLLET == (1u << 31) && EPOLLONESHOT == (1u << 30) && EPOLLWAKEUP == (1u << 29) &&
              EPOLLEXCLUSIVE == (1u << 28));
static_assert(EPOLL_CTL_ADD == 1 && EPOLL_CTL_DEL == 2 && EPOLL_CTL_MOD == 3 && EPOLL_CLOEXEC == 02000000);

// The epoll-private bits of an item's mask (EP_PRIVATE_BITS).
inline constexpr uint32_t EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
// What an EPOLLEXCLUSIVE item may also ask for (EPOLLEXCLUSIVE_OK_BITS).
inline constexpr uint32_t EPOLLEXCLUSIVE_OK_BITS =
    EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

// struct epoll_event: the interest mask and the caller's data (the fd, by
// convention in the scenarios).
struct EpollEvent {
  uint32_t events = 0;
  uint64_t data = 0;
};

// struct eppoll_entry: an item's hook on the socket's wait queue.
struct EpPollEntry : WaitQueueEntry {
  EpItem* base = nullptr;
  WaitQueueHead* whead = nullptr;
};

// struct epitem: one watched socket of one epoll instance.
struct EpItem {
  EventPoll* ep = nullptr;
  Sock* sk = nullptr;  // ffd.file: the socket behind the fd
  int fd = -1;         // ffd.fd
  EpollEvent event;
  bool linked = false;                     // ep_is_linked(): on the ready list
  std::list<EpItem*>::iterator rdllink;    // valid while linked
  EpPollEntry pwq;                         // pwqlist: a socket has one queue
};

// struct eventpoll.
struct EventPoll {
  sim::ObjectId id;
  Host* host = nullptr;
  int fd = -1;
  // rbr: the items, keyed by fd (the kernel keys by file, then fd; fds are
  // never reused here, so the fd alone is unique and orders deterministically).
  std::map<int, std::unique_ptr<EpItem>> rbr;
  std::list<EpItem*> rdllist;  // the ready list, FIFO
  // ep->wq: the host's one task, when it sleeps in epoll_wait on this
  // instance. A wake up removes it (ep_autoremove_wake_function).
  bool wq_waiter = false;
  uint64_t wq_wakeups = 0;
};

// epoll_create1(): the new fd, or -EINVAL for flags other than EPOLL_CLOEXEC.
int sys_epoll_create1(Host* host, int flags);
// epoll_create(): -EINVAL unless size > 0.
int sys_epoll_create(Host* host, int size);
// epoll_ctl(): 0 or -errno (EBADF, EPERM, EINVAL, EEXIST, ENOENT, EFAULT for
// a missing event with ADD or MOD).
int sys_epoll_ctl(Host* host, int epfd, int op, int fd, const EpollEvent* event);
// epoll_wait(): events delivered (0 on timeout) or -errno. `timeout` is
// virtual time: 0 does not sleep, < 0 sleeps until woken (returns 0 if the
// world goes idle first: nothing could ever wake the task).
int sys_epoll_wait(Host* host, int epfd, EpollEvent* events, int maxevents, sim::Time timeout);

// ep_poll_callback(): the wait-queue function of every item.
int ep_poll_callback(WaitQueueEntry* wait, uint32_t key);
// eventpoll_release(): the socket's file is closing; drop every item on it.
void eventpoll_release(Sock* sk);
// ep_free(): an epoll fd's last close.
void ep_free(std::unique_ptr<EventPoll> ep);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_EVENTPOLL_H_
