#include "net/ip_input.h"

#include <algorithm>
#include <cstring>

#include "net/checksum.h"
#include "net/host.h"
#include "net/ip_output.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

void Drop(SkBuff* skb, NetDevice* dev, const char* why) {
  ++dev->rx_dropped;
  ZC_TRACE(dev->host->world().tracer(), "ip", "drop").Obj(skb->id).Msg("{}/{}: {}", dev->host->name(), dev->name, why);
  kfree_skb(skb, why);
}

enum class FragInsert { kOk, kDup, kOverlap };

// inet_frag_queue_insert() (net/ipv4/inet_fragment.c, 6.1): queued
// fragments form runs of contiguous bytes. A new fragment that lies wholly
// inside a run is a duplicate (IPFRAG_DUP: dropped, the queue kept); one
// that overlaps a run only partly is an overlap (IPFRAG_OVERLAP: the whole
// datagram is discarded, RFC 5722 and, for IPv4, since the 2018
// FragmentSmack fix).
FragInsert CheckFragInsert(const Host::FragQueue& q, uint32_t start, uint32_t end) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (const auto& piece : q.pieces) spans.emplace_back(piece.first, piece.first + static_cast<uint32_t>(piece.second.size()));
  std::sort(spans.begin(), spans.end());
  size_t i = 0;
  while (i < spans.size()) {
    uint32_t run_start = spans[i].first;
    uint32_t run_end = spans[i].second;
    for (++i; i < spans.size() && spans[i].first == run_end; ++i) run_end = spans[i].second;
    if (end <= run_start || start >= run_end) continue;
    return start >= run_start && end <= run_end ? FragInsert::kDup : FragInsert::kOverlap;
  }
  return FragInsert::kOk;
}

// ip_defrag() / ipv6_frag_rcv(): collect fragment payloads; when the
// datagram is complete, return a new linear skb holding it (the kernel
// chains the fragment skbs instead; the bytes are the same).
SkBuff* Reassemble(SkBuff* skb, NetDevice* dev, const PacketSummary& p, const std::vector<uint8_t>& bytes) {
  Host* host = dev->host;
  const std::string key = fmt::format("{}>{}/{}/{}", p.src.ToString(false), p.dst.ToString(false), p.protocol, p.ip_id);
  Host::FragQueue& q = host->frag_queues()[key];
  const uint32_t hlen = p.family == AF_INET6 ? kIpv6HdrLen + kFragHdrLen : (bytes[0] & 0xf) * 4u;
  const uint32_t frag_len = static_cast<uint32_t>(bytes.size() - hlen);
  switch (CheckFragInsert(q, p.frag_offset, p.frag_offset + frag_len)) {
    case FragInsert::kOk:
      break;
    case FragInsert::kDup:
      Drop(skb, dev, "duplicate fragment (SKB_DROP_REASON_DUP_FRAG)");
      return nullptr;
    case FragInsert::kOverlap:
      host->frag_queues().erase(key);  // inet_frag_kill()
      Drop(skb, dev, "overlapping fragment: datagram discarded (IPSTATS_MIB_REASM_OVERLAPS)");
      return nullptr;
  }
  q.pieces.emplace_back(p.frag_offset, std::vector<uint8_t>(bytes.begin() + hlen, bytes.end()));
  if (p.frag_offset == 0) q.first_header.assign(bytes.begin(), bytes.begin() + (p.family == AF_INET6 ? kIpv6HdrLen : hlen));
  if (!p.more_fragments) {
    q.have_last = true;
    q.total = p.frag_offset + static_cast<uint32_t>(bytes.size() - hlen);
  }
  consume_skb(skb);
  if (!q.have_last || q.first_header.empty()) return nullptr;
  uint32_t have = 0;
  for (const auto& piece : q.pieces) have += static_cast<uint32_t>(piece.second.size());
  if (have < q.total) return nullptr;
  std::sort(q.pieces.begin(), q.pieces.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint8_t> whole = q.first_header;
  for (const auto& piece : q.pieces) whole.insert(whole.end(), piece.second.begin(), piece.second.end());
  if (p.family == AF_INET6) {
    put_be16(&whole[4], static_cast<uint16_t>(whole.size() - kIpv6HdrLen));
    whole[6] = static_cast<uint8_t>(p.protocol);
  } else {
    put_be16(&whole[2], static_cast<uint16_t>(whole.size()));
    put_be16(&whole[6], 0);
  }
  const size_t pieces = q.pieces.size();
  host->frag_queues().erase(key);  // q dangles from here on
  World& world = host->world();
  SkBuff* n = alloc_skb(world, static_cast<uint32_t>(whole.size()), "ip_defrag reassembled");
  std::memcpy(skb_put(n, static_cast<uint32_t>(whole.size())), whole.data(), whole.size());
  n->protocol = p.family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP;
  n->dev = dev;
  ZC_TRACE(world.tracer(), "ip", p.family == AF_INET6 ? "ipv6_frag_rcv" : "ip_defrag")
      .Obj(n->id, {{"len", n->len}})
      .Msg("reassembled {} fragments", pieces);
  return n;
}

void ip_local_deliver(SkBuff* skb, NetDevice* dev) {
  std::vector<uint8_t> bytes = skb_bytes(skb);
  PacketSummary p;
  if (!ParsePacket(bytes, &p)) return Drop(skb, dev, "malformed IP header");
  if (p.is_fragment) {
    skb = Reassemble(skb, dev, p, bytes);
    if (skb == nullptr) return;
    bytes = skb_bytes(skb);
    if (!ParsePacket(bytes, &p)) return Drop(skb, dev, "malformed reassembly");
  }
  if (!dev->host->IsLocalAddress(p.dst)) return Drop(skb, dev, "not for this host (no forwarding)");
  skb->network_header = static_cast<uint16_t>(skb->data);
  if (p.protocol == IPPROTO_TCP) {
    skb->transport_header = static_cast<uint16_t>(skb->data + (p.family == AF_INET6 ? kIpv6HdrLen : kIpHdrLen));
    tcp_v4_rcv(skb, p);
    return;
  }
  if (p.protocol != IPPROTO_UDP) return Drop(skb, dev, "no handler for this protocol");
  skb->transport_header = static_cast<uint16_t>(skb->data + p.payload_offset - kUdpHdrLen);
  udp_rcv(skb, p);
}

}  // namespace

void __netif_receive_skb(SkBuff* skb, NetDevice* dev) {
  // Before the final protocol handler: a receive path must not keep user
  // pages, whatever SKBFL_DONT_ORPHAN says.
  if (skb_orphan_frags_rx(skb) != 0) return Drop(skb, dev, "skb_orphan_frags_rx failed");
  // ip_rcv_core(): skb_orphan() (veth's sender gets its wmem back only now).
  skb_orphan(skb);
  ip_local_deliver(skb, dev);
}

}  // namespace zcsim::net
