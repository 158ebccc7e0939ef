// struct net_device and the transmit entry point (include/linux/netdevice.h,
// net/core/dev.c, 6.1), plus the wire log every device keeps.
#ifndef ZCSIM_NET_NETDEVICE_H_
#define ZCSIM_NET_NETDEVICE_H_

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "net/inet.h"
#include "net/skbuff.h"
#include "sim/ids.h"
#include "sim/time.h"

namespace zcsim::net {

class Host;

// netdev_features_t bits (include/linux/netdev_features.h; the model keeps
// the names, not the bit positions).
inline constexpr uint64_t NETIF_F_SG = 1ull << 0;
inline constexpr uint64_t NETIF_F_IP_CSUM = 1ull << 1;
inline constexpr uint64_t NETIF_F_HW_CSUM = 1ull << 3;
inline constexpr uint64_t NETIF_F_IPV6_CSUM = 1ull << 4;
inline constexpr uint64_t NETIF_F_TSO = 1ull << 16;
inline constexpr uint64_t NETIF_F_TSO6 = 1ull << 19;
std::string NetifFeatureNames(uint64_t features);

enum class DeviceKind { kNic, kDummy, kLoopback, kVeth, kTun };
const char* DeviceKindName(DeviceKind kind);

inline constexpr int NETDEV_TX_OK = 0;
inline constexpr int NETDEV_TX_BUSY = 0x10;
inline constexpr int NET_XMIT_SUCCESS = 0;
inline constexpr int NET_XMIT_DROP = 1;

// One packet as the device put it on the wire (for a NIC: what DMA read from
// memory at that instant, checksum filled in by the hardware).
struct WirePacket {
  sim::Time time = 0;
  uint64_t seq = 0;               // 1, 2, 3 ... per device
  std::vector<uint8_t> bytes;     // the IP packet (empty if capture is off)
  uint32_t len = 0;
  uint64_t hash = 0;              // FNV-1a 64 of the bytes
  uint32_t user_page_bytes = 0;   // bytes read straight from user pages
  sim::ObjectId skb;
};

// Parsed view of a captured IPv4/IPv6 packet, for expectations and traces.
// The TCP header without options.
inline constexpr uint32_t kTcpBaseHdrLen = 20;

struct PacketSummary {
  int family = 0;
  InetAddr src;
  InetAddr dst;
  int protocol = 0;
  uint32_t ip_id = 0;
  uint32_t frag_offset = 0;  // bytes
  bool more_fragments = false;
  bool dont_fragment = false;
  bool is_fragment = false;
  uint32_t l4_len = 0;                 // bytes after the IP header(s)
  uint32_t payload_offset = 0;         // offset of the UDP payload (unfragmented/first)
  uint32_t payload_len = 0;            // UDP payload bytes in this packet
  uint16_t udp_check = 0;
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint8_t tcp_flags = 0;
  uint16_t tcp_window = 0;
  int tcp_wscale = -1;                 // the window-scale option of a SYN (-1: absent)
  int tcp_mss = -1;                    // the MSS option of a SYN (-1: absent)
  bool tcp_sack_ok = false;            // SACK-permitted offered
  // The SACK option (kind 5): up to 4 blocks [start, end) as sent.
  struct SackBlock {
    uint32_t start_seq = 0;
    uint32_t end_seq = 0;
  };
  int tcp_num_sacks = 0;
  std::array<SackBlock, 4> tcp_sacks{};
  bool tcp_check_ok = false;
  bool udp_check_ok = false;           // only meaningful for a whole datagram
  std::string ToString() const;
};
bool ParsePacket(const std::vector<uint8_t>& bytes, PacketSummary* out);

class NetDevice {
 public:
  NetDevice(Host* host, std::string name, DeviceKind kind, sim::ObjectId id, int ifindex);
  virtual ~NetDevice() = default;
  NetDevice(const NetDevice&) = delete;
  NetDevice& operator=(const NetDevice&) = delete;

  // ndo_start_xmit(): NETDEV_TX_OK (the driver owns the skb now) or
  // NETDEV_TX_BUSY (the caller keeps it).
  virtual int ndo_start_xmit(SkBuff* skb) = 0;
  // Whether dev_queue_xmit goes through a qdisc (pfifo_fast) or straight to
  // the driver (IFF_NO_QUEUE: loopback, veth, dummy).
  virtual bool has_qdisc() const { return false; }

  sim::ObjectId id;
  Host* host;
  std::string name;
  DeviceKind kind;
  int ifindex;
  uint32_t mtu = 1500;
  uint64_t features = 0;
  std::vector<InetPrefix> addrs;
  NetDevice* peer = nullptr;  // veth peer or NIC link partner
  bool queue_stopped = false;
  uint32_t tx_queue_len = 1000;
  std::deque<SkBuff*> qdisc;

  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_dropped = 0;
  uint64_t rx_packets = 0;
  uint64_t rx_dropped = 0;
  // Off (benchmarks): the wire log neither keeps nor hashes payloads. A NIC
  // with a link partner still reads them, since the partner receives them.
  bool capture_bytes = true;
  std::vector<WirePacket> wire;

  // Records `skb` on the wire log as the hardware sees it now: reads every
  // byte (frags from their pages at this instant), fills the checksum of a
  // CHECKSUM_PARTIAL packet. The log keeps the bytes only with capture on;
  // `frame`, if given, receives them either way (what a link partner gets).
  const WirePacket& LogWire(SkBuff* skb, std::vector<uint8_t>* frame = nullptr);
  // Hardware TSO: logs the MSS-sized packets the device makes of a GSO skb
  // as it reads it; returns their indices in `wire`. `frames`, if given,
  // receives each packet's bytes (for a link partner).
  std::vector<size_t> LogWireTso(SkBuff* skb, std::vector<std::vector<uint8_t>>* frames = nullptr);
};

// dev_queue_xmit(): through the qdisc or straight to the driver. Returns
// NET_XMIT_SUCCESS or NET_XMIT_DROP (the skb is consumed either way).
int dev_queue_xmit(SkBuff* skb, NetDevice* dev);
// qdisc_run() / netif_wake_queue(): feed the driver from the qdisc.
void qdisc_run(NetDevice* dev);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_NETDEVICE_H_
