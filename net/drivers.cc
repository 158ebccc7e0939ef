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
    for (size_t k = 0; k < packets.size(); ++k) {
      const WirePacket& pkt = wire[packets[k]];
      if (pkt.seq == params_.drop_packet) {
        ZC_TRACE(world.tracer(), "dev", "wire_drop").Obj(id).Obj(d.skb->id).Msg("{}/{}: packet #{} lost on the wire", host->name(), name, pkt.seq);
      } else if (peer != nullptr) {
        NetDevice* to = peer;
        world.sim().scheduler().After(params_.wire_latency, "nic_rx", [to, bytes = std::move(frames[k])] {
          netif_receive_bytes(to, bytes, "NIC receive");
        });
      }
    }
    break;
  }
  if (!irq_pending_) {
    irq_pending_ = true;
    world.sim().scheduler().After(params_.completion_delay, "nic_tx_irq", [this] { TxCompletionIrq(); });
  }
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
  if (skb_orphan_frags(skb) != 0 || skb->len > peer->mtu + 14 + 4) {
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
