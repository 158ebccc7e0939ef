// dev_queue_xmit and the qdisc (net/core/dev.c, net/sched/sch_generic.c,
// 6.1), the wire log, and a parser for captured packets.
#include "net/netdevice.h"

#include <cstring>

#include "net/checksum.h"
#include "net/gso.h"
#include "net/host.h"
#include "net/ip_output.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

uint64_t Fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The hardware's checksum offload: complete the checksum that
// CHECKSUM_PARTIAL left seeded with the pseudo-header, over the bytes as
// they are now.
void HwChecksum(SkBuff* skb, std::vector<uint8_t>* bytes) {
  const uint32_t start = skb->csum_start - skb->data;
  const uint32_t at = start + skb->csum_offset;
  if (at + 2 > bytes->size()) return;
  const uint32_t sum = csum_partial(bytes->data() + start, bytes->size() - start, 0);
  uint16_t check = csum_fold(sum);
  if (check == 0) check = 0xffff;  // CSUM_MANGLED_0 for UDP
  put_be16(bytes->data() + at, check);
}

}  // namespace

std::string NetifFeatureNames(uint64_t features) {
  static constexpr struct {
    uint64_t bit;
    const char* name;
  } kNames[] = {{NETIF_F_SG, "sg"},           {NETIF_F_IP_CSUM, "ip_csum"},
                {NETIF_F_HW_CSUM, "hw_csum"}, {NETIF_F_IPV6_CSUM, "ipv6_csum"},
                {NETIF_F_TSO, "tso"},         {NETIF_F_TSO6, "tso6"}};
  std::string out;
  for (const auto& n : kNames) {
    if (features & n.bit) {
      if (!out.empty()) out += ',';
      out += n.name;
    }
  }
  return out.empty() ? "none" : out;
}

const char* DeviceKindName(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kNic:
      return "nic";
    case DeviceKind::kDummy:
      return "dummy";
    case DeviceKind::kLoopback:
      return "loopback";
    case DeviceKind::kVeth:
      return "veth";
    case DeviceKind::kTun:
      return "tun";
  }
  return "?";
}

NetDevice::NetDevice(Host* host_, std::string name_, DeviceKind kind_, sim::ObjectId id_,
                     int ifindex_)
    : id(id_), host(host_), name(std::move(name_)), kind(kind_), ifindex(ifindex_) {}

const WirePacket& NetDevice::LogWire(SkBuff* skb, std::vector<uint8_t>* frame) {
  WirePacket pkt;
  pkt.time = host->world().now();
  pkt.seq = wire.size() + 1;
  pkt.len = skb->len;
  pkt.skb = skb->id;
  for (int i = 0; i < skb->shinfo->nr_frags; ++i) {
    if (skb->shinfo->frags[i].page->user) pkt.user_page_bytes += skb->shinfo->frags[i].len;
  }
  // With capture off (benchmarks) the log neither keeps nor hashes the
  // payload: a send of N segments would otherwise hold N packets' bytes until
  // the log is cleared.
  if (capture_bytes || frame != nullptr) {
    std::vector<uint8_t> bytes = skb_bytes(skb);
    if (skb->ip_summed == CHECKSUM_PARTIAL) HwChecksum(skb, &bytes);
    if (capture_bytes) {
      pkt.hash = Fnv1a(bytes.data(), bytes.size());
      pkt.bytes = frame != nullptr ? bytes : std::move(bytes);
    }
    if (frame != nullptr) *frame = std::move(bytes);
  }
  wire.push_back(std::move(pkt));
  const WirePacket& w = wire.back();
  ZC_TRACE(host->world().tracer(), "dev", "wire")
      .Obj(id)
      .Obj(skb->id, {{"len", skb->len}})
      .Msg("{}/{} #{} {} bytes ({} read from user pages) hash {:016x}", host->name(), name, w.seq,
           w.len, w.user_page_bytes, w.hash);
  return w;
}

namespace {

// validate_xmit_skb() -> netif_needs_gso(): the device cannot cut this GSO
// skb itself.
bool NeedsSoftwareGso(const SkBuff* skb, const NetDevice* dev) {
  if (!skb_is_gso(skb)) return false;
  return !(dev->features & (skb->protocol == ETH_P_IPV6 ? NETIF_F_TSO6 : NETIF_F_TSO));
}

}  // namespace

