// The device drivers: a NIC with a TX ring, DMA and NAPI TX completion; the
// dummy device (drivers/net/dummy.c); loopback (drivers/net/loopback.c);
// and a veth pair (drivers/net/veth.c). 6.1 behaviour, facts in
// ../shared/design/kernel-reference.md §3.6 and the research notes.
#ifndef ZCSIM_NET_DRIVERS_H_
#define ZCSIM_NET_DRIVERS_H_

#include <deque>
#include <optional>
#include <vector>

#include "net/host.h"
#include "net/netdevice.h"
#include "net/wire_faults.h"
#include "sim/scheduler.h"

namespace zcsim::net {

// A NIC: ndo_start_xmit places the skb on a bounded TX ring (stopping the
// queue when full). The hardware reads the packet `dma_delay` later (that is
// when the wire log captures the bytes, so a buffer rewritten before then
// goes out rewritten), raises a TX-completion interrupt `completion_delay`
// after that, and NAPI reaps up to `napi_budget` finished descriptors per
// poll with napi_consume_skb. A link partner (another NIC) receives each
// packet `wire_latency` after DMA, unless a wire fault (params.faults,
// wire_faults.h) drops, duplicates, delays or holds it back.
class NicDevice : public NetDevice {
 public:
  NicDevice(Host* host, std::string name, sim::ObjectId id, int ifindex, const NicParams& params);
  int ndo_start_xmit(SkBuff* skb) override;
  bool has_qdisc() const override { return true; }
  const NicParams& params() const { return params_; }
  size_t ring_used() const { return ring_.size(); }
  const WireFaultStats& wire_fault_stats() const { return fault_stats_; }

 private:
  struct Descriptor {
    SkBuff* skb;
    bool dma_done = false;
  };
  void Dma();
  void TxCompletionIrq();
  void NapiPoll();
  // The wire: applies the packet's faults and schedules its arrival.
  void PutOnWire(const WirePacket& pkt, SkBuff* skb, std::vector<uint8_t> bytes);
  void ScheduleArrival(std::vector<uint8_t> bytes, sim::Time at);
  void ReleaseHeld(sim::Time at, uint64_t overtaker);

  // A packet held back for reordering, waiting for the next one.
  struct HeldPacket {
    uint64_t seq;
    std::vector<uint8_t> bytes;
    sim::EventHandle timeout;
  };

  NicParams params_;
  std::deque<Descriptor> ring_;
  bool irq_pending_ = false;
  std::optional<sim::Rng> fault_rng_;  // only with seeded faults
  WireFaultStats fault_stats_;
  std::deque<HeldPacket> held_;
};

class DummyDevice : public NetDevice {
 public:
  DummyDevice(Host* host, std::string name, sim::ObjectId id, int ifindex);
  int ndo_start_xmit(SkBuff* skb) override;
};

class LoopbackDevice : public NetDevice {
 public:
  LoopbackDevice(Host* host, sim::ObjectId id, int ifindex);
  int ndo_start_xmit(SkBuff* skb) override;
};

class VethDevice : public NetDevice {
 public:
  VethDevice(Host* host, std::string name, sim::ObjectId id, int ifindex);
  int ndo_start_xmit(SkBuff* skb) override;
};

// A tun device (drivers/net/tun.c) whose reader and writer is a scripted
// peer, as packetdrill drives the kernel: transmitted packets are copied out
// of user pages (COPIED), logged on the wire and consumed; the script's
// packets enter through netif_receive_bytes() (tun_get_user()).
class TunDevice : public NetDevice {
 public:
  TunDevice(Host* host, std::string name, sim::ObjectId id, int ifindex);
  int ndo_start_xmit(SkBuff* skb) override;
};

// A packet arriving from outside the host on `to` (a NIC's link partner, a
// scripted peer on a NIC, or tun_get_user()): a new skb holding `bytes` (a
// whole IP packet) enters NET_RX now.
void netif_receive_bytes(NetDevice* to, const std::vector<uint8_t>& bytes, const char* why);

// Joins two NICs by a wire, or two veths as a pair. False if the kinds do
// not match or either is already joined.
bool LinkDevices(NetDevice* a, NetDevice* b);

// netif_rx(): queue a received skb on the backlog of the CPU that runs now
// (`cpu`: the host whose code is executing); NET_RX processing happens when
// that host's softirq queue is drained.
void netif_rx(SkBuff* skb, NetDevice* dev, Host* cpu);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_DRIVERS_H_
