// TCP segmentation offload and its software fallback (Linux 6.1):
// skb_gso_segment() (net/core/gso.c -> inet_gso_segment / ipv6_gso_segment
// -> tcp_gso_segment in net/ipv4/tcp_offload.c -> skb_segment in
// net/core/skbuff.c), and what a TSO-capable NIC puts on the wire for one
// GSO packet.
//
// TCP builds skbs of up to 64 KB (gso_size = MSS). A device with TSO takes
// them whole and the hardware cuts them at DMA time; for any other device
// validate_xmit_skb() cuts them in software first. Every software segment is
// a new skb with its own copy of the headers and frags that point into the
// same pages: a page reference per frag, and (skb_zerocopy_clone) a
// reference on the ubuf, so a zerocopy notification waits for every
// segment's TX completion.
#ifndef ZCSIM_NET_GSO_H_
#define ZCSIM_NET_GSO_H_

#include <cstdint>
#include <vector>

#include "net/skbuff.h"

namespace zcsim::net {

inline bool skb_is_gso(const SkBuff* skb) { return skb->shinfo->gso_size != 0; }

// Segments a GSO TCP skb (headers at skb->data): returns the segments
// chained by `next`, each charged to the sending socket; consumes `skb`.
SkBuff* skb_gso_segment(SkBuff* skb);

// One MSS-sized packet a TSO NIC sends for a GSO skb: headers fixed, the
// TCP checksum filled in by the hardware.
struct TsoPacket {
  std::vector<uint8_t> bytes;
  uint32_t user_page_bytes = 0;  // payload read straight from user pages
};
std::vector<TsoPacket> tso_segment_bytes(SkBuff* skb);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_GSO_H_
