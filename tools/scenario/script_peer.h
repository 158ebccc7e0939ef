// A scripted TCP peer, packetdrill style: the scenario writes each segment
// the far end sends (`< . 1:1(0) ack 4001 win 257`) and each one it expects
// from the host under test (`> P. 1:4001(4000) ack 1`), at exact virtual
// times. The peer sits behind one device of the host (a tun device, as
// packetdrill uses, or a NIC without a link partner): it reads what the
// device puts on the wire and injects its own packets into the device's
// receive path.
//
// Sequence numbers are relative, as in packetdrill: the peer's own from its
// initial sequence number (`isn=`, default 1000000), the host's from the
// sequence number of the first SYN the host sends (learned when a `>` line
// matches it).
#ifndef ZCSIM_TOOLS_SCENARIO_SCRIPT_PEER_H_
#define ZCSIM_TOOLS_SCENARIO_SCRIPT_PEER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/inet.h"
#include "net/netdevice.h"
#include "sim/time.h"

namespace zcsim::scenario {

// One TCP option as written in `<mss 1000,sackOK,nop,wscale 7>` or
// `<nop,nop,sack 1001:2001 3001:4001>` (SACK blocks, relative to the ISN of
// the side whose data they acknowledge).
struct ScriptOption {
  enum class Kind { kNop, kMss, kWscale, kSackOk, kSack };
  Kind kind = Kind::kNop;
  uint32_t value = 0;
  std::vector<std::pair<uint32_t, uint32_t>> blocks;  // kSack: [start, end) pairs
  bool operator==(const ScriptOption& o) const { return kind == o.kind && value == o.value && blocks == o.blocks; }
};
std::string FormatOptions(const std::vector<ScriptOption>& options);

// One `<` or `>` line.
struct ScriptSegment {
  bool inbound = false;  // `<`: the peer sends it
  uint8_t flags = 0;     // TCPHDR_* bits
  uint32_t start = 0;    // relative sequence numbers: start:end(len)
  uint32_t end = 0;
  std::optional<uint32_t> ack;  // relative to the other side's ISN
  std::optional<uint32_t> win;  // the raw 16-bit window field
  std::optional<std::vector<ScriptOption>> options;
};
// "S.", "P.", ".", "F.", "R" ... from TCPHDR_* bits.
std::string FormatFlags(uint8_t flags);
std::string FormatSegment(const ScriptSegment& s);

// The peer's state while a scenario runs.
struct ScriptPeer {
  std::string host;
  std::string dev;
  net::InetAddr local;   // the host under test's end
  net::InetAddr remote;  // the peer's end
  bool local_port_known = false;
  uint32_t remote_isn = 1000000;
  std::optional<uint32_t> local_isn;
  size_t next_outbound = 0;  // index of the first wire packet not yet matched
  uint16_t ip_id = 0;
};

// The IP packet for an inbound line (checksums filled in; payload bytes are
// zero, as packetdrill's are).
std::vector<uint8_t> BuildInbound(ScriptPeer& peer, const ScriptSegment& s);

// What a wire packet is in the peer's notation (`> P. 1:4001(4000) ack 1 win
// 256`), relative to the ISNs known so far.
std::string DescribeOutbound(const ScriptPeer& peer, const net::WirePacket& pkt);

// Checks one wire packet against a `>` line; learns the host's ISN (and
// port) from its first SYN. Returns why it does not match.
std::optional<std::string> MatchOutbound(ScriptPeer& peer, const ScriptSegment& s, const net::WirePacket& pkt,
                                         sim::Time now);

}  // namespace zcsim::scenario

#endif  // ZCSIM_TOOLS_SCENARIO_SCRIPT_PEER_H_
