#include "net/gso.h"

#include <algorithm>
#include <cstring>

#include "net/checksum.h"
#include "net/ip_output.h"
#include "net/sock.h"
#include "net/tcp.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

// The header block in front of a GSO skb's payload: IP header, TCP header.
struct GsoHeaders {
  bool v6 = false;
  uint32_t ip_len = 0;
  uint32_t tcp_len = 0;
  uint32_t total() const { return ip_len + tcp_len; }
};

bool ReadHeaders(SkBuff* skb, GsoHeaders* h) {
  const uint8_t* ip = skb_data(skb);
  h->v6 = skb->protocol == ETH_P_IPV6;
  h->ip_len = h->v6 ? kIpv6HdrLen : (ip[0] & 0xf) * 4u;
  if (skb_headlen(skb) < h->ip_len + kTcpBaseHdrLen) return false;
  h->tcp_len = (ip[h->ip_len + 12] >> 4) * 4u;
  // TCP keeps its payload in frags: the linear part is exactly the headers.
  return h->tcp_len >= kTcpBaseHdrLen && skb_headlen(skb) == h->total();
}

void AddressesOf(const uint8_t* hdr, bool v6, InetAddr* saddr, InetAddr* daddr) {
  saddr->family = daddr->family = v6 ? AF_INET6 : AF_INET;
  std::memcpy(saddr->addr.data(), hdr + (v6 ? 8 : 12), v6 ? 16 : 4);
  std::memcpy(daddr->addr.data(), hdr + (v6 ? 24 : 16), v6 ? 16 : 4);
}

// tcp_gso_segment()'s header edits for segment `index` of `count` carrying
// `payload` bytes at `offset` of the payload: IP lengths, the IPv4 id
// (incremented per segment), the sequence number, and FIN/PSH only on the
// last segment. The TCP checksum is the caller's.
void FixHeaders(uint8_t* hdr, const GsoHeaders& h, uint32_t index, uint32_t count, uint32_t offset,
                uint32_t payload) {
  uint8_t* th = hdr + h.ip_len;
  const uint32_t l4_len = h.tcp_len + payload;
  if (h.v6) {
    put_be16(hdr + 4, static_cast<uint16_t>(l4_len));
  } else {
    put_be16(hdr + 2, static_cast<uint16_t>(h.ip_len + l4_len));
    put_be16(hdr + 4, static_cast<uint16_t>(get_be16(hdr + 4) + index));
    ip_send_check(hdr);
  }
  put_be32(th + 4, get_be32(th + 4) + offset);
  if (index + 1 < count) th[13] &= static_cast<uint8_t>(~(TCPHDR_FIN | TCPHDR_PSH));
  put_be16(th + 16, 0);
}

// Frags of `skb` covering payload bytes [offset, offset + len), as (page,
// offset, length) pieces.
template <typename Fn>
void ForEachFragSlice(SkBuff* skb, uint32_t offset, uint32_t len, Fn&& fn) {
  uint32_t pos = 0;
  for (int i = 0; i < skb->shinfo->nr_frags && len > 0; ++i) {
    const SkbFrag& f = skb->shinfo->frags[i];
    if (pos + f.len > offset) {
      const uint32_t skip = offset > pos ? offset - pos : 0;
      const uint32_t n = std::min(f.len - skip, len);
      fn(f, skip, n);
      offset += n;
      len -= n;
    }
    pos += f.len;
  }
}

uint32_t SegmentCount(SkBuff* skb, uint32_t payload) {
  const uint32_t mss = skb->shinfo->gso_size;
  return (payload + mss - 1) / mss;
}

}  // namespace

