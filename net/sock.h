// struct sock (include/net/sock.h), with the inet, UDP and cork parts the
// model needs, and the socket-memory helpers of net/core/sock.c (6.1).
#ifndef ZCSIM_NET_SOCK_H_
#define ZCSIM_NET_SOCK_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <functional>
#include <vector>

#include "net/inet.h"
#include "net/mm.h"
#include "net/skbuff.h"
#include "net/wait.h"
#include "sim/pool.h"

namespace zcsim::net {

class Host;
class NetDevice;
struct EpItem;

// struct inet_cork: the state of a datagram being built across calls.
struct InetCork {
  uint32_t fragsize = 0;  // path MTU at setup
  uint32_t length = 0;    // bytes appended so far
  uint16_t gso_size = 0;
  NetDevice* dev = nullptr;  // the route's device (cork->dst)
  InetAddr saddr;
  InetAddr daddr;
};

struct Sock : sim::PoolNode {
  World* world = nullptr;
  Host* host = nullptr;
  int fd = -1;
  int family = 0;    // sk_family
  int type = 0;      // sk_type
  int protocol = 0;  // sk_protocol

  // Socket memory. The kernel starts sk_wmem_alloc at 1 (a bias that keeps
  // the socket alive); here it counts bytes only, as sk_wmem_alloc_get() does.
  int64_t sk_wmem_alloc = 0;
  int64_t sk_rmem_alloc = 0;
  int64_t sk_omem_alloc = 0;  // option memory: MSG_ZEROCOPY notification skbs
  int sk_sndbuf = 0;
  // SOCK_SNDBUF_LOCK / SOCK_RCVBUF_LOCK in sk_userlocks: the application set
  // the size, so TCP's autotuning (tcp_sndbuf_expand) leaves it alone.
  bool sndbuf_locked = false;
  bool rcvbuf_locked = false;
  int sk_rcvbuf = 0;

  uint32_t sk_zckey = 0;        // next MSG_ZEROCOPY id
  bool sock_zerocopy = false;   // SOCK_ZEROCOPY (SO_ZEROCOPY)
  bool sock_dead = false;       // SOCK_DEAD
  bool owned_by_user = false;   // lock_sock() held (sock_owned_by_user)
  // SOCK_NOSPACE: set when a sender found the send buffer full. UDP never
  // clears it (only TCP's write-space callback does), so from then on every
  // failed send counts in SNDBUFERRORS.
  bool sock_nospace = false;
  // Wake-ups of the socket's wait queue (sk_write_space when writable,
  // sk_error_report): a sleeping sender re-checks only when woken.
  uint64_t wakeups = 0;
  int sk_err = 0;
  int refcnt = 1;               // sk_refcnt: the file's reference (+1 per msgzc ubuf)

  // sk->sk_wq: callbacks waiting for send-buffer space (POLLOUT), run once
  // by sk_write_space() when the socket becomes writable.
  std::vector<std::function<void()>> write_waiters;
  // sk->sk_wq->wait: poll() and epoll hooks, woken with a poll mask by
  // sk_data_ready, sk_write_space, sk_error_report and sk_state_change.
  WaitQueueHead sk_wq;
  // file->f_ep: the epoll items watching this socket's file (dropped when
  // the file closes, eventpoll_release()).
  std::vector<EpItem*> f_ep;

  std::deque<SkBuff*> sk_error_queue;
  std::deque<SkBuff*> sk_receive_queue;
  std::deque<SkBuff*> sk_write_queue;  // corked datagram fragments
  PageFrag sk_frag;                    // sk_page_frag() for copied data

  // inet_sock
  InetAddr saddr;  // bound local address and port
  InetAddr daddr;  // connected peer
  bool bound = false;
  bool connected = false;  // sk_state == TCP_ESTABLISHED for UDP

  // tcp_sock (TCP sockets only; shared_ptr so that sock.h needs no tcp.h)
  std::shared_ptr<struct TcpSock> tcp;

  // udp_sock
  bool udp_corkflag = false;  // UDP_CORK
  int udp_pending = 0;        // AF_INET / AF_INET6 while a corked datagram is open
  uint32_t udp_len = 0;       // up->len: bytes of the corked datagram
  InetCork cork;

  // Statistics (UDP_MIB_*), read by expectations.
  uint64_t sndbuf_errors = 0;
  uint64_t rcvbuf_errors = 0;
  uint64_t out_datagrams = 0;
  uint64_t in_datagrams = 0;
};

// sysctls with their 6.1 defaults (net.core.*).
struct NetSysctls {
  int wmem_default = 212992;
  int wmem_max = 212992;
  int rmem_default = 212992;
  int rmem_max = 212992;
  int optmem_max = 20480;  // 128 KiB since 6.9 (4944566706b2)
  // The delayed-ACK timeout of this host's TCP receivers (Linux's is adaptive,
  // 40 ms to 200 ms; a fixed value here). 0: acknowledge every segment at
  // once, this model's default, which keeps notification times easy to read.
  int64_t tcp_delack_ns = 0;
  // tcp_rmem[2]: the most a TCP socket may buffer; sets the window scale
  // (6 MB -> 7; packetdrill's defaults, 15 MB, give 8).
  int64_t tcp_rmem_max = 6 * 1024 * 1024;
  // net.ipv4.tcp_sack: offer (and accept) SACK-permitted in the handshake.
  int tcp_sack = 1;
};

// TCP_SKB_MIN_TRUESIZE = 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)).
inline constexpr int SOCK_MIN_SNDBUF = 2 * (2048 + 256);
inline constexpr int SOCK_MIN_RCVBUF = 2048 + 256;

void sk_write_space(Sock* sk);
// sock_writeable(): less than half the send buffer in use (POLLOUT).
inline bool sock_writeable(const Sock* sk) { return sk->sk_wmem_alloc < (sk->sk_sndbuf >> 1); }
// The POLLOUT rule of the socket's protocol: sk_stream_is_writeable() for
// TCP (free send buffer at least half of what is queued), sock_writeable()
// for datagram sockets.
bool sk_is_writeable(const Sock* sk);
// sock_alloc_send_skb(): the first skb of a datagram. Waits for send-buffer
// space unless `noblock`; -EAGAIN when non-blocking and full.
SkBuff* sock_alloc_send_skb(Sock* sk, uint32_t size, bool noblock, int* err);
// sock_omalloc(): option memory, bounded by net.core.optmem_max.
SkBuff* sock_omalloc(Sock* sk, uint32_t size);
void skb_set_owner_w(SkBuff* skb, Sock* sk);
void sock_hold(Sock* sk);
void sock_put(Sock* sk);
// sock_def_error_report(): wakes sleepers and pollers with EPOLLERR (after
// a MSG_ZEROCOPY notification is queued, merged or not).
void sk_error_report(Sock* sk);
// sock_def_readable(): data (or a connection to accept) arrived: EPOLLIN.
void sk_data_ready(Sock* sk);
// sock_def_wakeup(): a state change (the peer's FIN): every poller, no mask.
void sk_state_change(Sock* sk);
// sock_dequeue_err_skb()
SkBuff* sock_dequeue_err_skb(Sock* sk);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_SOCK_H_
