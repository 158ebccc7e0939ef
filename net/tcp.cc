// TCP, first slice (see tcp.h): connection handling, sendmsg with
// zerocopy, output of clones, ACK processing and retransmission, recvmsg.
#include "net/tcp.h"

#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "net/checksum.h"
#include "net/datagram.h"
#include "net/gso.h"
#include "net/host.h"
#include "net/ip_output.h"
#include "net/msg_zerocopy.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {

int64_t tcp_skb_mem_charge(SkBuff* skb) {
  return (skb->shinfo->flags & SKBFL_PURE_ZEROCOPY) ? SKB_TRUESIZE(skb_end_offset(skb)) : skb->truesize;
}

namespace {

bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool after(uint32_t a, uint32_t b) { return before(b, a); }

TcpSock* tp(Sock* sk) { return sk->tcp.get(); }


template <typename... Args>
void TraceTcp(Sock* sk, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  if (!sk->world->tracer().enabled()) return;
  TcpSock* t = tp(sk);
  ZC_TRACE(sk->world->tracer(), "tcp", func)
      .Obj(sk->id, {{"snd_una", t->snd_una}, {"snd_nxt", t->snd_nxt}, {"rcv_nxt", t->rcv_nxt},
                    {"cwnd", t->cwnd}, {"wmem_queued", t->sk_wmem_queued}})
      .Msg(format, std::forward<Args>(args)...);
}

void SetState(Sock* sk, TcpState s) {
  TraceTcp(sk, "tcp_set_state", "{} -> {}", TcpStateName(tp(sk)->state), TcpStateName(s));
  tp(sk)->state = s;
}

// tcp_stream_alloc_skb(): an skb with room for the headers, charged to the
// socket's queue.
SkBuff* tcp_stream_alloc_skb(Sock* sk, uint32_t size) {
  SkBuff* skb = alloc_skb(*sk->world, MAX_TCP_HEADER + size, "tcp_stream_alloc_skb");
  skb_reserve(skb, MAX_TCP_HEADER);
  skb->sk = sk;  // no destructor: the queue charge is sk_wmem_queued
  tp(sk)->sk_wmem_queued += skb->truesize;
  tp(sk)->sk_mem_charged += skb->truesize;  // tcp_skb_entail(): sk_mem_charge
  return skb;
}

void tcp_free_queued(Sock* sk, SkBuff* skb) {
  tp(sk)->sk_wmem_queued -= skb->truesize;
  tp(sk)->sk_mem_charged -= tcp_skb_mem_charge(skb);  // tcp_wmem_free_skb()
  skb->sk = nullptr;
  consume_skb(skb);
}

// tcp_set_skb_tso_segs(): how many MSS-sized packets the skb will be on the
// wire; gso_size tells the device (or skb_gso_segment) where to cut.
void tcp_set_skb_tso_segs(SkBuff* skb, uint32_t mss) {
  SkbSharedInfo* sh = skb->shinfo;
  if (skb->len <= mss) {
    sh->gso_size = 0;
    sh->gso_segs = 1;
  } else {
    sh->gso_size = static_cast<uint16_t>(mss);
    sh->gso_segs = static_cast<uint16_t>((skb->len + mss - 1) / mss);
  }
}

uint32_t tcp_skb_pcount(const SkBuff* skb) { return std::max<uint32_t>(skb->shinfo->gso_segs, 1); }

// tcp_packets_in_flight(): packets_out - (sacked_out + lost_out) +
// retrans_out, summed over the retransmit queue's marks. Without SACK the
// model counts every packet out (Reno's sacked_out does not open the window
// here).
uint32_t tcp_packets_in_flight(const TcpSock* t) {
  if (!t->sack_ok) return t->packets_out;
  uint32_t in_flight = 0;
  for (const SkBuff* skb : t->rtx_queue) {
    if (skb->sacked & TCPCB_SACKED_ACKED) continue;
    if ((skb->sacked & TCPCB_LOST) && !(skb->sacked & TCPCB_SACKED_RETRANS)) continue;
    in_flight += tcp_skb_pcount(skb);
  }
  return in_flight;
}

// tcp_xmit_size_goal(): how big an skb sendmsg builds. TCP always has GSO
// (sk_setup_caps adds NETIF_F_GSO for TCP), so up to sk_gso_max_size, but
// no more than half the largest window the peer offered
// (tcp_bound_to_half_wnd), in whole MSS.
uint32_t tcp_xmit_size_goal(Sock* sk) {
  const TcpSock* t = tp(sk);
  uint32_t goal = kTcpGsoMaxSize;
  const uint32_t cutoff = t->max_window > kTcpMssDesired ? t->max_window >> 1 : t->max_window;
  if (cutoff != 0 && goal > cutoff) goal = std::max<uint32_t>(cutoff, 68 - kTcpHdrLen);
  return std::max(t->mss, goal - goal % t->mss);
}

// tso_fragment() / tcp_fragment() (tcp_output.c, 6.1): cuts `skb` at `len`;
// the rest becomes a new skb (skb_split: its own ubuf reference), which the
// caller queues right after it. FIN and PSH move to the second part. The
// caller has made sure `skb` is not cloned.
SkBuff* tcp_split_skb(Sock* sk, SkBuff* skb, uint32_t len) {
  TcpSock* t = tp(sk);
  SkBuff* buff = tcp_stream_alloc_skb(sk, 0);
  const uint32_t nlen = skb->len - len;
  buff->truesize += nlen;
  skb->truesize -= nlen;
  buff->seq = skb->seq + len;
  buff->end_seq = skb->end_seq;
  skb->end_seq = buff->seq;
  buff->tcp_flags = skb->tcp_flags;
  skb->tcp_flags &= static_cast<uint8_t>(~(TCPHDR_FIN | TCPHDR_PSH));
  buff->tx_time = skb->tx_time;
  buff->retransmitted = skb->retransmitted;
  buff->sacked = skb->sacked;
  skb_split(skb, buff, len);
  tcp_set_skb_tso_segs(skb, t->mss);
  tcp_set_skb_tso_segs(buff, t->mss);
  TraceTcp(sk, "tcp_fragment", "[{}, {}) + [{}, {})", skb->seq, skb->end_seq, buff->seq, buff->end_seq);
  return buff;
}

// tcp_select_window(): the free receive space we advertise. SYNs carry it
// unscaled (RFC 7323); every later segment shifted by our rcv_wscale.
uint16_t tcp_select_window(Sock* sk, uint8_t flags) {
  const int64_t space = std::max<int64_t>(0, int64_t{sk->sk_rcvbuf} - sk->sk_rmem_alloc);
  const int64_t window = (flags & TCPHDR_SYN) ? space : space >> tp(sk)->rcv_wscale;
  return static_cast<uint16_t>(std::min<int64_t>(window, 65535));
}

// inet_csk_clear_xmit_timer(ICSK_TIME_DACK): an ACK is going out.
void tcp_clear_delack(Sock* sk) {
  TcpSock* t = tp(sk);
  t->ack_pending_bytes = 0;
  t->ack_pushed = false;
  if (t->quick > 0) --t->quick;  // tcp_event_ack_sent() -> tcp_dec_quickack_mode()
  if (t->delack_timer.valid()) sk->world->sim().scheduler().Cancel(t->delack_timer);
  t->delack_timer = sim::EventHandle{};
}

// tcp_syn_options() / tcp_synack_options() / tcp_established_options()
// without timestamps: a SYN carries MSS (4 bytes), SACK-permitted after two
// NOPs (4, when offered) and window scale after a NOP (4); a pure ACK
// carries the receiver's SACK blocks after two NOPs (4 + 8 per block) while
// the out-of-order queue holds data. Data segments carry no SACK blocks
// here: the model does not shrink the MSS for them (tcp_current_mss).
uint32_t tcp_options_size(const TcpSock* t, uint8_t flags, uint32_t payload_len) {
  if (flags & TCPHDR_SYN) return 8 + (t->sack_ok ? 4 : 0);
  if (!t->sack_ok || t->selective_acks.empty() || payload_len > 0 || !(flags & TCPHDR_ACK)) return 0;
  return 4 + 8 * static_cast<uint32_t>(t->selective_acks.size());
}

// tcp_options_write() (tcp_output.c, 6.1), in its order: MSS, SACK_PERM,
// WSCALE, SACK blocks.
void tcp_options_write(const TcpSock* t, uint8_t flags, uint8_t* o, uint32_t size) {
  if (size == 0) return;
  if (flags & TCPHDR_SYN) {
    *o++ = 2;  // TCPOPT_MSS
    *o++ = 4;
    put_be16(o, static_cast<uint16_t>(t->advmss));
    o += 2;
    if (t->sack_ok) o = std::copy_n(std::array<uint8_t, 4>{1, 1, 4, 2}.data(), 4, o);  // NOP NOP SACK_PERM
    *o++ = 1;  // NOP, TCPOPT_WINDOW
    *o++ = 3;
    *o++ = 3;
    *o = static_cast<uint8_t>(t->rcv_wscale);
    return;
  }
  const size_t n = t->selective_acks.size();
  *o++ = 1;  // NOP NOP TCPOPT_SACK
  *o++ = 1;
  *o++ = 5;
  *o++ = static_cast<uint8_t>(2 + 8 * n);
  for (const TcpSackBlock& b : t->selective_acks) {
    put_be32(o, b.start_seq);
    put_be32(o + 4, b.end_seq);
    o += 8;
  }
}

// Builds the TCP header of a segment in front of skb->data and sends it.
// Returns ip_queue_xmit()'s result: nonzero if the packet was dropped here.
int TransmitSegment(Sock* sk, SkBuff* skb, uint32_t seq, uint8_t flags) {
  TcpSock* t = tp(sk);
  const uint32_t hdr_len = kTcpHdrLen + tcp_options_size(t, flags, skb->len);
  uint8_t* th = skb_push(skb, hdr_len);
  std::memset(th, 0, hdr_len);
  put_be16(th, sk->saddr.port);
  put_be16(th + 2, sk->daddr.port);
  put_be32(th + 4, seq);
  put_be32(th + 8, (flags & TCPHDR_ACK) ? t->rcv_nxt : 0);
  th[12] = static_cast<uint8_t>((hdr_len / 4) << 4);
  tcp_options_write(t, flags, th + kTcpHdrLen, hdr_len - kTcpHdrLen);
  th[13] = flags;
  if (flags & TCPHDR_ACK) tcp_clear_delack(sk);  // this segment carries the ACK
  uint16_t window = tcp_select_window(sk, flags);
  if (!(flags & TCPHDR_SYN)) {
    // Never shrink the offered window (RFC 7323 2.4, tcp_select_window()):
    // the right edge we announced stays, even while held out-of-order data
    // eats the free space.
    if (after(t->rcv_right_edge, t->rcv_nxt)) {
      const uint32_t unit = 1u << t->rcv_wscale;
      const uint32_t promised = (t->rcv_right_edge - t->rcv_nxt + unit - 1) >> t->rcv_wscale;
      window = static_cast<uint16_t>(std::min<uint32_t>(std::max<uint32_t>(window, promised), 65535));
    }
    t->rcv_wnd = window;
    t->rcv_right_edge = t->rcv_nxt + (uint32_t{window} << t->rcv_wscale);
  }
  put_be16(th + 14, window);
  return ip_queue_xmit(skb, sk->cork.dev, sk->cork.saddr, sk->daddr, IPPROTO_TCP);
}

void tcp_send_ack(Sock* sk) {
  SkBuff* skb = alloc_skb(*sk->world, MAX_TCP_HEADER, "tcp_send_ack");
  skb_reserve(skb, MAX_TCP_HEADER);
  TraceTcp(sk, "tcp_send_ack", "ack {}", tp(sk)->rcv_nxt);
  TransmitSegment(sk, skb, tp(sk)->snd_nxt, TCPHDR_ACK);
}

void ArmRto(Sock* sk);

// __tcp_transmit_skb(): a clone goes out (the original stays queued for
// retransmission); if an earlier clone is still in flight, a copy. Nonzero
// if it never left: no memory, or dropped on the way (a full qdisc).
int tcp_transmit_skb(Sock* sk, SkBuff* skb) {
  SkBuff* tx = skb_cloned(skb) ? pskb_copy(skb, MAX_TCP_HEADER) : skb_clone(skb);
  if (tx == nullptr) return -ENOBUFS;
  skb_set_owner_w(tx, sk);  // the clone is charged to sk_wmem_alloc until the device frees it
  skb->tx_time = sk->world->now();
  return TransmitSegment(sk, tx, skb->seq, skb->tcp_flags);
}

// tcp_write_xmit(): sends queued segments while the windows allow. With
// `full_only` (the socket is inside sendmsg, which still fills the tail)
// only full-sized segments go.
// tcp_nagle_test() with tcp_nagle_check() and tcp_minshall_check()
// (tcp_output.c, 6.1): a short last segment waits while an earlier short
// segment is unacknowledged (Minshall's variant of Nagle), or always while
// corked; TCP_NODELAY, a FIN and any segment not last in the queue go.
bool tcp_nagle_test(const TcpSock* t, const SkBuff* skb, int nonagle) {
  if (nonagle & kTcpNaglePush) return true;
  if (skb->tcp_flags & (TCPHDR_FIN | TCPHDR_SYN)) return true;
  const bool partial = skb->len < t->mss;
  const bool minshall = after(t->snd_sml, t->snd_una) && !after(t->snd_sml, t->snd_nxt);
  const bool hold = partial && ((nonagle & kTcpNagleCork) || (!nonagle && t->packets_out > 0 && minshall));
  return !hold;
}

void tcp_write_xmit(Sock* sk, bool full_only = false, int nonagle = -1) {
  TcpSock* t = tp(sk);
  if (nonagle < 0) nonagle = t->nonagle;
  const uint32_t size_goal = tcp_xmit_size_goal(sk);
  while (!t->write_queue.empty()) {
    SkBuff* skb = t->write_queue.front();
    const bool syn_fin = skb->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN);
    const bool last = skb == t->write_queue.back();
    if (full_only && last && skb->len < size_goal && !syn_fin) break;
    tcp_set_skb_tso_segs(skb, t->mss);
    const uint32_t in_flight = tcp_packets_in_flight(t);
    if (in_flight >= t->cwnd) break;  // tcp_cwnd_test(), in packets
    if (tcp_skb_pcount(skb) == 1 && !tcp_nagle_test(t, skb, last ? nonagle : kTcpNaglePush)) {
      TraceTcp(sk, "tcp_nagle_test", "[{}, {}) held: a short segment is unacknowledged", skb->seq, skb->end_seq);
      break;
    }
    // tcp_snd_wnd_test(): at least the first MSS must fit the peer's window.
    const uint32_t wnd_end = t->snd_una + t->snd_wnd;
    if (after(skb->len > t->mss ? skb->seq + t->mss : skb->end_seq, wnd_end)) break;
    if (tcp_skb_pcount(skb) > 1) {
      // tcp_mss_split_point(): as many whole MSS as the congestion window
      // and the receive window allow; the rest waits as its own skb.
      uint32_t limit = (t->cwnd - in_flight) * t->mss;
      const uint32_t window = wnd_end - skb->seq;
      if (window < limit) limit = window - window % t->mss;
      if (skb->len > limit) t->write_queue.insert(t->write_queue.begin() + 1, tcp_split_skb(sk, skb, limit));
    }
    // INV-21: a TCP skb never holds more than MAX_SKB_FRAGS frags, and its
    // payload covers exactly its sequence space (SYN and FIN take one each).
    const uint32_t flag_seq = (skb->tcp_flags & TCPHDR_SYN ? 1 : 0) + (skb->tcp_flags & TCPHDR_FIN ? 1 : 0);
    ZC_CHECK(sk->world->checker(), skb->shinfo->nr_frags <= MAX_SKB_FRAGS && skb->len + flag_seq == skb->end_seq - skb->seq,
             "INV-21", skb->id, "{} frags, {} bytes for sequence [{}, {})", skb->shinfo->nr_frags, skb->len, skb->seq,
             skb->end_seq);
    const uint32_t unsent_nxt = t->snd_nxt;
    t->write_queue.pop_front();
    t->rtx_queue.push_back(skb);
    t->packets_out += tcp_skb_pcount(skb);
    if (t->in_recovery) t->prr_out += tcp_skb_pcount(skb);  // tcp_event_new_data_sent()
    t->snd_nxt = skb->end_seq;
    TraceTcp(sk, "tcp_write_xmit", "segment [{}, {}) {} bytes", skb->seq, skb->end_seq, skb->len);
    // tcp_minshall_update(): remember the end of the last short segment.
    const bool short_segment = skb->len < tcp_skb_pcount(skb) * t->mss;
    const uint32_t sml_before = t->snd_sml;
    if (short_segment) t->snd_sml = skb->end_seq;
    if (tcp_transmit_skb(sk, skb) != 0) {
      t->snd_sml = sml_before;
      // Not sent (6.1 breaks before tcp_event_new_data_sent()): the segment
      // stays at the head of the write queue for the next ACK instead of
      // counting as in flight until an RTO. (tcp_enter_cwr() is not modelled.)
      t->rtx_queue.pop_back();
      t->packets_out -= tcp_skb_pcount(skb);
      if (t->in_recovery) t->prr_out -= tcp_skb_pcount(skb);
      t->write_queue.push_front(skb);
      t->snd_nxt = unsent_nxt;
      break;
    }
  }
  if (!t->rtx_queue.empty() && !t->rto_timer.valid()) ArmRto(sk);
}

