// The receive path up to the transport (net/core/dev.c
// __netif_receive_skb_core, net/ipv4/ip_input.c, net/ipv4/ip_fragment.c,
// net/ipv6/ip6_input.c, net/ipv6/reassembly.c; 6.1).
#ifndef ZCSIM_NET_IP_INPUT_H_
#define ZCSIM_NET_IP_INPUT_H_

#include "net/netdevice.h"
#include "net/skbuff.h"

namespace zcsim::net {

// NET_RX processing of one skb received on `dev`: skb_orphan_frags_rx (a
// receive path never keeps user pages: the deferred copy, COPIED), then
// ip_rcv / ipv6_rcv, reassembly, and local delivery to UDP.
void __netif_receive_skb(SkBuff* skb, NetDevice* dev);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_IP_INPUT_H_
