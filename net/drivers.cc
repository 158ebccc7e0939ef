#include "net/drivers.h"

#include <cstring>

#include "net/gso.h"
#include "net/ip_input.h"
#include "net/ip_output.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {

// ---------------------------------------------------------------- NIC

NicDevice::NicDevice(Host* host, std::string name, sim::ObjectId id, int ifindex,
                     const NicParams& params)
    : NetDevice(host, std::move(name), DeviceKind::kNic, id, ifindex), params_(params) {
  features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_TSO | NETIF_F_TSO6;
  // Seeded faults draw from their own stream, forked once here (or seeded
  // by fault_seed), so that they follow this device's packet order only and
  // never shift the draws of the rest of the world (ports, ISNs) once
  // running.
  if (params_.faults.seeded()) {
    fault_rng_.emplace(params_.faults.seed != 0 ? sim::Rng(params_.faults.seed) : host->world().sim().rng().Fork());
  }
}

int NicDevice::ndo_start_xmit(SkBuff* skb) {
  World& world = host->world();
  if (ring_.size() >= params_.tx_ring) {
    queue_stopped = true;  // should not happen: we stop before the ring fills
    return NETDEV_TX_BUSY;
  }
  ring_.push_back({skb, false});
  world.sim().costs().Charge(sim::Cost::kDmaSegment, (skb_headlen(skb) > 0 ? 1 : 0) + skb->shinfo->nr_frags);
  ++tx_packets;
  tx_bytes += skb->len;
  ZC_TRACE(world.tracer(), "dev", "ndo_start_xmit")
      .Obj(id, {{"ring", static_cast<int64_t>(ring_.size())}})
      .Obj(skb->id, {{"len", skb->len}, {"users", skb->users}})
      .Msg("{}/{}: descriptor queued, DMA in {}", host->name(), name, sim::FormatDuration(params_.dma_delay));
  world.sim().scheduler().After(params_.dma_delay, "nic_dma", [this] { Dma(); });
  if (ring_.size() >= params_.tx_ring) {
    queue_stopped = true;  // netif_stop_queue()
    ZC_TRACE(world.tracer(), "dev", "netif_stop_queue").Obj(id).Msg("TX ring full");
  }
  return NETDEV_TX_OK;
}

void NicDevice::Dma() {
  World& world = host->world();
  // DMA completes descriptors in ring order; find the oldest not yet read.
  for (Descriptor& d : ring_) {
    if (d.dma_done) continue;
    d.dma_done = true;
    // With TSO the hardware cuts a GSO skb into MSS-sized packets as it
    // reads it; each is a packet of its own on the wire.
    std::vector<std::vector<uint8_t>> frames;
    std::vector<size_t> packets;
    if (skb_is_gso(d.skb)) {
      packets = LogWireTso(d.skb, peer != nullptr ? &frames : nullptr);
    } else {
      frames.emplace_back();
      packets.push_back(static_cast<size_t>(LogWire(d.skb, peer != nullptr ? &frames.back() : nullptr).seq - 1));
    }
    frames.resize(packets.size());
    for (size_t k = 0; k < packets.size(); ++k) PutOnWire(wire[packets[k]], d.skb, std::move(frames[k]));
    break;
  }
  if (!irq_pending_) {
    irq_pending_ = true;
    world.sim().scheduler().After(params_.completion_delay, "nic_tx_irq", [this] { TxCompletionIrq(); });
  }
}