std::vector<size_t> NetDevice::LogWireTso(SkBuff* skb, std::vector<std::vector<uint8_t>>* frames) {
  std::vector<size_t> logged;
  const bool read_bytes = capture_bytes || frames != nullptr;
  std::vector<TsoPacket> packets = read_bytes ? tso_segment_bytes(skb) : std::vector<TsoPacket>{};
  const uint32_t mss = skb->shinfo->gso_size;
  const uint32_t count = read_bytes ? static_cast<uint32_t>(packets.size()) : skb->shinfo->gso_segs;
  const uint32_t hdr_len = skb_headlen(skb);
  for (uint32_t i = 0; i < count; ++i) {
    WirePacket pkt;
    pkt.time = host->world().now();
    pkt.seq = wire.size() + 1;
    pkt.skb = skb->id;
    if (read_bytes) {
      pkt.len = static_cast<uint32_t>(packets[i].bytes.size());
      pkt.user_page_bytes = packets[i].user_page_bytes;
      if (capture_bytes) {
        pkt.hash = Fnv1a(packets[i].bytes.data(), packets[i].bytes.size());
        pkt.bytes = frames != nullptr ? packets[i].bytes : std::move(packets[i].bytes);
      }
      if (frames != nullptr) frames->push_back(std::move(packets[i].bytes));
    } else {
      pkt.len = hdr_len + std::min(mss, skb->len - hdr_len - i * mss);
    }
    wire.push_back(std::move(pkt));
    const WirePacket& w = wire.back();
    ZC_TRACE(host->world().tracer(), "dev", "wire")
        .Obj(id)
        .Obj(skb->id, {{"len", skb->len}})
        .Msg("{}/{} #{} {} bytes (TSO segment {} of {}; {} read from user pages) hash {:016x}", host->name(), name,
             w.seq, w.len, i + 1, count, w.user_page_bytes, w.hash);
    logged.push_back(wire.size() - 1);
  }
  return logged;
}

int dev_queue_xmit(SkBuff* skb, NetDevice* dev) {
  if (NeedsSoftwareGso(skb, dev)) {
    SkBuff* segs = skb_gso_segment(skb);
    int rc = NET_XMIT_SUCCESS;
    while (segs != nullptr) {
      SkBuff* next = segs->next;
      segs->next = nullptr;
      if (dev_queue_xmit(segs, dev) != NET_XMIT_SUCCESS) rc = NET_XMIT_DROP;
      segs = next;
    }
    return rc;
  }
  World& world = dev->host->world();
  skb->dev = dev;
  if (!dev->has_qdisc()) {
    // IFF_NO_QUEUE: straight to the driver (dev_hard_start_xmit).
    const int rc = dev->ndo_start_xmit(skb);
    if (rc != NETDEV_TX_OK) {
      ++dev->tx_dropped;
      kfree_skb(skb, "no queue and driver busy");
      return NET_XMIT_DROP;
    }
  } else if (dev->qdisc.size() >= dev->tx_queue_len) {
    ++dev->tx_dropped;
    ZC_TRACE(world.tracer(), "dev", "qdisc_drop")
        .Obj(dev->id)
        .Obj(skb->id)
        .Msg("{} qdisc full ({} packets)", dev->name, dev->qdisc.size());
    kfree_skb(skb, "qdisc full");
    return NET_XMIT_DROP;
  } else {
    dev->qdisc.push_back(skb);
    qdisc_run(dev);
  }
  // rcu_read_unlock_bh(): pending softirqs (e.g. loopback's NET_RX) run now,
  // still inside the sender's system call.
  dev->host->softirq().Drain();
  return NET_XMIT_SUCCESS;
}

void qdisc_run(NetDevice* dev) {
  while (!dev->queue_stopped && !dev->qdisc.empty()) {
    SkBuff* skb = dev->qdisc.front();
    dev->qdisc.pop_front();
    if (dev->ndo_start_xmit(skb) != NETDEV_TX_OK) {
      dev->qdisc.push_front(skb);  // dev_requeue_skb()
      break;
    }
  }
}

std::string PacketSummary::ToString() const {
  const bool ports = (protocol == IPPROTO_UDP || protocol == IPPROTO_TCP) && !is_fragment;
  std::string s = fmt::format("{} > {} proto {}", src.ToString(ports), dst.ToString(ports), protocol);
  if (protocol == IPPROTO_TCP) s += fmt::format(" seq {} ack {} flags {:#x} payload {}", tcp_seq, tcp_ack, tcp_flags, payload_len);
  if (is_fragment) s += fmt::format(" frag id {} off {}{}", ip_id, frag_offset, more_fragments ? " MF" : "");
  if (protocol == IPPROTO_UDP && (!is_fragment || frag_offset == 0)) s += fmt::format(" udp payload {}", payload_len);
  return s;
}