// __pskb_trim_head() (tcp_output.c, 6.1): drops the first `len` payload
// bytes: whole frags are unreferenced (a managed frag owns no page
// reference), a partly eaten one moves its offset. Returns the bytes gone.
uint32_t __pskb_trim_head(SkBuff* skb, uint32_t len) {
  const uint32_t eat_head = std::min(len, skb_headlen(skb));
  if (eat_head > 0) skb_pull(skb, eat_head);
  uint32_t eat = len - eat_head;
  if (eat == 0) return len;
  SkbSharedInfo* sh = skb->shinfo;
  int k = 0;
  for (int i = 0; i < sh->nr_frags; ++i) {
    if (sh->frags[i].len <= eat) {
      eat -= sh->frags[i].len;
      --sh->frags[i].page->frag_users;  // diagnostic count, before the unref may free the page
      skb_frag_unref(skb, i);
      continue;
    }
    sh->frags[k] = sh->frags[i];
    sh->frags[k].offset += eat;
    sh->frags[k].len -= eat;
    eat = 0;
    ++k;
  }
  sh->nr_frags = k;
  skb->data_len -= len - eat_head;
  skb->len -= len - eat_head;
  return len;
}

// tcp_trim_head(): the peer acknowledged the first `len` bytes of a
// one-segment skb (tcp_clean_rtx_queue keeps it whole); before it is sent
// again they are cut off. A clone still in the device shares the frags, so
// the skb first gets a private head (skb_unclone_keeptruesize ->
// pskb_expand_head: new shinfo, +1 page reference per frag, +1 ubuf
// reference).
int tcp_trim_head(Sock* sk, SkBuff* skb, uint32_t len) {
  ZC_CHECK(sk->world->checker(), len < skb->len, "INV-21", skb->id, "trimming {} of {} bytes", len, skb->len);
  if (skb_unclone(skb) != 0) return -ENOMEM;
  const uint32_t pcount = tcp_skb_pcount(skb);
  const uint32_t delta_truesize = __pskb_trim_head(skb, len);
  skb->seq += len;
  skb->truesize -= delta_truesize;
  tp(sk)->sk_wmem_queued -= delta_truesize;
  if (!(skb->shinfo->flags & SKBFL_PURE_ZEROCOPY)) tp(sk)->sk_mem_charged -= delta_truesize;
  tcp_set_skb_tso_segs(skb, tp(sk)->mss);
  tp(sk)->packets_out -= pcount - tcp_skb_pcount(skb);
  if (skb->sacked & TCPCB_SACKED_ACKED) tp(sk)->sacked_out -= pcount - tcp_skb_pcount(skb);
  TraceTcp(sk, "tcp_trim_head", "{} acknowledged bytes cut: [{}, {}) left", len, skb->seq, skb->end_seq);
  return 0;
}

// tcp_fragment(TCP_FRAG_IN_RTX_QUEUE) (tcp_output.c, 6.1): cuts a sent skb
// at `len` (after a private head if a clone is still out: skb_unclone);
// the rest is queued right after it with the same marks, and the packet
// counts follow the new pcounts (tcp_adjust_pcount).
int tcp_fragment_rtx(Sock* sk, SkBuff* skb, uint32_t len) {
  TcpSock* t = tp(sk);
  if (skb_unclone(skb) != 0) return -ENOMEM;
  const uint32_t pcount = tcp_skb_pcount(skb);
  SkBuff* rest = tcp_split_skb(sk, skb, len);
  auto pos = std::find(t->rtx_queue.begin(), t->rtx_queue.end(), skb);
  t->rtx_queue.insert(pos + 1, rest);
  const uint32_t new_pcount = tcp_skb_pcount(skb) + tcp_skb_pcount(rest);
  t->packets_out += new_pcount - pcount;
  if (skb->sacked & TCPCB_SACKED_ACKED) t->sacked_out += new_pcount - pcount;
  return 0;
}

// tcp_retransmit_skb(): resend an skb of the retransmit queue (as a copy
// if the device still holds its last clone), first trimming what a partial
// ACK covered; its ACK no longer gives an RTT sample (Karn). It is marked
// TCPCB_SACKED_RETRANS (in flight again) until SACKed or acknowledged.
void tcp_retransmit_skb(Sock* sk, SkBuff* skb) {
  TcpSock* t = tp(sk);
  if (before(skb->seq, t->snd_una) && tcp_trim_head(sk, skb, t->snd_una - skb->seq) != 0) return;
  // __tcp_retransmit_skb(): one MSS goes again.
  if (skb->len > t->mss && tcp_fragment_rtx(sk, skb, t->mss) != 0) return;
  ++tp(sk)->retransmits;
  skb->retransmitted = true;
  skb->sacked |= TCPCB_SACKED_RETRANS;
  tcp_transmit_skb(sk, skb);
}

