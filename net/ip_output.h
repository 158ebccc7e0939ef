// IP output for datagrams: building (appending), finishing, fragmenting
// and sending. Mirrors net/ipv4/ip_output.c and net/ipv6/ip6_output.c
// (6.1): __ip_append_data / __ip6_append_data, ip_make_skb / ip6_make_skb,
// __ip_make_skb / __ip6_make_skb, ip_send_skb / ip6_send_skb, ip_fragment /
// ip6_fragment (frag_list fast path).
#ifndef ZCSIM_NET_IP_OUTPUT_H_
#define ZCSIM_NET_IP_OUTPUT_H_

#include <deque>

#include "net/iov_iter.h"
#include "net/skbuff.h"
#include "net/sock.h"

namespace zcsim::net {

inline constexpr uint32_t kIpHdrLen = 20;
inline constexpr uint32_t kIpv6HdrLen = 40;
inline constexpr uint32_t kFragHdrLen = 8;
inline constexpr uint32_t kUdpHdrLen = 8;
inline constexpr uint32_t IP_MAX_MTU = 0xFFFF;
inline constexpr uint32_t IPV6_MAXPLEN = 65535;
// LL_RESERVED_SPACE of an Ethernet-like device: headroom for link headers.
inline constexpr uint32_t kHhLen = 16;
// SKB_MAX_ALLOC: the largest linear allocation that is not "too big".
inline constexpr uint32_t SKB_MAX_ALLOC = (PAGE_SIZE << 2) - kSkbSharedInfoSize;

// ip_setup_cork(): route the datagram and record its device and MTU.
int ip_setup_cork(Sock* sk, InetCork* cork, const InetAddr& daddr);

// __ip_append_data() / __ip6_append_data(): append `length` bytes (the first
// `transhdrlen` of which are the transport header, filled later) from
// `from` to the datagram being built on `queue`.
int __ip_append_data(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork, PageFrag* pfrag,
                     MsgHdr* from, int length, int transhdrlen, unsigned flags);
int __ip6_append_data(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork, PageFrag* pfrag,
                      MsgHdr* from, int length, int transhdrlen, unsigned flags);

// ip_append_data(): onto the socket's write queue (corked datagrams).
int ip_append_data(Sock* sk, MsgHdr* from, int length, int transhdrlen, unsigned flags);
// ip_make_skb(): a whole uncorked datagram on a private queue. Null with
// *err set on failure.
SkBuff* ip_make_skb(Sock* sk, InetCork* cork, MsgHdr* from, int length, int transhdrlen,
                    unsigned flags, int* err);
// __ip_make_skb(): the queued skbs become one datagram (head + frag_list)
// with its IP header.
SkBuff* __ip_make_skb(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork);
void ip_flush_pending_frames(Sock* sk);
// ip_send_skb(): ip_local_out -> ip_output -> (ip_fragment) -> dev_queue_xmit.
// 0, or a negative errno (-ENOBUFS for a qdisc drop).
int ip_send_skb(SkBuff* skb, NetDevice* dev);
// ip_queue_xmit() / inet6_csk_xmit(): puts the IP header in front of a
// transport segment (at skb->data), fills the checksum (offloaded when the
// device can) and sends it on `dev` from `saddr` to `daddr`.
int ip_queue_xmit(SkBuff* skb, NetDevice* dev, const InetAddr& saddr, const InetAddr& daddr, int protocol);
// Gives a fragment back to its socket's charge (ip_do_fragment fast path).
void skb_set_owner_w_noacct(SkBuff* skb, Sock* sk);
// ip_send_check(): the IPv4 header checksum.
void ip_send_check(uint8_t* iph);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_IP_OUTPUT_H_