bool ParsePacket(const std::vector<uint8_t>& b, PacketSummary* out) {
  PacketSummary p;
  if (b.empty()) return false;
  const int version = b[0] >> 4;
  uint32_t l4 = 0;
  if (version == 4) {
    if (b.size() < kIpHdrLen) return false;
    const uint32_t ihl = (b[0] & 0xf) * 4u;
    if (ihl < kIpHdrLen || b.size() < ihl) return false;
    p.family = AF_INET;
    p.src.family = p.dst.family = AF_INET;
    std::memcpy(p.src.addr.data(), &b[12], 4);
    std::memcpy(p.dst.addr.data(), &b[16], 4);
    p.protocol = b[9];
    p.ip_id = get_be16(&b[4]);
    const uint16_t fo = get_be16(&b[6]);
    p.dont_fragment = fo & 0x4000;
    p.more_fragments = fo & 0x2000;
    p.frag_offset = (fo & 0x1fff) * 8u;
    p.is_fragment = p.more_fragments || p.frag_offset != 0;
    l4 = ihl;
  } else if (version == 6) {
    if (b.size() < kIpv6HdrLen) return false;
    p.family = AF_INET6;
    p.src.family = p.dst.family = AF_INET6;
    std::memcpy(p.src.addr.data(), &b[8], 16);
    std::memcpy(p.dst.addr.data(), &b[24], 16);
    p.protocol = b[6];
    l4 = kIpv6HdrLen;
    if (p.protocol == IPPROTO_FRAGMENT) {
      if (b.size() < l4 + kFragHdrLen) return false;
      p.protocol = b[l4];
      const uint16_t off = get_be16(&b[l4 + 2]);
      p.frag_offset = off & 0xfff8;
      p.more_fragments = off & 1;
      p.ip_id = get_be32(&b[l4 + 4]);
      p.is_fragment = true;
      l4 += kFragHdrLen;
    }
  } else {
    return false;
  }
  p.l4_len = static_cast<uint32_t>(b.size()) - l4;
  if (p.protocol == IPPROTO_TCP && !p.is_fragment && p.l4_len >= 20) {
    p.src.port = get_be16(&b[l4]);
    p.dst.port = get_be16(&b[l4 + 2]);
    p.tcp_seq = get_be32(&b[l4 + 4]);
    p.tcp_ack = get_be32(&b[l4 + 8]);
    const uint32_t doff = (b[l4 + 12] >> 4) * 4u;
    p.tcp_flags = b[l4 + 13];
    p.tcp_window = get_be16(&b[l4 + 14]);
    if (doff < kTcpBaseHdrLen || doff > p.l4_len) return false;
    p.payload_offset = l4 + doff;
    p.payload_len = p.l4_len - doff;
    // tcp_parse_options(): MSS (kind 2), window scale (kind 3) and
    // SACK-permitted (kind 4) and SACK blocks (kind 5, 2 + 8n bytes);
    // timestamps are skipped.
    for (uint32_t o = l4 + kTcpBaseHdrLen; o < l4 + doff;) {
      const uint8_t kind = b[o];
      if (kind == 0) break;  // end of options
      if (kind == 1) {       // NOP
        ++o;
        continue;
      }
      if (o + 1 >= l4 + doff || b[o + 1] < 2 || o + b[o + 1] > l4 + doff) break;
      if (kind == 2 && b[o + 1] == 4) p.tcp_mss = get_be16(&b[o + 2]);
      if (kind == 3 && b[o + 1] == 3) p.tcp_wscale = std::min<int>(b[o + 2], 14);
      if (kind == 4 && b[o + 1] == 2) p.tcp_sack_ok = true;
      if (kind == 5 && b[o + 1] >= 10 && (b[o + 1] - 2) % 8 == 0) {
        p.tcp_num_sacks = std::min<int>((b[o + 1] - 2) / 8, static_cast<int>(p.tcp_sacks.size()));
        for (int i = 0; i < p.tcp_num_sacks; ++i) {
          p.tcp_sacks[static_cast<size_t>(i)] = {get_be32(&b[o + 2 + 8 * i]), get_be32(&b[o + 6 + 8 * i])};
        }
      }
      o += b[o + 1];
    }
    p.tcp_check_ok = csum_magic(p.src, p.dst, p.l4_len, IPPROTO_TCP, csum_partial(&b[l4], p.l4_len, 0)) == 0;
  }
  if (p.protocol == IPPROTO_UDP && p.frag_offset == 0 && p.l4_len >= kUdpHdrLen) {
    p.src.port = get_be16(&b[l4]);
    p.dst.port = get_be16(&b[l4 + 2]);
    p.udp_check = get_be16(&b[l4 + 6]);
    p.payload_offset = l4 + kUdpHdrLen;
    p.payload_len = p.l4_len - kUdpHdrLen;
    if (!p.is_fragment) {
      const uint32_t sum = csum_partial(&b[l4], p.l4_len, 0);
      p.udp_check_ok = p.udp_check == 0 || csum_magic(p.src, p.dst, p.l4_len, IPPROTO_UDP, sum) == 0;
    }
  }
  *out = p;
  return true;
}

}  // namespace zcsim::net