void OnRto(Sock* sk) {
  TcpSock* t = tp(sk);
  t->rto_timer = sim::EventHandle{};
  if (t->rtx_queue.empty()) return;
  SkBuff* skb = t->rtx_queue.front();
  ++t->backoff;
  t->ssthresh = std::max<uint32_t>(t->cwnd / 2, 2);
  t->cwnd = 1;
  if (t->sack_ok) {
    // tcp_enter_loss() -> tcp_timeout_mark_lost(): every skb the peer has
    // not SACKed is lost, including resent ones; recovery gives way to the
    // Loss state, whose ACKs resend the rest (tcp_xmit_retransmit_queue).
    t->in_recovery = false;
    for (SkBuff* q : t->rtx_queue) {
      if (!(q->sacked & TCPCB_SACKED_ACKED)) q->sacked = TCPCB_LOST;
    }
  }
  TraceTcp(sk, "tcp_retransmit_timer", "retransmit [{}, {}) after {}", skb->seq, skb->end_seq,
           sim::FormatDuration(t->rto));
  tcp_retransmit_skb(sk, skb);
  t->rto = std::min<sim::Time>(t->rto * 2, 120 * sim::kSecond);
  ArmRto(sk);
}

// tcp_fastretrans_alert() reduced to NewReno's first step: resend the head
// of the retransmit queue at once and halve the window (no SACK, no
// recovery-phase window inflation).
void tcp_fastretrans(Sock* sk) {
  TcpSock* t = tp(sk);
  SkBuff* skb = t->rtx_queue.front();
  ++t->fast_retransmits;
  t->in_recovery = true;
  t->ssthresh = std::max<uint32_t>(t->packets_out / 2, 2);
  t->cwnd = t->ssthresh;
  TraceTcp(sk, "tcp_fastretrans_alert", "{} duplicate ACKs: retransmit [{}, {})", t->dupacks, skb->seq, skb->end_seq);
  tcp_retransmit_skb(sk, skb);
  ArmRto(sk);
}

void ArmRto(Sock* sk) {
  TcpSock* t = tp(sk);
  if (t->rto_timer.valid()) sk->world->sim().scheduler().Cancel(t->rto_timer);
  t->rto_timer = sk->world->sim().scheduler().After(t->rto, "tcp_retransmit_timer", [sk] { OnRto(sk); });
}

void StopRto(Sock* sk) {
  TcpSock* t = tp(sk);
  if (t->rto_timer.valid()) sk->world->sim().scheduler().Cancel(t->rto_timer);
  t->rto_timer = sim::EventHandle{};
}

// tcp_clean_rtx_queue(): frees what the cumulative ACK covers. An skb whose
// clone the device still holds keeps its data (and ubuf) until both go; a
// SACKed skb was kept for this moment too. Returns the packets newly
// delivered (those acknowledged now that were not SACKed before).
uint32_t tcp_clean_rtx_queue(Sock* sk, uint32_t ack) {
  TcpSock* t = tp(sk);
  uint32_t acked = 0;  // packets
  uint32_t sacked_acked = 0;  // of which SACKed before
  sim::Time first_ackt = -1;    // when the oldest newly acknowledged, never resent skb was sent
  bool retrans_acked = false;   // FLAG_RETRANS_DATA_ACKED
  while (!t->rtx_queue.empty()) {
    SkBuff* skb = t->rtx_queue.front();
    if (after(skb->end_seq, ack)) {
      // Partly acknowledged: a one-packet skb stays whole (trimmed only if
      // it is sent again); a TSO skb loses its acknowledged head now
      // (tcp_tso_acked()).
      if (tcp_skb_pcount(skb) > 1 && after(ack, skb->seq)) {
        const uint32_t before_pcount = tcp_skb_pcount(skb);
        if (tcp_trim_head(sk, skb, ack - skb->seq) == 0) acked += before_pcount - tcp_skb_pcount(skb);
      }
      break;
    }
    t->rtx_queue.pop_front();
    t->packets_out -= tcp_skb_pcount(skb);
    if (skb->sacked & TCPCB_SACKED_ACKED) {
      t->sacked_out -= tcp_skb_pcount(skb);
      sacked_acked += tcp_skb_pcount(skb);
    }
    acked += tcp_skb_pcount(skb);
    if (skb->retransmitted) {
      retrans_acked = true;
    } else if (first_ackt < 0) {
      first_ackt = skb->tx_time;
    }
    TraceTcp(sk, "tcp_clean_rtx_queue", "[{}, {}) acknowledged", skb->seq, skb->end_seq);
    tcp_free_queued(sk, skb);
  }
  if (first_ackt >= 0 && !retrans_acked) {
    // Karn: no RTT sample from an ACK that covers resent data. RFC 6298
    // from one sample: rto = srtt + 4 * rttvar, at least 200 ms.
    t->rto = std::max(TCP_RTO_MIN, 3 * (sk->world->now() - first_ackt));
  }
  // tcp_slow_start(); during recovery PRR sets the window instead.
  if (t->cwnd < t->ssthresh && !t->in_recovery) t->cwnd = std::min(t->cwnd + acked, t->ssthresh);
  t->backoff = 0;
  if (t->rtx_queue.empty()) {
    StopRto(sk);
  } else {
    ArmRto(sk);
  }
  return acked - sacked_acked;
}

// tcp_sndbuf_expand(): room for two initial windows of full segments.
void tcp_sndbuf_expand(Sock* sk) {
  // tcp_init_buffer_space(): only when the application did not set SO_SNDBUF.
  if (sk->sndbuf_locked) return;
  uint32_t per_mss = SKB_TRUESIZE(tp(sk)->mss + MAX_TCP_HEADER);
  uint32_t p2 = 1;
  while (p2 < per_mss) p2 <<= 1;
  sk->sk_sndbuf = std::max<int>(sk->sk_sndbuf, static_cast<int>(2 * 10 * p2));
}

void InitConnection(Sock* sk, NetDevice* dev, const InetAddr& saddr) {
  TcpSock* t = tp(sk);
  sk->cork.dev = dev;
  sk->cork.saddr = saddr;
  sk->cork.saddr.port = sk->saddr.port;
  // tcp_advertise_mss(): what the route lets us receive; the MSS we send
  // with is clamped to the peer's option once its SYN arrives.
  t->advmss = dev->mtu - (sk->family == AF_INET6 ? kIpv6HdrLen : kIpHdrLen) - kTcpHdrLen;
  t->mss = t->advmss;
  // tcp_select_initial_window(): the smallest shift that lets the 16-bit
  // field cover the most we could ever buffer (tcp_rmem[2], 6 MB, gives 7).
  int64_t space = std::max<int64_t>(sk->sk_rcvbuf, sk->host->sysctl().tcp_rmem_max);
  t->rcv_wscale = 0;
  while (space > 65535 && t->rcv_wscale < 14) {
    space >>= 1;
    ++t->rcv_wscale;
  }
  // tcp_syn_options(): SACK-permitted is offered when the sysctl allows it;
  // NegotiateWscale() keeps it only if the peer's SYN offered it too.
  t->sack_ok = sk->host->sysctl().tcp_sack != 0;
  const uint32_t iss = static_cast<uint32_t>(sk->world->sim().rng().Next());  // secure_tcp_seq()
  t->snd_una = t->snd_nxt = t->write_seq = iss;
}

// Sends the SYN or SYN-ACK as a queued, retransmittable segment.
void SendSyn(Sock* sk, uint8_t flags) {
  TcpSock* t = tp(sk);
  SkBuff* skb = tcp_stream_alloc_skb(sk, 0);
  skb->seq = t->write_seq;
  skb->end_seq = t->write_seq + 1;
  skb->tcp_flags = flags;
  t->write_seq += 1;
  t->write_queue.push_back(skb);
  tcp_write_xmit(sk);
}

// The options of the peer's SYN: window scaling is used only when both SYNs
// carry it (RFC 7323); the MSS is clamped to the peer's option, or to
// kTcpMssDefault (536) when it sent none (tcp_openreq_init(),
// tcp_rcv_synsent_state_process() -> tcp_sync_mss()). SACK, like window
// scaling, needs both SYNs (tcp_parse_options() sets rx_opt.sack_ok only
// when our sysctl allows it; the SYN-ACK offers it only then).
void NegotiateWscale(Sock* sk, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  t->sack_ok = t->sack_ok && p.tcp_sack_ok;
  t->mss = std::min<uint32_t>(t->advmss, p.tcp_mss > 0 ? static_cast<uint32_t>(p.tcp_mss) : kTcpMssDefault);
  ZC_CHECK(sk->world->checker(), t->mss >= 1, "INV-21", sk->id, "MSS {} from the peer's SYN", t->mss);
  if (p.tcp_wscale < 0) {
    t->rcv_wscale = t->snd_wscale = 0;
    return;
  }
  t->snd_wscale = p.tcp_wscale;
}

void RemoveFromHash(Sock* sk) {
  auto& v = sk->host->tcp_socks();
  v.erase(std::remove(v.begin(), v.end(), sk), v.end());
}

void Finish(Sock* sk) {
  if (tp(sk)->state == TcpState::kClosed) return;
  SetState(sk, TcpState::kClosed);
  StopRto(sk);
  tcp_clear_delack(sk);
  RemoveFromHash(sk);
  sock_put(sk);  // the connection's reference
}

void ArmTimeWait(Host* host, TcpTimeWait* tw);

// tcp_time_wait() (tcp_minisocks.c): the active closer's connection is done,
// but a small record stays for TCP_TIMEWAIT_LEN to acknowledge a
// retransmitted FIN (our last ACK may be lost) and keep old segments of this
// connection from a new one. The socket itself goes now (tcp_done).
void tcp_time_wait(Sock* sk) {
  TcpSock* t = tp(sk);
  Host* host = sk->host;
  TcpTimeWait tw;
  tw.id = ++host->tcp_timewait_ids();
  tw.local = sk->saddr.is_any() ? sk->cork.saddr : sk->saddr;
  tw.local.port = sk->saddr.port;
  tw.remote = sk->daddr;
  tw.snd_nxt = t->snd_nxt;
  tw.rcv_nxt = t->rcv_nxt;
  tw.window = t->rcv_wnd;
  host->tcp_timewait().push_back(tw);
  SetState(sk, TcpState::kTimeWait);
  ArmTimeWait(host, &host->tcp_timewait().back());
  Finish(sk);
}

Sock* Lookup(Host* host, const PacketSummary& p) {
  Sock* listener = nullptr;
  for (Sock* sk : host->tcp_socks()) {
    if (sk->family != p.dst.family || sk->saddr.port != p.dst.port) continue;
    if (tp(sk)->state == TcpState::kListen) {
      if (listener == nullptr) listener = sk;
      continue;
    }
    if (sk->daddr == p.src && (sk->saddr.is_any() || sk->saddr.SameHost(p.dst))) return sk;
  }
  return listener;
}

void ListenerRcv(Sock* lsk, SkBuff* skb, const PacketSummary& p) {
  if (!(p.tcp_flags & TCPHDR_SYN) || (p.tcp_flags & TCPHDR_ACK)) {
    kfree_skb(skb, "TCP: not a SYN for a listener");
    // tcp_rcv_state_process(TCP_LISTEN): an ACK is answered with a reset.
    if (p.tcp_flags & TCPHDR_ACK) tcp_v4_send_reset(lsk->host, p);
    return;
  }
  World& world = *lsk->world;
  Sock* child = world.socks().New();
  child->world = &world;
  child->host = lsk->host;
  child->family = lsk->family;
  child->type = SOCK_STREAM;
  child->protocol = IPPROTO_TCP;
  // sk_clone_lock() copies the listener, so SO_SNDBUF/SO_RCVBUF set on it
  // carry over to every accepted connection.
  child->sk_sndbuf = lsk->sk_sndbuf;
  child->sndbuf_locked = lsk->sndbuf_locked;
  child->rcvbuf_locked = lsk->rcvbuf_locked;
  child->sk_rcvbuf = lsk->sk_rcvbuf;
  child->sock_zerocopy = lsk->sock_zerocopy;
  child->tcp = std::make_shared<TcpSock>();
  child->saddr = p.dst;
  child->daddr = p.src;
  child->bound = child->connected = true;
  NetDevice* dev;
  InetAddr saddr;
  if (child->host->RouteOutput(p.src, &dev, &saddr) != 0) {
    kfree_skb(skb, "TCP: no route back");
    world.socks().Retire(child);
    return;
  }
  InitConnection(child, dev, p.dst);
  tp(child)->rcv_nxt = p.tcp_seq + 1;
  tp(child)->snd_wl1 = p.tcp_seq;  // tcp_create_openreq_child(): rcv_isn
  NegotiateWscale(child, p);
  tp(child)->listener = lsk;
  child->host->tcp_socks().push_back(child);
  TraceTcp(child, "tcp_conn_request", "SYN from {}", p.src.ToString());
  SetState(child, TcpState::kSynRecv);
  consume_skb(skb);
  SendSyn(child, TCPHDR_SYN | TCPHDR_ACK);
}