// The packet leaves the NIC; its fate on the wire decides whether, when and
// how often the link partner receives it. Every fault is traced and counted.
void NicDevice::PutOnWire(const WirePacket& pkt, SkBuff* skb, std::vector<uint8_t> bytes) {
  World& world = host->world();
  const WireFate fate = DecideWireFate(params_.faults, pkt.seq, fault_rng_ ? &*fault_rng_ : nullptr);
  const sim::Time arrival = world.now() + params_.wire_latency + fate.delay;
  if (fate.drop) {
    ++fault_stats_.dropped;
    ZC_TRACE(world.tracer(), "dev", "wire_drop").Obj(id).Obj(skb->id).Msg("{}/{}: packet #{} lost on the wire{}", host->name(), name, pkt.seq, fate.drop_drawn ? " (loss=)" : "");
    ReleaseHeld(arrival, pkt.seq);  // a packet held for reordering still goes after this one's slot
    return;
  }
  if (peer == nullptr) return;
  if (fate.delay > 0) {
    ++fault_stats_.delayed;
    ZC_TRACE(world.tracer(), "dev", "wire_delay").Obj(id).Obj(skb->id).Msg("{}/{}: packet #{} delayed by {}{}", host->name(), name, pkt.seq, sim::FormatDuration(fate.delay), fate.jitter > 0 ? " (jitter)" : "");
  }
  if (fate.hold) {
    ++fault_stats_.reordered;
    ZC_TRACE(world.tracer(), "dev", "wire_reorder").Obj(id).Obj(skb->id).Msg("{}/{}: packet #{} held back until the next packet", host->name(), name, pkt.seq);
    const uint64_t seq = pkt.seq;
    sim::EventHandle timeout = world.sim().scheduler().At(arrival + kWireReorderMaxHold, "wire_reorder_timeout", [this, seq] {
      // No packet followed: the held one goes now, late but not reordered.
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->seq != seq) continue;
        ScheduleArrival(std::move(it->bytes), host->world().now());
        held_.erase(it);
        return;
      }
    });
    held_.push_back({pkt.seq, std::move(bytes), timeout});
    return;
  }
  if (fate.dup) {
    ++fault_stats_.duplicated;
    ZC_TRACE(world.tracer(), "dev", "wire_dup").Obj(id).Obj(skb->id).Msg("{}/{}: packet #{} duplicated, copy {} after it", host->name(), name, pkt.seq, sim::FormatDuration(fate.dup_gap));
    ScheduleArrival(bytes, arrival);
    ScheduleArrival(std::move(bytes), arrival + fate.dup_gap);
  } else {
    ScheduleArrival(std::move(bytes), arrival);
  }
  ReleaseHeld(arrival, pkt.seq);
}

// Packets held back for reordering arrive right after the packet that
// overtook them (same instant, scheduled later, so later).
void NicDevice::ReleaseHeld(sim::Time at, uint64_t overtaker) {
  World& world = host->world();
  while (!held_.empty()) {
    HeldPacket h = std::move(held_.front());
    held_.pop_front();
    world.sim().scheduler().Cancel(h.timeout);
    ZC_TRACE(world.tracer(), "dev", "wire_reorder").Obj(id).Msg("{}/{}: packet #{} released behind packet #{}", host->name(), name, h.seq, overtaker);
    ScheduleArrival(std::move(h.bytes), at);
  }
}

// The link partner receives the bytes at `at`: a fresh skb, netif_rx, and
// NET_RX at irq exit.
void NicDevice::ScheduleArrival(std::vector<uint8_t> bytes, sim::Time at) {
  NetDevice* to = peer;
  host->world().sim().scheduler().At(at, "nic_rx",
                                     [to, bytes = std::move(bytes)] { netif_receive_bytes(to, bytes, "NIC receive"); });
}

void NicDevice::TxCompletionIrq() {
  irq_pending_ = false;
  // napi_schedule(): the poll runs in NET_RX softirq at irq exit.
  host->softirq().Add("napi_poll (tx clean)", [this] { NapiPoll(); });
  host->softirq().Drain();
}

void NicDevice::NapiPoll() {
  World& world = host->world();
  uint32_t done = 0;
  while (!ring_.empty() && ring_.front().dma_done && done < params_.napi_budget) {
    SkBuff* skb = ring_.front().skb;
    ring_.pop_front();
    ++done;
    ZC_TRACE(world.tracer(), "dev", "napi_consume_skb")
        .Obj(id, {{"ring", static_cast<int64_t>(ring_.size())}})
        .Obj(skb->id)
        .Msg("{}/{}: TX completion", host->name(), name);
    consume_skb(skb);
  }
  if (done == params_.napi_budget && !ring_.empty() && ring_.front().dma_done) {
    host->softirq().Add("napi_poll (tx clean)", [this] { NapiPoll(); });  // budget spent: repoll
  } else if (!ring_.empty() && !irq_pending_) {
    irq_pending_ = true;
    world.sim().scheduler().After(params_.completion_delay, "nic_tx_irq", [this] { TxCompletionIrq(); });
  }
  if (queue_stopped && ring_.size() < params_.tx_ring) {
    queue_stopped = false;  // netif_wake_queue()
    qdisc_run(this);
  }
}

// ---------------------------------------------------------------- dummy

DummyDevice::DummyDevice(Host* host, std::string name, sim::ObjectId id, int ifindex)
    : NetDevice(host, std::move(name), DeviceKind::kDummy, id, ifindex) {
  features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6;
}

int DummyDevice::ndo_start_xmit(SkBuff* skb) {
  ++tx_packets;
  tx_bytes += skb->len;
  LogWire(skb);
  consume_skb(skb);  // dev_kfree_skb(): wmem first, then the ubuf with success
  return NETDEV_TX_OK;
}

// ---------------------------------------------------------------- loopback

LoopbackDevice::LoopbackDevice(Host* host, sim::ObjectId id, int ifindex)
    : NetDevice(host, "lo", DeviceKind::kLoopback, id, ifindex) {
  mtu = 65536;
  features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6;
}

