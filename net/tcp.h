// TCP over IPv4 and IPv6 (net/ipv4/tcp.c, tcp_output.c, tcp_input.c,
// tcp_ipv4.c, tcp_minisocks.c; Linux 6.1): the three-way handshake with
// the MSS and window-scale options, a full receiver on the far host (or a
// scripted peer), tcp_sendmsg_locked with zerocopy for both MSG_ZEROCOPY and an
// external msg_ubuf (io_uring), MSS-sized segments (no TSO), transmission of
// clones (or copies while a clone is still out), cumulative ACKs that free
// the retransmit queue and push queued data, an out-of-order queue at the
// receiver, fast retransmit on the third duplicate ACK (Reno, without
// SACK), SACK-based recovery (below), a retransmission
// timer with exponential backoff, slow start, window updates after reads,
// FIN on close, and recvmsg.
//
// Delayed ACKs with a fixed per-host delay, after quickack mode.
//
// Also: PSH on the pushed tail, tcp_trim_head of a partly acknowledged skb
// at retransmit, RST in (tcp_reset, challenge ACKs) and out
// (tcp_v4_send_reset).
//
// GSO: skbs of up to 64 KB (tcp_xmit_size_goal), cut by the device (TSO)
// or by skb_gso_segment (net/gso.h); tso_fragment / tcp_fragment split them
// at the congestion or receive window and for retransmission.
//
// Wire faults (duplicates, reordering, stale ACKs) are survived the way
// Linux survives them without timestamps (and, with tcp_sack=0, SACK): old data is re-ACKed at
// once, a duplicate SYN draws a SYN-ACK retransmit (in SYN_RECV) or a
// challenge ACK, a stale ACK updates nothing, and duplicate ACKs beyond the
// segments in flight are taken as reordering (Reno).
//
// Nagle with Minshall's check for the last short skb (TCP_NODELAY turns it
// off), PSH on an skb cut by the frag limit.
//
// SACK (RFC 2018, tcp_sacktag_write_queue, tcp_xmit_retransmit_queue):
// negotiated in the handshake (sysctl tcp_sack); the receiver sends up to
// four blocks on every pure ACK while its out-of-order queue is non-empty;
// the sender marks SACKed skbs (splitting a TSO skb at a block edge), enters
// recovery once sacked_out reaches tp->reordering, marks the holes below
// the highest SACKed sequence lost and resends them one MSS at a time under
// a PRR-reduced window. SACKed skbs stay queued (with their ubuf
// references) until the cumulative ACK. Not modelled: RACK, D-SACK, undo,
// SACK compression, tcp_shift_skb_data, SACK blocks on data segments.
//
// TIME_WAIT: a record per closed connection (TcpTimeWait) for 60 s.
//
// Not yet: timestamps, TSO autosizing (pacing), autocorking
// and TCP Small Queues, shutdown(), urgent data.
#ifndef ZCSIM_NET_TCP_H_
#define ZCSIM_NET_TCP_H_

#include <cstdint>
#include <deque>
#include <vector>

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
// TCP_MSS_DEFAULT: the MSS assumed when a SYN carries no MSS option.
inline constexpr uint32_t kTcpMssDefault = 536;
// TCP_MSS_DESIRED: below twice this, the size goal is not halved.
inline constexpr uint32_t kTcpMssDesired = 1220;
// sk_gso_max_size: GSO_LEGACY_MAX_SIZE less MAX_TCP_HEADER + 1.
inline constexpr uint32_t kTcpGsoMaxSize = 65536 - (320 + 1);
// MAX_TCP_HEADER: headroom every TCP skb reserves for the TCP/IP headers.
inline constexpr uint32_t MAX_TCP_HEADER = 320;
inline constexpr sim::Time TCP_RTO_MIN = 200 * sim::kMillisecond;
inline constexpr sim::Time TCP_TIMEOUT_INIT = 1 * sim::kSecond;

// TCP_MAX_QUICKACKS: the most segments quickack mode acknowledges at once.
inline constexpr uint32_t kTcpMaxQuickacks = 16;

// tp->nonagle bits and tcp_write_xmit()'s push modes (TCP_NAGLE_OFF,
// TCP_NAGLE_CORK, TCP_NAGLE_PUSH in the kernel).
inline constexpr int kTcpNagleOff = 1;
inline constexpr int kTcpNagleCork = 2;
inline constexpr int kTcpNaglePush = 4;

// sysctl_tcp_reordering: duplicate ACKs that start a fast retransmit.
inline constexpr uint32_t kTcpReorderingThreshold = 3;
// sysctl_tcp_max_reordering: the most tp->reordering can grow to.
inline constexpr uint32_t kTcpMaxReordering = 300;
// sysctl_tcp_invalid_ratelimit: at most one challenge/out-of-window ACK per
// socket in this time (tcp_oow_rate_limited).
inline constexpr sim::Time kTcpInvalidRatelimit = 500 * sim::kMillisecond;