// tcp_may_update_window() (tcp_input.c, 6.1): only a segment that
// acknowledges new data, is newer than the one that last set the window, or
// widens the window from that same segment may change snd_wnd. A stale ACK
// (delayed or duplicated on the wire) must not move the window back.
bool tcp_may_update_window(const TcpSock* t, uint32_t ack, uint32_t ack_seq, uint32_t nwin) {
  return after(ack, t->snd_una) || after(ack_seq, t->snd_wl1) || (ack_seq == t->snd_wl1 && nwin > t->snd_wnd);
}

// tcp_add_reno_sack() with tcp_check_reno_reordering() (6.1): without SACK a
// duplicate ACK stands for one segment that left the network. More of them
// than segments in flight (less the one hole) can only mean reordering or
// ACKs duplicated on the wire: the count is capped (tcp_limit_reno_sacked)
// and tp->reordering set to the segments in flight, which also changes how
// many duplicates the next fast retransmit needs.
void tcp_add_reno_sack(Sock* sk) {
  TcpSock* t = tp(sk);
  ++t->dup_acks_received;
  ++t->dupacks;
  const uint32_t packets_out = t->packets_out;
  const uint32_t holes = 1;  // max(lost_out, 1): lost_out is not modelled
  if (t->dupacks + holes <= packets_out) return;
  t->dupacks = packets_out - holes;
  t->reordering = std::min(packets_out, kTcpMaxReordering);
  TraceTcp(sk, "tcp_check_reno_reordering", "more duplicate ACKs than segments in flight: reordering {}", t->reordering);
}

// tcp_match_skb_to_sack() (tcp_input.c, 6.1): whether the block
// [start_seq, end_seq) covers the whole skb; a TSO skb it covers only in
// part is first cut at the block's edge, rounded to whole MSS (up for the
// part before the block, down for the part inside it), so that its first
// part is wholly in or wholly out. -1 if it cannot be cut.
int tcp_match_skb_to_sack(Sock* sk, SkBuff* skb, uint32_t start_seq, uint32_t end_seq) {
  const uint32_t mss = tp(sk)->mss;
  bool in_sack = !after(start_seq, skb->seq) && !before(end_seq, skb->end_seq);
  if (tcp_skb_pcount(skb) > 1 && !in_sack && after(skb->end_seq, start_seq)) {
    in_sack = !after(start_seq, skb->seq);
    uint32_t pkt_len = in_sack ? end_seq - skb->seq : std::max(start_seq - skb->seq, mss);
    if (in_sack && pkt_len < mss) return -1;  // less than one MSS SACKed: -EINVAL, the walk stops
    if (pkt_len > mss) {
      uint32_t new_len = pkt_len / mss * mss;
      if (!in_sack && new_len < pkt_len) new_len += mss;
      pkt_len = new_len;
    }
    if (pkt_len >= skb->len && !in_sack) return 0;
    if (tcp_fragment_rtx(sk, skb, pkt_len) != 0) return -1;
    TraceTcp(sk, "tcp_match_skb_to_sack", "SACK [{}, {}) splits the skb at {}", start_seq, end_seq, skb->end_seq);
  }
  return in_sack ? 1 : 0;
}

// tcp_sacktag_one(): a SACKed skb is no longer lost nor in flight; it stays
// queued, holding its data and ubuf reference, until the cumulative ACK.
uint32_t tcp_sacktag_one(Sock* sk, SkBuff* skb) {
  TcpSock* t = tp(sk);
  skb->sacked = TCPCB_SACKED_ACKED;
  t->sacked_out += tcp_skb_pcount(skb);
  TraceTcp(sk, "tcp_sacktag_one", "[{}, {}) SACKed: sacked_out {}", skb->seq, skb->end_seq, t->sacked_out);
  return tcp_skb_pcount(skb);
}

// tcp_sacktag_write_queue() (tcp_input.c, 6.1): marks the skbs each valid
// block covers. A block must lie within [ack, snd_nxt) (one below the ACK
// would be a D-SACK, not modelled). Returns the packets newly SACKed.
// tcp_shift_skb_data() (merging SACKed skbs) is not modelled; skb_shift()
// refuses zerocopy skbs anyway.
uint32_t tcp_sacktag_write_queue(Sock* sk, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  uint32_t newly_sacked = 0;
  for (int b = 0; b < p.tcp_num_sacks; ++b) {
    const auto& block = p.tcp_sacks[static_cast<size_t>(b)];
    if (!before(block.start_seq, block.end_seq) || after(block.end_seq, t->snd_nxt) ||
        before(block.start_seq, p.tcp_ack)) {
      TraceTcp(sk, "tcp_is_sackblock_valid", "SACK [{}, {}) ignored", block.start_seq, block.end_seq);
      continue;
    }
    // tcp_sacktag_walk(): the queue may grow under us (splits insert the
    // rest right after the skb being tagged, which is visited next).
    for (size_t i = 0; i < t->rtx_queue.size(); ++i) {
      SkBuff* skb = t->rtx_queue[i];
      if (!after(skb->end_seq, block.start_seq)) continue;
      if (!before(skb->seq, block.end_seq)) break;
      if (skb->sacked & TCPCB_SACKED_ACKED) continue;
      const int in_sack = tcp_match_skb_to_sack(sk, skb, block.start_seq, block.end_seq);
      if (in_sack < 0) break;
      if (in_sack > 0) newly_sacked += tcp_sacktag_one(sk, skb);
    }
  }
  return newly_sacked;
}

// tcp_update_scoreboard(), reduced to RFC 6675's rule (no RACK): every skb
// below the highest SACKed one that is neither SACKed nor already marked is
// lost.
void tcp_mark_lost_below_sacked(Sock* sk) {
  TcpSock* t = tp(sk);
  size_t highest = t->rtx_queue.size();
  for (size_t i = 0; i < t->rtx_queue.size(); ++i) {
    if (t->rtx_queue[i]->sacked & TCPCB_SACKED_ACKED) highest = i;
  }
  if (highest == t->rtx_queue.size()) return;
  for (size_t i = 0; i < highest; ++i) {
    SkBuff* skb = t->rtx_queue[i];
    if (skb->sacked & (TCPCB_SACKED_ACKED | TCPCB_LOST)) continue;
    skb->sacked |= TCPCB_LOST;
    TraceTcp(sk, "tcp_mark_skb_lost", "[{}, {}) lost", skb->seq, skb->end_seq);
  }
}

// tcp_xmit_retransmit_queue() (tcp_output.c, 6.1): resends the lost skbs,
// oldest first, one MSS at a time, while the packets in flight stay below
// cwnd; SACKed skbs and ones already resent are skipped.
void tcp_xmit_retransmit_queue(Sock* sk) {
  TcpSock* t = tp(sk);
  for (size_t i = 0; i < t->rtx_queue.size(); ++i) {
    SkBuff* skb = t->rtx_queue[i];
    if (!(skb->sacked & TCPCB_LOST) || (skb->sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS))) continue;
    // Only a candidate pays for the in-flight sum (a walk of the queue):
    // this runs on every ACK, and most ACKs find nothing lost.
    if (tcp_packets_in_flight(t) >= t->cwnd) break;
    TraceTcp(sk, "tcp_xmit_retransmit_queue", "retransmit lost [{}, {})", skb->seq, skb->end_seq);
    tcp_retransmit_skb(sk, skb);
    if (!(skb->sacked & TCPCB_SACKED_RETRANS)) break;  // could not be sent
    if (t->in_recovery) t->prr_out += tcp_skb_pcount(skb);
    if (i == 0) ArmRto(sk);
  }
}

// tcp_cwnd_reduction() (tcp_input.c, 6.1): Proportional Rate Reduction
// (RFC 6937). While more is in flight than ssthresh, send in proportion to
// what was delivered; below it, slow-start back up to ssthresh. The first
// ACK of a recovery always lets the fast retransmit out.
void tcp_cwnd_reduction(Sock* sk, uint32_t newly_acked_sacked) {
  TcpSock* t = tp(sk);
  if (newly_acked_sacked == 0 || t->prior_cwnd == 0) return;
  const uint32_t in_flight = tcp_packets_in_flight(t);
  const int64_t delta = int64_t{t->ssthresh} - in_flight;
  t->prr_delivered += newly_acked_sacked;
  int64_t sndcnt;
  if (delta < 0) {
    const uint64_t dividend = uint64_t{t->ssthresh} * t->prr_delivered + t->prior_cwnd - 1;
    sndcnt = static_cast<int64_t>(dividend / t->prior_cwnd) - t->prr_out;
  } else {
    sndcnt = std::min<int64_t>(delta, std::max<int64_t>(int64_t{t->prr_delivered} - t->prr_out, newly_acked_sacked));
  }
  sndcnt = std::max<int64_t>(sndcnt, t->prr_out != 0 ? 0 : 1);
  t->cwnd = static_cast<uint32_t>(std::max<int64_t>(in_flight + sndcnt, 1));
}

// tcp_fastretrans_alert() for a SACK connection, without RACK or undo:
// recovery ends once snd_una reaches high_seq (tcp_end_cwnd_reduction:
// cwnd = ssthresh); it begins when sacked_out reaches tp->reordering
// (tcp_time_to_recover's dupack heuristic: sacked_out + 1 > reordering),
// with Reno's ssthresh and PRR's state (tcp_init_cwnd_reduction). In
// recovery, or after an RTO, the lost skbs are resent as the window allows.
void tcp_sack_fastretrans_alert(Sock* sk, uint32_t newly_acked_sacked) {
  TcpSock* t = tp(sk);
  if (t->in_recovery && !before(t->snd_una, t->high_seq)) {
    t->in_recovery = false;
    t->cwnd = t->ssthresh;
    TraceTcp(sk, "tcp_end_cwnd_reduction", "recovery done at {}: cwnd {}", t->high_seq, t->cwnd);
  }
  if (!t->in_recovery && t->sacked_out >= t->reordering && !t->rtx_queue.empty()) {
    ++t->fast_retransmits;
    t->in_recovery = true;
    t->high_seq = t->snd_nxt;
    t->prior_cwnd = t->cwnd;
    t->prr_delivered = t->prr_out = 0;
    t->ssthresh = std::max<uint32_t>(t->cwnd / 2, 2);  // tcp_reno_ssthresh()
    TraceTcp(sk, "tcp_enter_recovery", "{} packets SACKed: recovery until {}, ssthresh {}", t->sacked_out,
             t->high_seq, t->ssthresh);
  }
  if (t->in_recovery) {
    tcp_mark_lost_below_sacked(sk);
    tcp_cwnd_reduction(sk, newly_acked_sacked);
  }
  tcp_xmit_retransmit_queue(sk);
}