SkBuff* skb_gso_segment(SkBuff* skb) {
  World& world = *skb->world;
  GsoHeaders h;
  const bool ok = ReadHeaders(skb, &h);
  ZC_CHECK(world.checker(), ok, "INV-21", skb->id, "GSO skb without bare TCP headers ({} linear bytes)", skb_headlen(skb));
  if (!ok) {
    kfree_skb(skb, "skb_gso_segment: bad headers");
    return nullptr;
  }
  const uint32_t mss = skb->shinfo->gso_size;
  const uint32_t payload = skb->len - h.total();
  const uint32_t count = SegmentCount(skb, payload);
  Sock* sk = skb->sk;
  InetAddr saddr, daddr;
  AddressesOf(skb_data(skb), h.v6, &saddr, &daddr);
  SkBuff* first = nullptr;
  SkBuff** link = &first;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t offset = i * mss;
    const uint32_t seg_len = std::min(mss, payload - offset);
    SkBuff* nskb = alloc_skb(world, kHhLen + h.total(), "skb_segment");
    skb_reserve(nskb, kHhLen);
    uint8_t* hdr = skb_put(nskb, h.total());
    std::memcpy(hdr, skb_data(skb), h.total());
    nskb->protocol = skb->protocol;
    nskb->network_header = static_cast<uint16_t>(nskb->data);
    nskb->transport_header = static_cast<uint16_t>(nskb->data + h.ip_len);
    // skb_segment(): the segment shares the user pages (a page reference
    // per frag) and holds its own ubuf reference.
    skb_zerocopy_clone(nskb, skb);
    nskb->shinfo->flags |= skb->shinfo->flags & SKBFL_SHARED_FRAG;
    ForEachFragSlice(skb, offset, seg_len, [&](const SkbFrag& f, uint32_t skip, uint32_t n) {
      const int k = nskb->shinfo->nr_frags;
      __skb_fill_page_desc_noacc(nskb, k, f.page, f.offset + skip, n);
      nskb->shinfo->nr_frags = static_cast<uint8_t>(k + 1);
      f.page->mm->get_page(f.page, "skb_segment");
    });
    nskb->len += seg_len;
    nskb->data_len += seg_len;
    nskb->truesize += seg_len;
    FixHeaders(hdr, h, i, count, offset, seg_len);
    uint8_t* th = hdr + h.ip_len;
    const uint32_t l4_len = h.tcp_len + seg_len;
    if (skb->ip_summed == CHECKSUM_PARTIAL) {
      nskb->ip_summed = CHECKSUM_PARTIAL;
      nskb->csum_start = nskb->transport_header;
      nskb->csum_offset = 16;
      put_be16(th + 16, static_cast<uint16_t>(~csum_fold(csum_pseudo(saddr, daddr, l4_len, IPPROTO_TCP))));
    } else {
      const std::vector<uint8_t> bytes = skb_bytes(nskb);
      put_be16(th + 16, csum_magic(saddr, daddr, l4_len, IPPROTO_TCP, csum_partial(bytes.data() + h.ip_len, l4_len, 0)));
    }
    if (sk != nullptr) skb_set_owner_w(nskb, sk);  // tcp_gso_segment(): each segment charged to the socket
    *link = nskb;
    link = &nskb->next;
  }
  ZC_TRACE(world.tracer(), "net", "skb_gso_segment")
      .Obj(skb->id, {{"len", skb->len}, {"gso_size", mss}})
      .Msg("{} segments in software", count);
  skb_orphan(skb);
  consume_skb(skb);
  return first;
}

std::vector<TsoPacket> tso_segment_bytes(SkBuff* skb) {
  std::vector<TsoPacket> out;
  GsoHeaders h;
  if (!ReadHeaders(skb, &h)) return out;
  const std::vector<uint8_t> whole = skb_bytes(skb);
  const uint32_t mss = skb->shinfo->gso_size;
  const uint32_t payload = skb->len - h.total();
  const uint32_t count = SegmentCount(skb, payload);
  InetAddr saddr, daddr;
  AddressesOf(whole.data(), h.v6, &saddr, &daddr);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t offset = i * mss;
    const uint32_t seg_len = std::min(mss, payload - offset);
    TsoPacket pkt;
    pkt.bytes.assign(whole.begin(), whole.begin() + h.total());
    pkt.bytes.insert(pkt.bytes.end(), whole.begin() + h.total() + offset, whole.begin() + h.total() + offset + seg_len);
    FixHeaders(pkt.bytes.data(), h, i, count, offset, seg_len);
    const uint32_t l4_len = h.tcp_len + seg_len;
    put_be16(pkt.bytes.data() + h.ip_len + 16,
             csum_magic(saddr, daddr, l4_len, IPPROTO_TCP, csum_partial(pkt.bytes.data() + h.ip_len, l4_len, 0)));
    ForEachFragSlice(skb, offset, seg_len, [&](const SkbFrag& f, uint32_t, uint32_t n) {
      if (f.page->user) pkt.user_page_bytes += n;
    });
    out.push_back(std::move(pkt));
  }
  return out;
}

}  // namespace zcsim::net
