// TCP over IPv4 and IPv6 (net/ipv4/tcp.c, tcp_output.c, tcp_input.c,
// tcp_ipv4.c, tcp_minisocks.c; Linux 6.1), first slice: the three-way
// handshake with the window-scale option and a full receiver on the far
// host, tcp_sendmsg_locked with zerocopy for both MSG_ZEROCOPY and an
// external msg_ubuf (io_uring), MSS-sized segments (no TSO), transmission of
// clones (or copies while a clone is still out), cumulative ACKs that free
// the retransmit queue and push queued data, an out-of-order queue at the
// receiver, fast retransmit on the third duplicate ACK, a retransmission
// timer with exponential backoff, slow start, window updates after reads,
// FIN on close, and recvmsg.
//
// Delayed ACKs with a fixed per-host delay (no quickack mode).
//
// Wire faults (duplicates, reordering, stale ACKs) are survived the way
// Linux survives them without SACK or timestamps: old data is re-ACKed at
// once, a duplicate SYN draws a SYN-ACK retransmit (in SYN_RECV) or a
// challenge ACK, a stale ACK updates nothing, and duplicate ACKs beyond the
// segments in flight are taken as reordering (Reno).
//
// Not yet: SACK, partial-ACK splitting (tcp_trim_head /
// tcp_fragment), TSO/GSO, RST, TIME_WAIT, a scripted packetdrill peer,
// poll/epoll semantics beyond POLLOUT/POLLERR, notification stacking (6.10).
#ifndef ZCSIM_NET_TCP_H_
#define ZCSIM_NET_TCP_H_

#include <cstdint>
#include <deque>

#include "net/iov_iter.h"
#include "net/netdevice.h"
#include "net/sock.h"
#include "sim/scheduler.h"

namespace zcsim::net {

enum class TcpState {
  kClosed,
  kListen,
  kSynSent,
  kSynRecv,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kLastAck,
  kTimeWait,
};
const char* TcpStateName(TcpState s);

inline constexpr uint8_t TCPHDR_FIN = 0x01;
inline constexpr uint8_t TCPHDR_SYN = 0x02;
inline constexpr uint8_t TCPHDR_RST = 0x04;
inline constexpr uint8_t TCPHDR_PSH = 0x08;
inline constexpr uint8_t TCPHDR_ACK = 0x10;
inline constexpr uint32_t kTcpHdrLen = kTcpBaseHdrLen;  // no options on data segments
// tcp_rmem[2]: the most a socket may buffer by default; sets the window scale.
inline constexpr int64_t kTcpRmemMax = 6 * 1024 * 1024;
// MAX_TCP_HEADER: headroom every TCP skb reserves for the TCP/IP headers.
inline constexpr uint32_t MAX_TCP_HEADER = 320;
inline constexpr sim::Time TCP_RTO_MIN = 200 * sim::kMillisecond;
inline constexpr sim::Time TCP_TIMEOUT_INIT = 1 * sim::kSecond;

// sysctl_tcp_reordering: duplicate ACKs that start a fast retransmit.
inline constexpr uint32_t kTcpReorderingThreshold = 3;
// sysctl_tcp_max_reordering: the most tp->reordering can grow to.
inline constexpr uint32_t kTcpMaxReordering = 300;
// sysctl_tcp_invalid_ratelimit: at most one challenge/out-of-window ACK per
// socket in this time (tcp_oow_rate_limited).
inline constexpr sim::Time kTcpInvalidRatelimit = 500 * sim::kMillisecond;

// A segment held beyond a hole (tp->out_of_order_queue, an rbtree in the
// kernel; a sorted deque here). Its headers are already pulled.
struct OfoSegment {
  SkBuff* skb;
  uint32_t seq;
  uint32_t end_seq;  // excluding the FIN
  bool fin;
};

// struct tcp_sock, the parts this slice uses.
struct TcpSock {
  TcpState state = TcpState::kClosed;
  uint32_t snd_una = 0;    // oldest unacknowledged sequence number
  uint32_t snd_nxt = 0;    // next sequence number to send
  uint32_t write_seq = 0;  // end of the data queued by the application
  uint32_t rcv_nxt = 0;    // next sequence number expected
  uint32_t snd_wnd = 65535;
  uint32_t snd_wl1 = 0;    // sequence number of the segment that last updated snd_wnd
  uint32_t rcv_wnd = 0;    // the scaled window we last advertised
  uint32_t rcv_right_edge = 0;  // rcv_nxt + that window, in bytes: never moves left
  int rcv_wscale = 0;      // the shift we apply to the window we advertise
  int snd_wscale = 0;      // the shift the peer applies to its window
  uint32_t mss = 536;
  uint32_t cwnd = 10;      // segments (initial window, RFC 6928)
  uint32_t ssthresh = 0x7fffffff;
  std::deque<SkBuff*> write_queue;  // queued, not yet sent
  std::deque<SkBuff*> rtx_queue;    // sent, not yet acknowledged
  int64_t sk_wmem_queued = 0;
  sim::Time rto = TCP_TIMEOUT_INIT;
  int backoff = 0;
  sim::EventHandle rto_timer;
  uint64_t retransmits = 0;
  uint64_t fast_retransmits = 0;
  uint32_t dupacks = 0;  // duplicate ACKs in a row for snd_una (Reno's sacked_out)
  // tp->reordering: the duplicate ACKs that start a fast retransmit; raised
  // when more duplicates arrive than segments are out (tcp_check_reno_reordering).
  uint32_t reordering = kTcpReorderingThreshold;
  bool in_recovery = false;  // icsk_ca_state == TCP_CA_Recovery: fast retransmit done
  uint64_t dup_acks_received = 0;
  sim::Time last_oow_ack_time = -1;  // rate limit of challenge ACKs (-1: none yet)
  // Delayed ACK (inet_connection_sock's icsk_ack): bytes received since our
  // last ACK, and the timer that acknowledges them if no second full
  // segment or outgoing data does first.
  uint32_t ack_pending_bytes = 0;
  bool ack_pushed = false;  // ICSK_ACK_PUSHED: a short segment is among them
  sim::EventHandle delack_timer;
  std::deque<OfoSegment> out_of_order_queue;
  uint64_t dup_acks_sent = 0;
  // Listening sockets: connections that completed the handshake.
  std::deque<Sock*> accept_queue;
  Sock* listener = nullptr;  // for a child until it is accepted
  bool fin_queued = false;
  bool fin_received = false;
  uint32_t rx_offset = 0;  // bytes of the receive queue's head already read
};

int tcp_v4_connect(Sock* sk, const InetAddr& daddr);  // also IPv6
int tcp_listen(Sock* sk, int backlog);
// inet_accept(): the next established child, or -EAGAIN.
Sock* tcp_accept(Sock* sk, int* err);
// tcp_sendmsg_locked(): bytes queued (possibly fewer than asked) or -errno.
long tcp_sendmsg(Sock* sk, MsgHdr* msg, size_t size);
long tcp_recvmsg(Sock* sk, RecvMsg* out, size_t len, unsigned flags);
void tcp_close(Sock* sk);
// tcp_v4_rcv() / tcp_v6_rcv(): a segment for this host (headers at data).
void tcp_v4_rcv(SkBuff* skb, const PacketSummary& p);
// Reaped every skb of a socket being freed.
void tcp_destroy_sock(Sock* sk);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_TCP_H_