// tcp_ack(): the sender's half of an incoming segment. An ACK older than
// snd_una or beyond snd_nxt changes nothing (the old_ack / invalid_ack
// exits).
void tcp_ack(Sock* sk, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  if (!(p.tcp_flags & TCPHDR_ACK)) return;
  if (before(p.tcp_ack, t->snd_una) || after(p.tcp_ack, t->snd_nxt)) {
    TraceTcp(sk, "tcp_ack", "ack {} outside [snd_una, snd_nxt]: ignored", p.tcp_ack);
    return;
  }
  const uint32_t new_wnd = (p.tcp_flags & TCPHDR_SYN) ? p.tcp_window : uint32_t{p.tcp_window} << t->snd_wscale;
  if (p.tcp_ack == t->snd_una && !t->rtx_queue.empty() && p.payload_len == 0 && new_wnd == t->snd_wnd &&
      !(p.tcp_flags & (TCPHDR_SYN | TCPHDR_FIN))) {
    // A duplicate ACK (RFC 5681: same ACK, same window, no data, something
    // outstanding). tcp_time_to_recover(): the one beyond tp->reordering
    // starts a fast retransmit.
    if (t->sack_ok) {
      ++t->dup_acks_received;  // counted, but SACK blocks, not duplicates, drive recovery
    } else {
      tcp_add_reno_sack(sk);
      if (!t->in_recovery && t->dupacks + 1 > t->reordering) tcp_fastretrans(sk);
    }
  }
  const uint32_t newly_sacked = t->sack_ok ? tcp_sacktag_write_queue(sk, p) : 0;
  uint32_t delivered = newly_sacked;
  if (tcp_may_update_window(t, p.tcp_ack, p.tcp_seq, new_wnd)) {
    t->snd_wnd = new_wnd;
    t->snd_wl1 = p.tcp_seq;
    t->max_window = std::max(t->max_window, new_wnd);  // tcp_ack_update_window()
  }
  if (after(p.tcp_ack, t->snd_una)) {
    t->dupacks = 0;  // tcp_reset_reno_sack()
    if (!t->sack_ok) t->in_recovery = false;
    t->snd_una = p.tcp_ack;
    delivered += tcp_clean_rtx_queue(sk, p.tcp_ack);
    sk_write_space(sk);
    ++sk->wakeups;  // sk_stream_write_space(): waiters for memory re-check
  }
  if (t->sack_ok) tcp_sack_fastretrans_alert(sk, delivered);
  // tcp_data_snd_check(): an ACK, or a pure window update, may have opened
  // the windows for queued data.
  if (!t->write_queue.empty()) tcp_write_xmit(sk, sk->owned_by_user);
}

// Charges a received segment (headers already pulled) to the socket.
void tcp_charge_rx(Sock* sk, SkBuff* skb) {
  skb->sk = sk;
  skb->destructor = SkbDestructor::kSockRfree;
  sk->sk_rmem_alloc += skb->truesize;
}

// In-order data (the skb's payload starts at rcv_nxt) joins the receive
// queue; a FIN ends the stream.
void tcp_queue_in_order(Sock* sk, SkBuff* skb, uint32_t len, bool fin) {
  TcpSock* t = tp(sk);
  t->rcv_nxt += len + (fin ? 1 : 0);
  if (len > 0) {
    sk->sk_receive_queue.push_back(skb);
    ++sk->in_datagrams;
    TraceTcp(sk, "tcp_data_queue", "{} bytes queued", len);
  } else {
    consume_skb(skb);
  }
  if (fin) {
    t->fin_received = true;
    if (t->state == TcpState::kEstablished) SetState(sk, TcpState::kCloseWait);
    sk_state_change(sk);  // tcp_fin()
  } else if (len > 0) {
    sk_data_ready(sk);  // tcp_data_ready()
  }
}

// tcp_sack_extend(): whether [seq, end_seq) touches or overlaps the block;
// if so the block grows to cover it.
bool tcp_sack_extend(TcpSackBlock* sp, uint32_t seq, uint32_t end_seq) {
  if (after(seq, sp->end_seq) || after(sp->start_seq, end_seq)) return false;
  if (before(seq, sp->start_seq)) sp->start_seq = seq;
  if (after(end_seq, sp->end_seq)) sp->end_seq = end_seq;
  return true;
}

// tcp_sack_new_ofo_skb() with tcp_sack_maybe_coalesce() (tcp_input.c, 6.1):
// the block the new segment extends moves to the front (RFC 2018: the
// first block reports the most recent segment) and swallows any block it
// now reaches; otherwise a new block goes in front, the oldest falling off
// beyond TCP_NUM_SACKS.
void tcp_sack_new_ofo_skb(Sock* sk, uint32_t seq, uint32_t end_seq) {
  std::vector<TcpSackBlock>& sacks = tp(sk)->selective_acks;
  for (size_t i = 0; i < sacks.size(); ++i) {
    if (!tcp_sack_extend(&sacks[i], seq, end_seq)) continue;
    std::rotate(sacks.begin(), sacks.begin() + static_cast<std::ptrdiff_t>(i), sacks.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    for (size_t j = 1; j < sacks.size();) {
      if (tcp_sack_extend(&sacks[0], sacks[j].start_seq, sacks[j].end_seq)) {
        sacks.erase(sacks.begin() + static_cast<std::ptrdiff_t>(j));
      } else {
        ++j;
      }
    }
    return;
  }
  if (sacks.size() >= TCP_NUM_SACKS) sacks.pop_back();
  sacks.insert(sacks.begin(), TcpSackBlock{seq, end_seq});
}

// tcp_sack_remove(): blocks rcv_nxt has reached are dropped; none are left
// once the out-of-order queue is empty.
void tcp_sack_remove(Sock* sk) {
  TcpSock* t = tp(sk);
  if (t->out_of_order_queue.empty()) {
    t->selective_acks.clear();
    return;
  }
  std::erase_if(t->selective_acks, [t](const TcpSackBlock& b) { return !before(t->rcv_nxt, b.start_seq); });
}

// tcp_data_queue_ofo(): a segment beyond a hole waits, sorted by sequence,
// charged to the receive buffer; a segment already held is dropped.
void tcp_data_queue_ofo(Sock* sk, SkBuff* skb, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  auto pos = t->out_of_order_queue.begin();
  while (pos != t->out_of_order_queue.end() && before(pos->seq, p.tcp_seq)) ++pos;
  if (pos != t->out_of_order_queue.end() && pos->seq == p.tcp_seq) {
    TraceTcp(sk, "tcp_data_queue_ofo", "seq {} already held: dropped", p.tcp_seq);
    kfree_skb(skb, "TCP: duplicate out-of-order segment");
    return;
  }
  skb_pull(skb, p.payload_offset);
  tcp_charge_rx(sk, skb);
  const bool fin = p.tcp_flags & TCPHDR_FIN;
  t->out_of_order_queue.insert(pos, OfoSegment{skb, p.tcp_seq, p.tcp_seq + p.payload_len, fin});
  if (t->sack_ok) tcp_sack_new_ofo_skb(sk, p.tcp_seq, p.tcp_seq + p.payload_len);
  TraceTcp(sk, "tcp_data_queue_ofo", "seq {} ({} bytes) held beyond the hole at {}", p.tcp_seq, p.payload_len,
           t->rcv_nxt);
}

// tcp_ofo_queue(): after the hole is filled, every held segment that now
// starts at or before rcv_nxt moves to the receive queue (trimmed of bytes
// already received) or, if wholly old, is dropped.
void tcp_ofo_queue(Sock* sk) {
  TcpSock* t = tp(sk);
  while (!t->out_of_order_queue.empty() && !after(t->out_of_order_queue.front().seq, t->rcv_nxt)) {
    OfoSegment seg = t->out_of_order_queue.front();
    t->out_of_order_queue.pop_front();
    if (!after(seg.end_seq, t->rcv_nxt) && !(seg.fin && seg.end_seq == t->rcv_nxt)) {
      kfree_skb(seg.skb, "TCP: out-of-order segment already received");
      continue;
    }
    const uint32_t overlap = t->rcv_nxt - seg.seq;
    if (overlap > 0) skb_pull(seg.skb, overlap);
    tcp_queue_in_order(sk, seg.skb, seg.end_seq - t->rcv_nxt, seg.fin);
  }
}

// tcp_incr_quickack(): the first data of a connection starts the delayed-ACK
// engine in quickack mode, acknowledging the next segments at once (half
// the receive window's worth of full segments, at most TCP_MAX_QUICKACKS),
// so a sender in slow start is not held back by delayed ACKs.
void tcp_incr_quickack(Sock* sk) {
  TcpSock* t = tp(sk);
  // Before our first window update, tp->rcv_wnd is the initial window,
  // which tcp_select_initial_window() caps at TCP_INIT_CWND (10) segments.
  const uint32_t window =
      t->rcv_wnd != 0 ? uint32_t{t->rcv_wnd} << t->rcv_wscale
                      : static_cast<uint32_t>(std::min<int64_t>(std::max<int64_t>(0, int64_t{sk->sk_rcvbuf} - sk->sk_rmem_alloc), 10 * t->mss));
  uint32_t quickacks = window / (2 * t->mss);
  if (quickacks == 0) quickacks = 2;
  quickacks = std::min(quickacks, kTcpMaxQuickacks);
  if (quickacks > t->quick) t->quick = quickacks;
  TraceTcp(sk, "tcp_incr_quickack", "quickack mode: the next {} ACKs go at once", t->quick);
}

// __tcp_ack_snd_check(): acknowledge now when delayed ACKs are off, in
// quickack mode, when two full segments are unacknowledged, or for a FIN
// or a filled hole; otherwise arm the delayed-ACK timer.
void tcp_ack_snd_check(Sock* sk, uint32_t len, bool now) {
  TcpSock* t = tp(sk);
  const sim::Time delack = sk->host->sysctl().tcp_delack_ns;
  if (len > 0 && !t->ack_engine_started) {  // tcp_event_data_recv(): the first data
    t->ack_engine_started = true;
    tcp_incr_quickack(sk);
  }
  t->ack_pending_bytes += len;
  if (len > 0 && len < t->mss) t->ack_pushed = true;  // tcp_measure_rcv_mss()
  if (delack == 0 || now || t->quick > 0 || t->ack_pending_bytes >= 2 * t->mss) {
    tcp_send_ack(sk);
    return;
  }
  if (t->delack_timer.valid()) return;
  TraceTcp(sk, "inet_csk_reset_xmit_timer", "delayed ACK in {}", sim::FormatDuration(delack));
  t->delack_timer = sk->world->sim().scheduler().After(delack, "tcp_delack_timer", [sk] {
    TcpSock* tt = tp(sk);
    tt->delack_timer = sim::EventHandle{};
    if (tt->ack_pending_bytes == 0 || tt->state == TcpState::kClosed) return;
    TraceTcp(sk, "tcp_delack_timer", "{} bytes unacknowledged", tt->ack_pending_bytes);
    tcp_send_ack(sk);
  });
}

// The receiver's half (tcp_data_queue): in-order data is queued and
// acknowledged at once, then the out-of-order queue drains into it; data
// beyond a hole is held and draws a duplicate ACK; old data is dropped and
// re-acknowledged. With SACK the duplicate ACKs carry the blocks held
// (no D-SACK for old data).
void tcp_data_queue(Sock* sk, SkBuff* skb, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  const bool fin = p.tcp_flags & TCPHDR_FIN;
  if (p.payload_len == 0 && !fin) {
    consume_skb(skb);
    return;
  }
  // Partial packet, seq < rcv_nxt < end_seq: its new tail is queued.
  const bool partial = before(p.tcp_seq, t->rcv_nxt) && after(p.tcp_seq + p.payload_len, t->rcv_nxt);
  if (p.tcp_seq != t->rcv_nxt && !partial) {
    ++t->dup_acks_sent;
    if (after(p.tcp_seq, t->rcv_nxt) && p.payload_len > 0) {
      tcp_data_queue_ofo(sk, skb, p);
    } else {
      // A retransmission or a copy duplicated on the wire: dropped, and
      // acknowledged at once (quickack) so the sender learns rcv_nxt.
      TraceTcp(sk, "tcp_data_queue", "old seq {} (expected {}): dropped", p.tcp_seq, t->rcv_nxt);
      kfree_skb(skb, "TCP: old data");
    }
    tcp_send_ack(sk);  // the duplicate ACK
    return;
  }
  const uint32_t skip = partial ? t->rcv_nxt - p.tcp_seq : 0;
  const uint32_t len = p.payload_len - skip;
  if (partial) TraceTcp(sk, "tcp_data_queue", "seq {}: first {} bytes already received", p.tcp_seq, skip);
  if (len > 0) {
    skb_pull(skb, p.payload_offset + skip);
    tcp_charge_rx(sk, skb);
  }
  const bool had_ofo = !t->out_of_order_queue.empty();
  tcp_queue_in_order(sk, skb, len, fin);
  tcp_ofo_queue(sk);
  if (t->sack_ok) tcp_sack_remove(sk);
  tcp_ack_snd_check(sk, len, fin || had_ofo);
  if (t->fin_received && t->state == TcpState::kFinWait2) tcp_time_wait(sk);
}

// tcp_oow_rate_limited() (6.1): at most one ACK per kTcpInvalidRatelimit
// for segments that are answered without being accepted (a duplicate SYN).
bool tcp_oow_rate_limited(Sock* sk) {
  TcpSock* t = tp(sk);
  const sim::Time now = sk->world->now();
  if (t->last_oow_ack_time >= 0 && now - t->last_oow_ack_time < kTcpInvalidRatelimit) {
    TraceTcp(sk, "tcp_oow_rate_limited", "ACK skipped");
    return true;
  }
  t->last_oow_ack_time = now;
  return false;
}

// A SYN on a synchronized connection -- a duplicated or late SYN or SYN-ACK
// -- is answered with a challenge ACK and dropped (tcp_validate_incoming()
// step 4, RFC 5961 4.2; tcp_send_challenge_ack()).
void tcp_syn_challenge(Sock* sk, SkBuff* skb) {
  TraceTcp(sk, "tcp_validate_incoming", "SYN on a synchronized connection: challenge ACK");
  kfree_skb(skb, "TCP: SYN on a synchronized connection");
  if (!tcp_oow_rate_limited(sk)) tcp_send_ack(sk);
}

// tcp_check_req() (tcp_minisocks.c, 6.1): a retransmitted (or duplicated)
// SYN for a connection in SYN_RECV resends the SYN-ACK (inet_rtx_syn_ack),
// rate limited like other out-of-window answers.
bool tcp_synrecv_dup_syn(Sock* sk, SkBuff* skb, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  if ((p.tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_FIN)) != TCPHDR_SYN || p.tcp_seq + 1 != t->rcv_nxt) return false;
  consume_skb(skb);
  if (tcp_oow_rate_limited(sk) || t->rtx_queue.empty()) return true;
  TraceTcp(sk, "tcp_check_req", "SYN again: SYN-ACK retransmitted");
  tcp_retransmit_skb(sk, t->rtx_queue.front());
  return true;
}

}  // namespace