// TCP_SKB_CB(skb)->sacked bits.
inline constexpr uint8_t TCPCB_SACKED_ACKED = 0x01;   // the peer SACKed the whole skb
inline constexpr uint8_t TCPCB_SACKED_RETRANS = 0x02;  // resent in this recovery, not yet SACKed
inline constexpr uint8_t TCPCB_LOST = 0x04;            // marked lost: to be resent
// TCP_NUM_SACKS: the blocks a receiver remembers (and, without timestamps,
// sends).
inline constexpr size_t TCP_NUM_SACKS = 4;

// struct tcp_sack_block: a received range beyond rcv_nxt.
struct TcpSackBlock {
  uint32_t start_seq;
  uint32_t end_seq;
};

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
  uint32_t mss = 536;      // mss_cache: what we send with
  uint32_t advmss = 536;   // what we announce in our SYN's MSS option
  uint32_t cwnd = 10;      // segments (initial window, RFC 6928)
  uint32_t packets_out = 0;  // MSS-sized packets sent and not yet acknowledged
  uint32_t snd_sml = 0;      // end of the last short segment sent (Minshall)
  int nonagle = 0;           // kTcpNagleOff with TCP_NODELAY
  uint32_t max_window = 0;   // the largest window the peer has offered
  uint32_t ssthresh = 0x7fffffff;
  std::deque<SkBuff*> write_queue;  // queued, not yet sent
  std::deque<SkBuff*> rtx_queue;    // sent, not yet acknowledged
  int64_t sk_wmem_queued = 0;
  // What sk_mem_charge()/sk_mem_uncharge() moved: the queues' share of
  // tcp_memory_allocated (sk_forward_alloc's user side, without its
  // page-sized reservations). Pure zerocopy skbs charge only their head.
  int64_t sk_mem_charged = 0;
  sim::Time rto = TCP_TIMEOUT_INIT;
  int backoff = 0;
  sim::EventHandle rto_timer;
  uint64_t retransmits = 0;
  uint64_t fast_retransmits = 0;
  uint32_t dupacks = 0;  // duplicate ACKs in a row for snd_una (Reno's sacked_out)
  // SACK: tp->rx_opt.sack_ok (both SYNs offered it), the packets the peer
  // has SACKed (skbs with TCPCB_SACKED_ACKED), and the receiver's blocks,
  // the most recent first (tp->selective_acks).
  bool sack_ok = false;
  uint32_t sacked_out = 0;
  std::vector<TcpSackBlock> selective_acks;
  // Recovery with SACK: tp->high_seq (snd_nxt when it began; it ends once
  // snd_una reaches it) and PRR's state (tcp_init_cwnd_reduction).
  uint32_t high_seq = 0;
  uint32_t prior_cwnd = 0;
  uint32_t prr_delivered = 0;
  uint32_t prr_out = 0;
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
  uint32_t quick = 0;       // icsk_ack.quick: ACKs still to send at once (quickack mode)
  bool ack_engine_started = false;  // icsk_ack.ato != 0: the first data arrived
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

// struct tcp_timewait_sock, the parts that answer for a closed connection.
struct TcpTimeWait {
  uint64_t id = 0;
  InetAddr local;
  InetAddr remote;
  uint32_t snd_nxt = 0;
  uint32_t rcv_nxt = 0;
  uint16_t window = 0;  // the raw window field we last sent
  sim::EventHandle timer;
};
// TCP_TIMEWAIT_LEN: how long TIME_WAIT lasts.
inline constexpr sim::Time TCP_TIMEWAIT_LEN = 60 * sim::kSecond;

int tcp_v4_connect(Sock* sk, const InetAddr& daddr, bool nonblock = false);  // also IPv6
int tcp_listen(Sock* sk, int backlog);
// inet_accept(): the next established child, or -EAGAIN.
Sock* tcp_accept(Sock* sk, int* err);
// tcp_sendmsg_locked(): bytes queued (possibly fewer than asked) or -errno.
long tcp_sendmsg(Sock* sk, MsgHdr* msg, size_t size);
long tcp_recvmsg(Sock* sk, RecvMsg* out, size_t len, unsigned flags);
void tcp_close(Sock* sk);
// tcp_v4_rcv() / tcp_v6_rcv(): a segment for this host (headers at data).
void tcp_v4_rcv(SkBuff* skb, const PacketSummary& p);
// What a queued skb holds of its socket's protocol memory: its truesize, or
// only its head when it is pure zerocopy (tcp_wmem_free_skb(), 6.1).
int64_t tcp_skb_mem_charge(SkBuff* skb);
// do_tcp_setsockopt() / do_tcp_getsockopt(): TCP_NODELAY.
int tcp_setsockopt(Sock* sk, int optname, int val);
int tcp_getsockopt(Sock* sk, int optname, int* val);
// tcp_v4_send_reset(): the RST answering segment `p`, which found no socket.
void tcp_v4_send_reset(Host* host, const PacketSummary& p);
// tcp_poll(): the socket's poll mask (EPOLL* bits).
uint32_t tcp_poll(Sock* sk);
// Reaped every skb of a socket being freed.
void tcp_destroy_sock(Sock* sk);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_TCP_H_
