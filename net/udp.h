// UDP over IPv4 and IPv6 (net/ipv4/udp.c, net/ipv6/udp.c, 6.1): sendmsg
// with corking, the checksum, receive and recvmsg, MSG_ERRQUEUE
// (ip_recv_error / ipv6_recv_error in ip_sockglue.c / datagram.c), UDP_CORK.
#ifndef ZCSIM_NET_UDP_H_
#define ZCSIM_NET_UDP_H_

#include <cstddef>

#include "net/iov_iter.h"
#include "net/netdevice.h"
#include "net/sock.h"

namespace zcsim::net {

// udp_sendmsg() / udpv6_sendmsg(): bytes sent or -errno.
int udp_sendmsg(Sock* sk, MsgHdr* msg, size_t len);
int udpv6_sendmsg(Sock* sk, MsgHdr* msg, size_t len);
int udp_push_pending_frames(Sock* sk);
void udp_flush_pending_frames(Sock* sk);
// udp_rcv(): deliver a received datagram (headers at skb->data) to its socket.
void udp_rcv(SkBuff* skb, const PacketSummary& p);
// udp_recvmsg() / udpv6_recvmsg(): bytes (the datagram's length with
// MSG_TRUNC), or -errno.
long udp_recvmsg(Sock* sk, RecvMsg* out, size_t len, unsigned flags);
// ip_recv_error() / ipv6_recv_error().
long ip_recv_error(Sock* sk, RecvMsg* out, size_t len);
// udp_lib_setsockopt()/getsockopt() for SOL_UDP.
int udp_lib_setsockopt(Sock* sk, int optname, int val);
int udp_lib_getsockopt(Sock* sk, int optname, int* val);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_UDP_H_