const char* TcpStateName(TcpState s) {
  switch (s) {
    case TcpState::kClosed:
      return "CLOSED";
    case TcpState::kListen:
      return "LISTEN";
    case TcpState::kSynSent:
      return "SYN_SENT";
    case TcpState::kSynRecv:
      return "SYN_RECV";
    case TcpState::kEstablished:
      return "ESTABLISHED";
    case TcpState::kFinWait1:
      return "FIN_WAIT1";
    case TcpState::kFinWait2:
      return "FIN_WAIT2";
    case TcpState::kCloseWait:
      return "CLOSE_WAIT";
    case TcpState::kLastAck:
      return "LAST_ACK";
    case TcpState::kTimeWait:
      return "TIME_WAIT";
  }
  return "?";
}

int tcp_v4_connect(Sock* sk, const InetAddr& daddr, bool nonblock) {
  TcpSock* t = tp(sk);
  if (t->state != TcpState::kClosed) {
    if (t->state == TcpState::kSynSent) return -EALREADY;  // __inet_stream_connect()
    return -EISCONN;
  }
  NetDevice* dev;
  InetAddr saddr;
  const int err = sk->host->RouteOutput(daddr, &dev, &saddr);
  if (err != 0) return err;
  sk->daddr = daddr;
  sk->connected = true;
  InitConnection(sk, dev, saddr);
  sock_hold(sk);  // the connection's reference, dropped when it closes
  sk->host->tcp_socks().push_back(sk);
  SetState(sk, TcpState::kSynSent);
  SendSyn(sk, TCPHDR_SYN);
  if (nonblock) return -EINPROGRESS;
  // A blocking connect sleeps until the handshake completes.
  if (!sk->world->WaitFor([sk] { return tp(sk)->state != TcpState::kSynSent || sk->sk_err != 0; })) return -ETIMEDOUT;
  if (sk->sk_err != 0) return -sk->sk_err;
  return 0;
}

int tcp_listen(Sock* sk, int backlog) {
  (void)backlog;
  if (!sk->bound) return -EINVAL;  // inet_listen autobinds in the kernel; bind first here
  if (tp(sk)->state != TcpState::kClosed && tp(sk)->state != TcpState::kListen) return -EINVAL;
  if (tp(sk)->state == TcpState::kClosed) {
    sock_hold(sk);
    sk->host->tcp_socks().push_back(sk);
  }
  SetState(sk, TcpState::kListen);
  return 0;
}

Sock* tcp_accept(Sock* sk, int* err) {
  TcpSock* t = tp(sk);
  if (t->state != TcpState::kListen) {
    *err = -EINVAL;
    return nullptr;
  }
  if (!sk->world->WaitFor([t] { return !t->accept_queue.empty(); })) {
    *err = -EAGAIN;
    return nullptr;
  }
  Sock* child = t->accept_queue.front();
  t->accept_queue.pop_front();
  tp(child)->listener = nullptr;
  *err = 0;
  return child;
}

long tcp_sendmsg(Sock* sk, MsgHdr* msg, size_t size) {
  World& world = *sk->world;
  TcpSock* t = tp(sk);
  const unsigned flags = msg->msg_flags;
  UbufInfo* uarg = nullptr;
  bool zc = false;
  sk->owned_by_user = true;  // lock_sock()
  if ((flags & MSG_ZEROCOPY) && size > 0) {
    if (msg->msg_ubuf != nullptr) {
      uarg = msg->msg_ubuf;
      net_zcopy_get(uarg);  // the datapath reference (6.0-6.4)
      zc = sk->cork.dev != nullptr && (sk->cork.dev->features & NETIF_F_SG);
    } else if (sk->sock_zerocopy) {
      SkBuff* tail = t->write_queue.empty() ? nullptr : t->write_queue.back();
      uarg = msg_zerocopy_realloc(sk, size, tail != nullptr ? skb_zcopy(tail) : nullptr);
      if (uarg == nullptr) {
        sk->owned_by_user = false;
        return -ENOBUFS;
      }
      zc = sk->cork.dev != nullptr && (sk->cork.dev->features & NETIF_F_SG);
      if (!zc) uarg_to_msgzc(uarg)->zerocopy = false;
    }
  }
  long err = 0;
  size_t copied = 0;
  if (t->state != TcpState::kEstablished && t->state != TcpState::kCloseWait) {
    // sk_stream_wait_connect(): a pending error (a reset) first, once.
    if (sk->sk_err != 0) {
      err = -sk->sk_err;
      sk->sk_err = 0;
    } else {
      err = t->state == TcpState::kClosed || t->state == TcpState::kListen ? -EPIPE : -ENOTCONN;
    }
  }
  const uint32_t size_goal = tcp_xmit_size_goal(sk);  // tcp_send_mss()
  while (err == 0 && iov_iter_count(&msg->msg_iter) > 0) {
    SkBuff* skb = t->write_queue.empty() ? nullptr : t->write_queue.back();
    int64_t copy = skb != nullptr && !(skb->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN)) ? int64_t{size_goal} - skb->len : 0;
    bool new_segment = copy <= 0;
    for (;;) {
      if (new_segment) {
        if (t->sk_wmem_queued >= sk->sk_sndbuf) break;  // wait_for_space
        skb = tcp_stream_alloc_skb(sk, 0);
        skb->seq = skb->end_seq = t->write_seq;
        skb->tcp_flags = TCPHDR_ACK;
        t->write_queue.push_back(skb);
        copy = size_goal;
        new_segment = false;
      }
      copy = std::min<int64_t>(copy, static_cast<int64_t>(iov_iter_count(&msg->msg_iter)));
      if (!zc) {
        PageFrag* pfrag = &sk->host->task_frag();
        skb_page_frag_refill(sk->host->mm(), 32, pfrag);
        int i = skb->shinfo->nr_frags;
        const SkbFrag* last = i > 0 ? &skb->shinfo->frags[i - 1] : nullptr;
        const bool merge = last != nullptr && last->page == pfrag->page && last->offset + last->len == pfrag->offset;
        if (!merge && i >= MAX_SKB_FRAGS) {
          skb->tcp_flags |= TCPHDR_PSH;  // tcp_mark_push() before goto new_segment
          new_segment = true;
          continue;
        }
        copy = std::min<int64_t>(copy, pfrag->size - pfrag->offset);
        if (skb->shinfo->flags & SKBFL_PURE_ZEROCOPY) {
          // tcp_downgrade_zcopy_pure(): mixed from now on, so the zerocopy
          // frags' truesize, never charged to protocol memory, is now.
          t->sk_mem_charged += skb->truesize - SKB_TRUESIZE(skb_end_offset(skb));
          skb->shinfo->flags &= static_cast<uint8_t>(~SKBFL_PURE_ZEROCOPY);
          TraceTcp(sk, "tcp_downgrade_zcopy_pure", "copied data joins a pure zerocopy skb: {} bytes charged",
                   skb->truesize - SKB_TRUESIZE(skb_end_offset(skb)));
        }
        skb_zcopy_downgrade_managed(skb);
        world.sim().costs().Charge(sim::Cost::kCopyByte, static_cast<uint64_t>(copy));
        if (copy_from_iter(pfrag->page->bytes + pfrag->offset, static_cast<size_t>(copy), &msg->msg_iter) !=
            static_cast<size_t>(copy)) {
          err = -EFAULT;
          break;
        }
        if (merge) {
          skb->shinfo->frags[i - 1].len += static_cast<uint32_t>(copy);
        } else {
          skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, static_cast<uint32_t>(copy));
          pfrag->page->mm->get_page(pfrag->page, "tcp page_frag");
        }
        pfrag->offset += static_cast<uint32_t>(copy);
        skb->len += static_cast<uint32_t>(copy);
        skb->data_len += static_cast<uint32_t>(copy);
        skb->truesize += static_cast<uint32_t>(copy);
        t->sk_wmem_queued += copy;
        t->sk_mem_charged += copy;
      } else {
        if (skb->len == 0) skb->shinfo->flags |= SKBFL_PURE_ZEROCOPY;
        // skb_zerocopy_iter_stream(): one ubuf per skb (INV-2), unless the
        // ubuf's link_skb (6.10) attaches it or stacks it on the skb's one.
        if (skb_zerocopy_link(skb, uarg) != 0) {  // -EEXIST
          skb->tcp_flags |= TCPHDR_PSH;  // tcp_mark_push() before goto new_segment
          new_segment = true;
          continue;
        }
        const uint32_t before_len = skb->len;
        const uint32_t before_truesize = skb->truesize;
        const int e = __zerocopy_sg_from_iter(msg, sk, skb, &msg->msg_iter, static_cast<size_t>(copy));
        t->sk_wmem_queued += skb->truesize - before_truesize;
        // __zerocopy_sg_from_iter(): a pure zerocopy skb's pages are not
        // charged to protocol memory (the ubuf pins them instead).
        if (!(skb->shinfo->flags & SKBFL_PURE_ZEROCOPY)) t->sk_mem_charged += skb->truesize - before_truesize;
        if (e == -EFAULT || (e == -EMSGSIZE && skb->len == before_len)) {
          if (e == -EMSGSIZE) {
            skb->tcp_flags |= TCPHDR_PSH;  // tcp_mark_push() before goto new_segment
            new_segment = true;
            continue;
          }
          err = e;
          break;
        }
        if (!skb_zerocopy_uses_link_skb(uarg)) skb_zcopy_set(skb, uarg, nullptr);
        copy = skb->len - before_len;
      }
      break;
    }
    if (err != 0) break;
    if (new_segment) {
      // Out of send buffer: push what we have, then wait (or give up).
      tcp_write_xmit(sk, false, kTcpNaglePush);  // wait_for_space: tcp_push(..., kTcpNaglePush)
      sk->sock_nospace = true;
      if (flags & MSG_DONTWAIT) {
        if (copied == 0) err = -EAGAIN;
        break;
      }
      const uint64_t woken = sk->wakeups;
      if (!world.WaitFor([sk, woken] { return sk->wakeups != woken || sk->sk_err != 0; })) {
        if (copied == 0) err = -EAGAIN;
        break;
      }
      continue;
    }
    t->write_seq += static_cast<uint32_t>(copy);
    skb->end_seq += static_cast<uint32_t>(copy);
    copied += static_cast<size_t>(copy);
    if (skb->len >= size_goal) tcp_write_xmit(sk, false, kTcpNaglePush);  // tcp_push_one()
  }
  // tcp_remove_empty_skb()
  if (!t->write_queue.empty() && t->write_queue.back()->len == 0 && t->write_queue.back()->tcp_flags == TCPHDR_ACK) {
    SkBuff* empty = t->write_queue.back();
    t->write_queue.pop_back();
    tcp_free_queued(sk, empty);
  }
  if (copied > 0 && !(flags & MSG_MORE)) {
    // tcp_push() -> tcp_mark_push(): PSH on the unsent tail, if any (a send
    // whose segments all went out full inside the loop carries none).
    if (!t->write_queue.empty()) t->write_queue.back()->tcp_flags |= TCPHDR_PSH;
    tcp_write_xmit(sk);
  } else if (copied > 0) {
    // tcp_push() with MSG_MORE: corked, so what is not the short tail still
    // goes (tcp_nagle_test holds only a partial last skb).
    tcp_write_xmit(sk, false, kTcpNagleCork);
  }
  sk->owned_by_user = false;
  TraceTcp(sk, "tcp_sendmsg_locked", "{} of {} bytes queued{}", copied, size, zc ? " zerocopy" : "");
  if (copied > 0 || err == 0) {
    net_zcopy_put(uarg);
    return static_cast<long>(copied);
  }
  net_zcopy_put_abort(uarg, true);
  return err;
}

