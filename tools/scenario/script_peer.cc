#include "tools/scenario/script_peer.h"

#include <fmt/format.h>

#include <cstring>

#include "net/checksum.h"
#include "net/ip_output.h"
#include "net/tcp.h"
#include "net/uapi.h"

namespace zcsim::scenario {
namespace {

constexpr uint32_t kTcpOptNop = 1;
constexpr uint32_t kTcpOptMss = 2;
constexpr uint32_t kTcpOptWscale = 3;
constexpr uint32_t kTcpOptSackOk = 4;
constexpr uint32_t kTcpOptSack = 5;

void AppendBe32(uint32_t v, std::vector<uint8_t>* out) {
  out->insert(out->end(), {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                           static_cast<uint8_t>(v)});
}

// `sack_base`: the host's ISN, which an inbound line's SACK blocks are
// relative to.
void AppendOptions(const std::vector<ScriptOption>& options, uint32_t sack_base, std::vector<uint8_t>* out) {
  for (const ScriptOption& o : options) {
    switch (o.kind) {
      case ScriptOption::Kind::kNop:
        out->push_back(kTcpOptNop);
        break;
      case ScriptOption::Kind::kMss:
        out->insert(out->end(), {kTcpOptMss, 4, static_cast<uint8_t>(o.value >> 8), static_cast<uint8_t>(o.value)});
        break;
      case ScriptOption::Kind::kWscale:
        out->insert(out->end(), {kTcpOptWscale, 3, static_cast<uint8_t>(o.value)});
        break;
      case ScriptOption::Kind::kSackOk:
        out->insert(out->end(), {kTcpOptSackOk, 2});
        break;
      case ScriptOption::Kind::kSack:
        out->insert(out->end(), {kTcpOptSack, static_cast<uint8_t>(2 + 8 * o.blocks.size())});
        for (const auto& [start, end] : o.blocks) {
          AppendBe32(sack_base + start, out);
          AppendBe32(sack_base + end, out);
        }
        break;
    }
  }
  while (out->size() % 4 != 0) out->push_back(0);  // end-of-options padding
}

// The options of a captured TCP header, in order; kinds the script cannot
// name come back as nullopt. SACK blocks are made relative to `sack_base`.
std::optional<std::vector<ScriptOption>> ReadOptions(const std::vector<uint8_t>& b, const net::PacketSummary& p,
                                                     uint32_t sack_base) {
  const uint32_t l4 = static_cast<uint32_t>(b.size()) - p.l4_len;
  std::vector<ScriptOption> out;
  for (uint32_t o = l4 + net::kTcpBaseHdrLen; o < p.payload_offset;) {
    const uint8_t kind = b[o];
    if (kind == 0) break;
    if (kind == kTcpOptNop) {
      out.push_back({ScriptOption::Kind::kNop, 0, {}});
      ++o;
      continue;
    }
    if (o + 1 >= p.payload_offset || b[o + 1] < 2 || o + b[o + 1] > p.payload_offset) return std::nullopt;
    if (kind == kTcpOptMss && b[o + 1] == 4) {
      out.push_back({ScriptOption::Kind::kMss, net::get_be16(&b[o + 2]), {}});
    } else if (kind == kTcpOptWscale && b[o + 1] == 3) {
      out.push_back({ScriptOption::Kind::kWscale, b[o + 2], {}});
    } else if (kind == kTcpOptSackOk && b[o + 1] == 2) {
      out.push_back({ScriptOption::Kind::kSackOk, 0, {}});
    } else if (kind == kTcpOptSack && b[o + 1] >= 10 && (b[o + 1] - 2) % 8 == 0) {
      ScriptOption sack{ScriptOption::Kind::kSack, 0, {}};
      for (uint32_t at = o + 2; at < o + b[o + 1]; at += 8) {
        sack.blocks.emplace_back(net::get_be32(&b[at]) - sack_base, net::get_be32(&b[at + 4]) - sack_base);
      }
      out.push_back(sack);
    } else {
      return std::nullopt;
    }
    o += b[o + 1];
  }
  return out;
}

void PutIpHeader(const ScriptPeer& peer, uint32_t l4_len, std::vector<uint8_t>* b) {
  if (peer.remote.family == AF_INET) {
    b->assign(net::kIpHdrLen, 0);
    uint8_t* h = b->data();
    h[0] = 0x45;
    net::put_be16(h + 2, static_cast<uint16_t>(net::kIpHdrLen + l4_len));
    net::put_be16(h + 4, peer.ip_id);
    net::put_be16(h + 6, 0x4000);  // DF
    h[8] = 64;
    h[9] = IPPROTO_TCP;
    std::memcpy(h + 12, peer.remote.addr.data(), 4);
    std::memcpy(h + 16, peer.local.addr.data(), 4);
    net::put_be16(h + 10, net::csum_fold(net::csum_partial(h, net::kIpHdrLen, 0)));
    return;
  }
  b->assign(net::kIpv6HdrLen, 0);
  uint8_t* h = b->data();
  h[0] = 0x60;
  net::put_be16(h + 4, static_cast<uint16_t>(l4_len));
  h[6] = IPPROTO_TCP;
  h[7] = 64;
  std::memcpy(h + 8, peer.remote.addr.data(), 16);
  std::memcpy(h + 24, peer.local.addr.data(), 16);
}

}  // namespace

std::string FormatOptions(const std::vector<ScriptOption>& options) {
  std::string s = "<";
  for (const ScriptOption& o : options) {
    if (s.size() > 1) s += ',';
    switch (o.kind) {
      case ScriptOption::Kind::kNop:
        s += "nop";
        break;
      case ScriptOption::Kind::kMss:
        s += fmt::format("mss {}", o.value);
        break;
      case ScriptOption::Kind::kWscale:
        s += fmt::format("wscale {}", o.value);
        break;
      case ScriptOption::Kind::kSackOk:
        s += "sackOK";
        break;
      case ScriptOption::Kind::kSack:
        s += "sack";
        for (const auto& [start, end] : o.blocks) s += fmt::format(" {}:{}", start, end);
        break;
    }
  }
  return s + ">";
}

std::string FormatFlags(uint8_t flags) {
  std::string s;
  if (flags & net::TCPHDR_SYN) s += 'S';
  if (flags & net::TCPHDR_FIN) s += 'F';
  if (flags & net::TCPHDR_RST) s += 'R';
  if (flags & net::TCPHDR_PSH) s += 'P';
  if (flags & net::TCPHDR_ACK) s += '.';
  return s.empty() ? "-" : s;
}

std::string FormatSegment(const ScriptSegment& s) {
  std::string out = fmt::format("{} {} {}:{}({})", s.inbound ? '<' : '>', FormatFlags(s.flags), s.start, s.end,
                                s.end - s.start);
  if (s.ack) out += fmt::format(" ack {}", *s.ack);
  if (s.win) out += fmt::format(" win {}", *s.win);
  if (s.options) out += " " + FormatOptions(*s.options);
  return out;
}

std::vector<uint8_t> BuildInbound(ScriptPeer& peer, const ScriptSegment& s) {
  std::vector<uint8_t> tcp(net::kTcpBaseHdrLen, 0);
  if (s.options) AppendOptions(*s.options, peer.local_isn.value_or(0), &tcp);
  const uint32_t doff = static_cast<uint32_t>(tcp.size());
  tcp.resize(doff + (s.end - s.start), 0);
  uint8_t* th = tcp.data();
  net::put_be16(th, peer.remote.port);
  net::put_be16(th + 2, peer.local.port);
  net::put_be32(th + 4, peer.remote_isn + s.start);
  if (s.ack) net::put_be32(th + 8, peer.local_isn.value_or(0) + *s.ack);
  th[12] = static_cast<uint8_t>((doff / 4) << 4);
  th[13] = s.flags;
  net::put_be16(th + 14, static_cast<uint16_t>(s.win.value_or(65535)));
  const uint32_t l4_len = static_cast<uint32_t>(tcp.size());
  net::put_be16(th + 16, net::csum_magic(peer.remote, peer.local, l4_len, IPPROTO_TCP,
                                         net::csum_partial(th, l4_len, 0)));
  std::vector<uint8_t> packet;
  PutIpHeader(peer, l4_len, &packet);
  packet.insert(packet.end(), tcp.begin(), tcp.end());
  ++peer.ip_id;
  return packet;
}

std::string DescribeOutbound(const ScriptPeer& peer, const net::WirePacket& pkt) {
  net::PacketSummary p;
  if (pkt.bytes.empty() || !net::ParsePacket(pkt.bytes, &p)) {
    return fmt::format("packet #{} ({} bytes, not captured or not IP)", pkt.seq, pkt.len);
  }
  if (p.protocol != IPPROTO_TCP) return fmt::format("packet #{}: not TCP ({})", pkt.seq, p.ToString());
  const uint32_t base = peer.local_isn.value_or(p.tcp_seq);
  std::string s = fmt::format("> {} {}:{}({})", FormatFlags(p.tcp_flags), p.tcp_seq - base,
                              p.tcp_seq - base + p.payload_len, p.payload_len);
  if (p.tcp_flags & net::TCPHDR_ACK) s += fmt::format(" ack {}", p.tcp_ack - peer.remote_isn);
  s += fmt::format(" win {}", p.tcp_window);
  if (auto options = ReadOptions(pkt.bytes, p, peer.remote_isn); options && !options->empty()) s += " " + FormatOptions(*options);
  return s;
}

std::optional<std::string> MatchOutbound(ScriptPeer& peer, const ScriptSegment& s, const net::WirePacket& pkt,
                                         sim::Time now) {
  net::PacketSummary p;
  if (pkt.bytes.empty()) return "the device does not capture packets (capture=off)";
  if (!net::ParsePacket(pkt.bytes, &p) || p.protocol != IPPROTO_TCP || p.is_fragment) {
    return fmt::format("packet #{} is not a TCP segment", pkt.seq);
  }
  if (p.src.SameHost(peer.local) == false || !p.dst.SameHost(peer.remote) || p.dst.port != peer.remote.port ||
      (peer.local_port_known && p.src.port != peer.local.port)) {
    return fmt::format("packet #{} is {}, not for the peer {}", pkt.seq, p.ToString(), peer.remote.ToString());
  }
  if ((p.tcp_flags & net::TCPHDR_SYN) && !peer.local_isn) {
    peer.local_isn = p.tcp_seq - s.start;  // learn the host's ISN (and port) from its SYN
    peer.local.port = p.src.port;
    peer.local_port_known = true;
  }
  const std::string actual = DescribeOutbound(peer, pkt);
  const auto mismatch = [&](const std::string& what) {
    return fmt::format("{}: expected `{}`, the host sent `{}` (packet #{})", what, FormatSegment(s), actual, pkt.seq);
  };
  if (pkt.time != now) {
    return mismatch(fmt::format("sent at {}, expected at {}", sim::FormatTime(pkt.time), sim::FormatTime(now)));
  }
  if (!peer.local_isn) return mismatch("the host's first segment must be a SYN");
  if (p.tcp_flags != s.flags) return mismatch("flags differ");
  if (p.tcp_seq - *peer.local_isn != s.start || p.payload_len != s.end - s.start) return mismatch("sequence differs");
  if (s.ack && p.tcp_ack - peer.remote_isn != *s.ack) return mismatch("ack differs");
  if (s.win && p.tcp_window != *s.win) return mismatch("window differs");
  if (s.options) {
    const auto options = ReadOptions(pkt.bytes, p, peer.remote_isn);
    if (!options || *options != *s.options) return mismatch("options differ");
  }
  return std::nullopt;
}

}  // namespace zcsim::scenario