int LoopbackDevice::ndo_start_xmit(SkBuff* skb) {
  ++tx_packets;
  tx_bytes += skb->len;
  LogWire(skb);
  skb_orphan(skb);  // the sender's wmem is released here, at transmit
  ++rx_packets;
  netif_rx(skb, this, host);
  return NETDEV_TX_OK;
}

// ---------------------------------------------------------------- veth

VethDevice::VethDevice(Host* host, std::string name, sim::ObjectId id, int ifindex)
    : NetDevice(host, std::move(name), DeviceKind::kVeth, id, ifindex) {
  features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6;
}

int VethDevice::ndo_start_xmit(SkBuff* skb) {
  World& world = host->world();
  ++tx_packets;
  tx_bytes += skb->len;
  LogWire(skb);
  if (peer == nullptr) {
    kfree_skb(skb, "veth without peer");
    return NETDEV_TX_OK;
  }
  // ____dev_forward_skb(): skb_orphan_frags (not _rx): DONT_ORPHAN ubufs are
  // not copied here; the copy happens on the peer's receive path.
  // is_skb_forwardable() (net/core/dev.c, 6.1): longer than the peer's MTU
  // is fine for a GSO skb, which the peer may forward unsegmented.
  const bool too_long = skb->len > peer->mtu + 14 + 4 && !skb_is_gso(skb);
  if (skb_orphan_frags(skb) != 0 || too_long) {
    ++tx_dropped;
    kfree_skb(skb, "veth forward");
    return NETDEV_TX_OK;
  }
  ZC_TRACE(world.tracer(), "dev", "veth_xmit")
      .Obj(skb->id)
      .Msg("{}/{} -> {}/{}", host->name(), name, peer->host->name(), peer->name);
  ++peer->rx_packets;
  // __netif_rx() queues on *this* CPU's backlog: the peer's receive path runs
  // in our softirq, still inside the sender's dev_queue_xmit.
  netif_rx(skb, peer, host);
  return NETDEV_TX_OK;
}

// ---------------------------------------------------------------- tun

TunDevice::TunDevice(Host* host, std::string name, sim::ObjectId id, int ifindex)
    : NetDevice(host, std::move(name), DeviceKind::kTun, id, ifindex) {
  // packetdrill turns on TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6: the reader
  // takes GSO packets whole.
  features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6;
}

int TunDevice::ndo_start_xmit(SkBuff* skb) {
  World& world = host->world();
  ++tx_packets;
  tx_bytes += skb->len;
  // tun_net_xmit() (6.1): the reader may hold the packet for any time, so
  // user frags are copied now (skb_orphan_frags_rx: MSG_ZEROCOPY reports
  // COPIED, as every packetdrill zerocopy test expects) and the socket's
  // memory is released (skb_orphan).
  if (skb_orphan_frags_rx(skb) != 0) {
    ++tx_dropped;
    kfree_skb(skb, "tun: skb_orphan_frags_rx failed");
    return NETDEV_TX_OK;
  }
  skb_orphan(skb);
  const WirePacket& pkt = LogWire(skb);
  ZC_TRACE(world.tracer(), "dev", "tun_net_xmit")
      .Obj(id)
      .Obj(skb->id)
      .Msg("{}/{}: packet #{} to the reader", host->name(), name, pkt.seq);
  // tun_do_read(): the reader (a scripted peer) takes it at once.
  consume_skb(skb);
  return NETDEV_TX_OK;
}

void netif_receive_bytes(NetDevice* to, const std::vector<uint8_t>& bytes, const char* why) {
  World& w = to->host->world();
  SkBuff* rx = alloc_skb(w, static_cast<uint32_t>(bytes.size()) + kHhLen, why);
  skb_reserve(rx, kHhLen);
  std::memcpy(skb_put(rx, static_cast<uint32_t>(bytes.size())), bytes.data(), bytes.size());
  rx->protocol = (bytes[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP;
  ++to->rx_packets;
  netif_rx(rx, to, to->host);
  to->host->softirq().Drain();  // irq exit (or tun_get_user's local_bh_enable): NET_RX runs
}

bool LinkDevices(NetDevice* a, NetDevice* b) {
  if (a == b || a->kind != b->kind || a->peer != nullptr || b->peer != nullptr) return false;
  if (a->kind != DeviceKind::kNic && a->kind != DeviceKind::kVeth) return false;
  a->peer = b;
  b->peer = a;
  return true;
}

void netif_rx(SkBuff* skb, NetDevice* dev, Host* cpu) {
  skb->dev = dev;
  cpu->softirq().Add("net_rx_action", [skb, dev] { __netif_receive_skb(skb, dev); });
}

}  // namespace zcsim::net