// tcp_cleanup_rbuf(): after a read, a window update goes out when the space
// we could advertise has at least doubled since the last segment we sent,
// so a sender stalled on a closed window resumes.
void tcp_cleanup_rbuf(Sock* sk) {
  TcpSock* t = tp(sk);
  if (t->state != TcpState::kEstablished && t->state != TcpState::kFinWait1 && t->state != TcpState::kFinWait2) return;
  // A delayed ACK goes now if more than a segment is unacknowledged or a
  // short segment was pushed (the sender may be waiting on it).
  if (t->ack_pending_bytes > 0 && (t->ack_pending_bytes > t->mss || t->ack_pushed)) {
    tcp_send_ack(sk);
    return;
  }
  const uint32_t now_window = tcp_select_window(sk, 0);
  if (now_window >= 2 * std::max<uint32_t>(t->rcv_wnd, 1)) tcp_send_ack(sk);
}

long tcp_recvmsg(Sock* sk, RecvMsg* out, size_t len, unsigned flags) {
  TcpSock* t = tp(sk);
  if (sk->sk_receive_queue.empty()) {
    if (sk->sk_err != 0) {  // sock_error(): a reset is reported once
      const int err = sk->sk_err;
      sk->sk_err = 0;
      return -err;
    }
    if (t->fin_received) return 0;
    if (flags & MSG_DONTWAIT) return -EAGAIN;
    if (!sk->world->WaitFor([sk, t] { return !sk->sk_receive_queue.empty() || t->fin_received; })) return -EAGAIN;
    if (sk->sk_receive_queue.empty()) return 0;
  }
  out->data.clear();
  while (out->data.size() < len && !sk->sk_receive_queue.empty()) {
    SkBuff* skb = sk->sk_receive_queue.front();
    const uint32_t avail = skb->len - t->rx_offset;
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(avail, len - out->data.size()));
    const size_t at = out->data.size();
    out->data.resize(at + n);
    skb_copy_bits(skb, t->rx_offset, out->data.data() + at, n);
    if (flags & MSG_PEEK) break;
    t->rx_offset += n;
    if (t->rx_offset == skb->len) {
      sk->sk_receive_queue.pop_front();
      t->rx_offset = 0;
      consume_skb(skb);
    }
  }
  out->from = sk->daddr;
  tcp_cleanup_rbuf(sk);
  return static_cast<long>(out->data.size());
}

namespace {

void tcp_write_queue_purge(Sock* sk);

// tcp_close()'s abort: unread data is tossed and the connection reset
// (data_was_unread -> tcp_send_active_reset()), not closed with a FIN; the
// orphan is destroyed at once, so its queued skbs -- and their ubuf
// references -- go now. Returns false if nothing was unread.
bool tcp_close_unread(Sock* sk) {
  TcpSock* t = tp(sk);
  uint64_t unread = 0;
  while (!sk->sk_receive_queue.empty()) {
    SkBuff* skb = sk->sk_receive_queue.front();
    sk->sk_receive_queue.pop_front();
    unread += skb->len - t->rx_offset;
    t->rx_offset = 0;
    kfree_skb(skb, "tcp_close: unread data");
  }
  if (unread == 0) return false;
  if (t->state == TcpState::kEstablished || t->state == TcpState::kCloseWait) {
    TraceTcp(sk, "tcp_send_active_reset", "{} unread bytes tossed: reset", unread);
    SkBuff* rst = alloc_skb(*sk->world, MAX_TCP_HEADER, "tcp_send_active_reset");
    skb_reserve(rst, MAX_TCP_HEADER);
    TransmitSegment(sk, rst, t->snd_nxt, TCPHDR_RST | TCPHDR_ACK);
  }
  tcp_write_queue_purge(sk);
  Finish(sk);
  return true;
}

}  // namespace

void tcp_close(Sock* sk) {
  TcpSock* t = tp(sk);
  if (t->state != TcpState::kListen && tcp_close_unread(sk)) return;
  if (t->state == TcpState::kListen) {
    while (!t->accept_queue.empty()) {  // unaccepted children are reset
      Sock* child = t->accept_queue.front();
      t->accept_queue.pop_front();
      Finish(child);
    }
    SetState(sk, TcpState::kClosed);
    RemoveFromHash(sk);
    sock_put(sk);
    return;
  }
  if (t->state == TcpState::kEstablished || t->state == TcpState::kCloseWait) {
    SkBuff* fin = tcp_stream_alloc_skb(sk, 0);
    fin->seq = t->write_seq;
    fin->end_seq = t->write_seq + 1;
    fin->tcp_flags = TCPHDR_FIN | TCPHDR_ACK;
    t->write_seq += 1;
    t->fin_queued = true;
    t->write_queue.push_back(fin);
    SetState(sk, t->state == TcpState::kEstablished ? TcpState::kFinWait1 : TcpState::kLastAck);
    tcp_write_xmit(sk, false, kTcpNagleOff);  // tcp_send_fin()
  } else if (t->state == TcpState::kSynSent || t->state == TcpState::kSynRecv) {
    Finish(sk);
  }
}

namespace {

// tcp_write_queue_purge(): every queued and unacknowledged skb is freed; a
// zerocopy skb's ubuf reference goes with it, so its notification still
// comes once any clone the device holds is freed.
void tcp_write_queue_purge(Sock* sk) {
  TcpSock* t = tp(sk);
  for (auto* q : {&t->write_queue, &t->rtx_queue}) {
    while (!q->empty()) {
      SkBuff* skb = q->front();
      q->pop_front();
      tcp_free_queued(sk, skb);
    }
  }
  t->packets_out = 0;
  t->sacked_out = 0;
}

// tcp_reset() (tcp_input.c, 6.1): the error the application will see, the
// queues purged, the connection done (tcp_done()).
void tcp_reset(Sock* sk) {
  TcpSock* t = tp(sk);
  switch (t->state) {
    case TcpState::kSynSent:
      sk->sk_err = ECONNREFUSED;
      break;
    case TcpState::kCloseWait:
      sk->sk_err = EPIPE;
      break;
    case TcpState::kClosed:
      return;
    default:
      sk->sk_err = ECONNRESET;
  }
  TraceTcp(sk, "tcp_reset", "reset by the peer: {} unacknowledged skbs purged, error {}", t->rtx_queue.size() + t->write_queue.size(),
           sk->sk_err);
  tcp_write_queue_purge(sk);
  t->fin_received = true;  // no more data will come: a reader gets 0 after the error
  sk_error_report(sk);
  Finish(sk);  // may drop the last reference: nothing touches sk after it
}

// tcp_validate_incoming()'s RST rule (RFC 5961 3.2): a reset at exactly
// rcv_nxt is accepted; one elsewhere in the window draws a challenge ACK;
// one outside it is ignored.
void tcp_rcv_rst(Sock* sk, const PacketSummary& p) {
  TcpSock* t = tp(sk);
  if (t->state == TcpState::kSynSent) {
    if ((p.tcp_flags & TCPHDR_ACK) && p.tcp_ack == t->snd_nxt) tcp_reset(sk);
    return;
  }
  if (p.tcp_seq == t->rcv_nxt) {
    tcp_reset(sk);
  } else if (after(p.tcp_seq, t->rcv_nxt) && before(p.tcp_seq, t->rcv_right_edge)) {
    TraceTcp(sk, "tcp_send_challenge_ack", "RST at {} is not rcv_nxt {}", p.tcp_seq, t->rcv_nxt);
    tcp_send_ack(sk);
  }
}

}  // namespace

namespace {

// tcp_v4_send_reset() / tcp_v4_send_ack() without a socket: a bare segment
// from `local` to `remote` (ip_send_unicast_reply).
void SendBareSegment(Host* host, const InetAddr& local, const InetAddr& remote, uint32_t seq, uint32_t ack,
                     uint8_t flags, uint16_t window, const char* why) {
  NetDevice* dev;
  InetAddr saddr;
  if (host->RouteOutput(remote, &dev, &saddr) != 0) return;
  SkBuff* skb = alloc_skb(host->world(), MAX_TCP_HEADER, why);
  skb_reserve(skb, MAX_TCP_HEADER);
  uint8_t* th = skb_push(skb, kTcpHdrLen);
  std::memset(th, 0, kTcpHdrLen);
  put_be16(th, local.port);
  put_be16(th + 2, remote.port);
  put_be32(th + 4, seq);
  if (flags & TCPHDR_ACK) put_be32(th + 8, ack);
  th[12] = static_cast<uint8_t>((kTcpHdrLen / 4) << 4);
  th[13] = flags;
  put_be16(th + 14, window);
  ZC_TRACE(host->world().tracer(), "tcp", why).Obj(skb->id).Msg("{} -> {}", local.ToString(), remote.ToString());
  ip_queue_xmit(skb, dev, local, remote, IPPROTO_TCP);
}

TcpTimeWait* FindTimeWait(Host* host, const PacketSummary& p) {
  for (TcpTimeWait& tw : host->tcp_timewait()) {
    if (tw.local.family == p.dst.family && tw.local.port == p.dst.port && tw.remote == p.src &&
        tw.local.SameHost(p.dst)) {
      return &tw;
    }
  }
  return nullptr;
}

void RemoveTimeWait(Host* host, uint64_t id) {
  auto& v = host->tcp_timewait();
  v.erase(std::remove_if(v.begin(), v.end(), [id](const TcpTimeWait& tw) { return tw.id == id; }), v.end());
}

void ArmTimeWait(Host* host, TcpTimeWait* tw) {
  World& world = host->world();
  if (tw->timer.valid()) world.sim().scheduler().Cancel(tw->timer);
  const uint64_t id = tw->id;
  tw->timer = world.sim().scheduler().After(TCP_TIMEWAIT_LEN, "tcp_timewait_expire", [host, id] {
    ZC_TRACE(host->world().tracer(), "tcp", "inet_twsk_kill").Msg("{}: TIME_WAIT over", host->name());
    RemoveTimeWait(host, id);
  });
}

// tcp_timewait_state_process() (tcp_minisocks.c, 6.1), reduced: a reset
// ends TIME_WAIT at once (tcp_rfc1337 = 0); a retransmitted FIN, or data,
// is acknowledged again (the peer lost our last ACK) and restarts the 60 s;
// a bare ACK is ignored.
void tcp_timewait_state_process(Host* host, TcpTimeWait* tw, const PacketSummary& p) {
  if (p.tcp_flags & TCPHDR_RST) {
    ZC_TRACE(host->world().tracer(), "tcp", "tcp_timewait_state_process").Msg("RST ends TIME_WAIT of {}", tw->local.ToString());
    host->world().sim().scheduler().Cancel(tw->timer);
    RemoveTimeWait(host, tw->id);
    return;
  }
  if (p.payload_len == 0 && !(p.tcp_flags & (TCPHDR_FIN | TCPHDR_SYN))) return;
  const TcpTimeWait copy = *tw;  // the reply may run NET_RX (loopback) and change the table
  if (p.tcp_flags & TCPHDR_FIN) ArmTimeWait(host, tw);
  SendBareSegment(host, copy.local, copy.remote, copy.snd_nxt, copy.rcv_nxt, TCPHDR_ACK, copy.window,
                  "tcp_v4_timewait_ack");
}

}  // namespace

void tcp_v4_send_reset(Host* host, const PacketSummary& p) {
  if (p.tcp_flags & TCPHDR_RST) return;  // never answer a reset
  // RFC 793: answer an ACK with its ack number as our sequence; anything
  // else with sequence 0 and an ACK of everything it occupied.
  const uint32_t seg_len = p.payload_len + ((p.tcp_flags & TCPHDR_SYN) ? 1 : 0) + ((p.tcp_flags & TCPHDR_FIN) ? 1 : 0);
  if (p.tcp_flags & TCPHDR_ACK) {
    SendBareSegment(host, p.dst, p.src, p.tcp_ack, 0, TCPHDR_RST, 0, "tcp_v4_send_reset");
  } else {
    SendBareSegment(host, p.dst, p.src, 0, p.tcp_seq + seg_len, TCPHDR_RST | TCPHDR_ACK, 0, "tcp_v4_send_reset");
  }
}

void tcp_v4_rcv(SkBuff* skb, const PacketSummary& p) {
  Host* host = skb->dev->host;
  if (skb->ip_summed != CHECKSUM_PARTIAL && !p.tcp_check_ok) {
    kfree_skb(skb, "TCP: bad checksum");
    return;
  }
  Sock* sk = Lookup(host, p);
  if (sk == nullptr || tp(sk)->state == TcpState::kListen) {
    if (TcpTimeWait* tw = FindTimeWait(host, p)) {  // the TIME_WAIT minisock comes first
      consume_skb(skb);
      tcp_timewait_state_process(host, tw, p);
      return;
    }
  }
  if (sk == nullptr) {
    kfree_skb(skb, "TCP: no socket");
    tcp_v4_send_reset(host, p);
    return;
  }
  skb_orphan(skb);
  TcpSock* t = tp(sk);
  if ((p.tcp_flags & TCPHDR_RST) && t->state != TcpState::kListen) {
    consume_skb(skb);
    if (t->state == TcpState::kSynRecv && t->listener != nullptr) {
      Finish(sk);  // tcp_check_req(): the request dies quietly
    } else {
      tcp_rcv_rst(sk, p);
    }
    return;
  }
  switch (t->state) {
    case TcpState::kListen:
      if (p.tcp_flags & TCPHDR_RST) {
        consume_skb(skb);
        return;
      }
      ListenerRcv(sk, skb, p);
      return;
    case TcpState::kSynSent:
      if ((p.tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK) && p.tcp_ack == t->snd_nxt) {
        t->rcv_nxt = p.tcp_seq + 1;
        NegotiateWscale(sk, p);
        tcp_ack(sk, p);
        SetState(sk, TcpState::kEstablished);
        tcp_sndbuf_expand(sk);
        sk_state_change(sk);  // tcp_finish_connect()
        tcp_send_ack(sk);
      }
      consume_skb(skb);
      return;
    case TcpState::kSynRecv:
      if (tcp_synrecv_dup_syn(sk, skb, p)) return;
      tcp_ack(sk, p);
      if (t->snd_una == t->snd_nxt) {
        SetState(sk, TcpState::kEstablished);
        tcp_sndbuf_expand(sk);
        if (t->listener != nullptr) {
          tp(t->listener)->accept_queue.push_back(sk);
          sk_data_ready(t->listener);  // tcp_child_process(): a connection to accept
        }
      }
      tcp_data_queue(sk, skb, p);
      return;
    default:
      break;
  }
  if (p.tcp_flags & TCPHDR_SYN) return tcp_syn_challenge(sk, skb);
  // tcp_rcv_state_process(), FIN_WAIT1/2 after close() (RCV_SHUTDOWN): new
  // data has no reader any more; the connection is reset and the peer told
  // (tcp_v4_do_rcv's reset), so its zerocopy sends complete instead of
  // waiting on a window nobody will open.
  if (sk->sock_dead && (t->state == TcpState::kFinWait1 || t->state == TcpState::kFinWait2) && p.payload_len > 0 &&
      after(p.tcp_seq + p.payload_len, t->rcv_nxt)) {
    TraceTcp(sk, "tcp_rcv_state_process", "data after close(): reset");
    kfree_skb(skb, "TCP: data after close");
    tcp_v4_send_reset(sk->host, p);
    tcp_reset(sk);
    return;
  }
  tcp_ack(sk, p);
  if (t->fin_queued && t->snd_una == t->write_seq) {  // our FIN is acknowledged
    if (t->state == TcpState::kFinWait1) {
      if (t->fin_received) {  // both FINs are acknowledged: the active closer waits
        consume_skb(skb);
        tcp_time_wait(sk);
        return;
      }
      SetState(sk, TcpState::kFinWait2);
    }
    if (t->state == TcpState::kLastAck || t->state == TcpState::kClosed) {
      consume_skb(skb);
      t->state = TcpState::kLastAck;  // so that Finish records the transition
      Finish(sk);
      return;
    }
  }
  tcp_data_queue(sk, skb, p);
}

int tcp_setsockopt(Sock* sk, int optname, int val) {
  if (optname != TCP_NODELAY) return -ENOPROTOOPT;
  TcpSock* t = tp(sk);
  if (val) {
    // __tcp_sock_set_nodelay(): also pushes what Nagle was holding.
    t->nonagle |= kTcpNagleOff | kTcpNaglePush;
    tcp_write_xmit(sk);
    t->nonagle &= ~kTcpNaglePush;
  } else {
    t->nonagle &= ~kTcpNagleOff;
  }
  return 0;
}

int tcp_getsockopt(Sock* sk, int optname, int* val) {
  if (optname != TCP_NODELAY) return -ENOPROTOOPT;
  *val = (tp(sk)->nonagle & kTcpNagleOff) ? 1 : 0;
  return 0;
}

void tcp_destroy_sock(Sock* sk) {
  if (sk->tcp == nullptr) return;
  TcpSock* t = tp(sk);
  StopRto(sk);
  tcp_clear_delack(sk);
  tcp_write_queue_purge(sk);
  while (!t->out_of_order_queue.empty()) {
    SkBuff* skb = t->out_of_order_queue.front().skb;
    t->out_of_order_queue.pop_front();
    kfree_skb(skb, "TCP: socket destroyed");
  }
}

// tcp_poll() (6.1): a listener is readable with a connection to accept;
// otherwise EPOLLHUP when closed, EPOLLIN with data or after the peer's FIN,
// EPOLLOUT by the stream rule (and SOCK_NOSPACE noted when not writable, so
// the ACK that frees space wakes pollers), EPOLLERR with sk_err or a queued
// error (a zerocopy notification).
uint32_t tcp_poll(Sock* sk) {
  TcpSock* t = tp(sk);
  if (t->state == TcpState::kListen) {
    return t->accept_queue.empty() ? 0 : (EPOLLIN | EPOLLRDNORM);  // inet_csk_listen_poll()
  }
  uint32_t mask = 0;
  if (t->state == TcpState::kClosed) mask |= EPOLLHUP;
  if (t->fin_received) mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;  // RCV_SHUTDOWN
  if (t->state != TcpState::kSynSent && t->state != TcpState::kSynRecv) {
    if (!sk->sk_receive_queue.empty()) mask |= EPOLLIN | EPOLLRDNORM;
    if (t->fin_queued || sk_is_writeable(sk)) {  // SEND_SHUTDOWN, or space
      mask |= EPOLLOUT | EPOLLWRNORM;
    } else {
      sk->sock_nospace = true;
    }
  }
  if (sk->sk_err != 0 || !sk->sk_error_queue.empty()) mask |= EPOLLERR;
  return mask;
}

}  // namespace zcsim::net
