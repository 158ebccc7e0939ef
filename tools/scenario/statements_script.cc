// Scripted-peer statements, packetdrill style: `peer`, `<` and `>`.
#include <fmt/format.h>

#include <algorithm>

#include "net/drivers.h"
#include "net/tcp.h"
#include "sim/trace.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

bool ParseFlagsWord(Compiler& c, const Word& w, uint8_t* flags) {
  *flags = 0;
  for (size_t i = 0; i < w.text.size(); ++i) {
    uint8_t bit = 0;
    switch (w.text[i]) {
      case 'S':
        bit = net::TCPHDR_SYN;
        break;
      case 'F':
        bit = net::TCPHDR_FIN;
        break;
      case 'R':
        bit = net::TCPHDR_RST;
        break;
      case 'P':
        bit = net::TCPHDR_PSH;
        break;
      case '.':
        bit = net::TCPHDR_ACK;
        break;
      default:
        return c.Fail(PosAt(w, i), fmt::format("unknown TCP flag '{}' (S, F, R, P and . for ACK; ECN and URG are not "
                                               "modelled)",
                                               w.text.substr(i, 1)));
    }
    if (*flags & bit) return c.Fail(PosAt(w, i), "a TCP flag given twice");
    *flags |= bit;
  }
  return w.text.empty() ? c.Fail(w.pos, "missing TCP flags") : true;
}

// `START:END(LEN)`, with LEN == END - START.
bool ParseSeqWord(Compiler& c, const Word& w, ScriptSegment* s) {
  const std::string& t = w.text;
  const size_t colon = t.find(':');
  const size_t open = t.find('(');
  if (colon == std::string::npos || open == std::string::npos || open < colon || t.back() != ')') {
    return c.Fail(w.pos, fmt::format("expected START:END(LEN) such as 1:4001(4000), found '{}'", t));
  }
  uint64_t start, end, len;
  if (!c.Take(ParseUint(SubWord(w, 0, colon), 0xffffffff), &start) ||
      !c.Take(ParseUint(SubWord(w, colon + 1, open - colon - 1), 0xffffffff), &end) ||
      !c.Take(ParseUint(SubWord(w, open + 1, t.size() - open - 2), 65535), &len)) {
    return false;
  }
  if (end < start || end - start != len) {
    return c.Fail(PosAt(w, open + 1), fmt::format("length {} is not END - START ({})", len, end - start));
  }
  s->start = static_cast<uint32_t>(start);
  s->end = static_cast<uint32_t>(end);
  return true;
}

// `1001:2001 3001:4001`: one to four SACK blocks.
bool ParseSackBlocks(const std::string& text, std::vector<std::pair<uint32_t, uint32_t>>* blocks) {
  size_t from = 0;
  while (from < text.size()) {
    size_t space = text.find(' ', from);
    if (space == std::string::npos) space = text.size();
    unsigned long long start = 0, end = 0;
    char extra = 0;
    const std::string pair = text.substr(from, space - from);
    from = space + 1;
    if (pair.empty()) continue;
    if (std::sscanf(pair.c_str(), "%llu:%llu%c", &start, &end, &extra) != 2 || start > 0xffffffffULL ||
        end > 0xffffffffULL || end <= start) {
      return false;
    }
    blocks->emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(end));
  }
  return !blocks->empty() && blocks->size() <= 4;
}

// The bytes a list of options takes on the wire (before padding).
size_t OptionBytes(const std::vector<ScriptOption>& options) {
  size_t n = 0;
  for (const ScriptOption& o : options) {
    switch (o.kind) {
      case ScriptOption::Kind::kNop:
        n += 1;
        break;
      case ScriptOption::Kind::kMss:
        n += 4;
        break;
      case ScriptOption::Kind::kWscale:
        n += 3;
        break;
      case ScriptOption::Kind::kSackOk:
        n += 2;
        break;
      case ScriptOption::Kind::kSack:
        n += 2 + 8 * o.blocks.size();
        break;
    }
  }
  return n;
}

// `<mss 1000,sackOK,nop,wscale 7>`, spread over several words.
bool ParseOptionWords(Compiler& c, const std::vector<Word>& words, size_t* i, std::vector<ScriptOption>* out) {
  const Pos at = words[*i].pos;
  std::string text;
  for (;; ++*i) {
    if (*i >= words.size()) return c.Fail(at, "TCP options start with '<' and end with '>'");
    text += (text.empty() ? "" : " ") + words[*i].text;
    if (!words[*i].text.empty() && words[*i].text.back() == '>') break;
  }
  ++*i;
  text = text.substr(1, text.size() - 2);
  size_t from = 0;
  while (from <= text.size() && !text.empty()) {
    size_t comma = text.find(',', from);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(from, comma - from);
    from = comma + 1;
    unsigned value = 0;
    char extra = 0;
    if (item == "nop") {
      out->push_back({ScriptOption::Kind::kNop, 0, {}});
    } else if (std::sscanf(item.c_str(), "mss %u%c", &value, &extra) == 1 && value <= 65535) {
      out->push_back({ScriptOption::Kind::kMss, value, {}});
    } else if (std::sscanf(item.c_str(), "wscale %u%c", &value, &extra) == 1 && value <= 14) {
      out->push_back({ScriptOption::Kind::kWscale, value, {}});
    } else if (item == "sackOK") {
      out->push_back({ScriptOption::Kind::kSackOk, 0, {}});
    } else if (item.rfind("sack ", 0) == 0) {
      ScriptOption sack{ScriptOption::Kind::kSack, 0, {}};
      if (!ParseSackBlocks(item.substr(5), &sack.blocks)) {
        return c.Fail(at, fmt::format("option '{}': SACK blocks are 1 to 4 START:END pairs", item));
      }
      out->push_back(sack);
    } else if (item.rfind("TS", 0) == 0) {
      return c.Fail(at, fmt::format("option '{}': the model sends no timestamp options", item));
    } else {
      return c.Fail(at, fmt::format("unknown TCP option '{}' (nop, mss N, wscale N (<= 14), sackOK, sack S:E ...)", item));
    }
    if (comma == text.size()) break;
  }
  if (OptionBytes(*out) > 40) return c.Fail(at, "TCP options take at most 40 bytes");
  return true;
}

bool ParseSegment(Compiler& c, const Line& line, const Args& args, ScriptSegment* s) {
  const char* usage = "< FLAGS START:END(LEN) [ack N] [win N] [<options>]";
  if (args.pos.size() < 3) return c.Fail(line.pos, fmt::format("missing arguments; usage: {}", usage));
  s->inbound = args.pos[0].text == "<";
  if (!ParseFlagsWord(c, args.pos[1], &s->flags) || !ParseSeqWord(c, args.pos[2], s)) return false;
  for (size_t i = 3; i < args.pos.size();) {
    const Word& w = args.pos[i];
    if ((w.text == "ack" || w.text == "win") && i + 1 < args.pos.size()) {
      uint64_t v;
      if (!c.Take(ParseUint(args.pos[i + 1], w.text == "ack" ? 0xffffffff : 65535), &v)) return false;
      (w.text == "ack" ? s->ack : s->win) = static_cast<uint32_t>(v);
      i += 2;
    } else if (!w.text.empty() && w.text[0] == '<' && !s->options) {
      s->options.emplace();
      if (!ParseOptionWords(c, args.pos, &i, &*s->options)) return false;
    } else {
      return c.Fail(w.pos, fmt::format("unexpected '{}'; usage: {}", w.text, usage));
    }
  }
  if (s->ack && !(s->flags & net::TCPHDR_ACK)) return c.Fail(line.pos, "'ack N' needs the ACK flag ('.')");
  if (s->inbound && (s->flags & net::TCPHDR_ACK) && !s->ack) return c.Fail(line.pos, "an inbound ACK needs 'ack N'");
  return true;
}

net::NetDevice* PeerDevice(Env& env) {
  return env.world.FindHost(env.peer->host)->FindDevice(env.peer->dev);
}

std::optional<std::string> Inject(Env& env, const ScriptSegment& s) {
  ScriptPeer& peer = *env.peer;
  net::NetDevice* dev = PeerDevice(env);
  if (peer.next_outbound < dev->wire.size()) {
    const net::WirePacket& pkt = dev->wire[peer.next_outbound];
    return fmt::format("the host sent `{}` at {} and no `>` line expects it", DescribeOutbound(peer, pkt),
                       sim::FormatTime(pkt.time));
  }
  if (!peer.local_port_known) return "the host's port is not known yet: give local=ADDR:PORT or expect its SYN first";
  if (s.ack && !peer.local_isn) return "the host's sequence numbers are not known yet: expect its SYN (`> S ...`) first";
  if (s.options && !peer.local_isn &&
      std::any_of(s.options->begin(), s.options->end(),
                  [](const ScriptOption& o) { return o.kind == ScriptOption::Kind::kSack; })) {
    return "SACK blocks are relative to the host's ISN: expect its SYN (`> S ...`) first";
  }
  ZC_TRACE(env.world.tracer(), "script", "inject").Obj(dev->id).Msg("{}", FormatSegment(s));
  net::netif_receive_bytes(dev, BuildInbound(peer, s), "scripted peer");
  return std::nullopt;
}

std::optional<std::string> Expect(Env& env, const ScriptSegment& s) {
  ScriptPeer& peer = *env.peer;
  net::NetDevice* dev = PeerDevice(env);
  if (peer.next_outbound >= dev->wire.size()) {
    return fmt::format("expected `{}` at {}; the host has sent nothing more ({} packets matched)", FormatSegment(s),
                       sim::FormatTime(env.sim.now()), peer.next_outbound);
  }
  const net::WirePacket& pkt = dev->wire[peer.next_outbound];
  if (auto why = MatchOutbound(peer, s, pkt, env.sim.now())) return why;
  ++peer.next_outbound;
  ++env.expectations;
  ZC_TRACE(env.world.tracer(), "script", "match").Obj(dev->id).Msg("{}", FormatSegment(s));
  return std::nullopt;
}

bool CompilePeer(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "peer HOST:DEV local=ADDR:PORT remote=ADDR:PORT [isn=N]") ||
      !c.NoResult(args) || !c.OnlyKeys(args, {"local", "remote", "isn"})) {
    return false;
  }
  if (c.has_peer) return c.Fail(line.pos, "a scenario has one scripted peer");
  std::string host, dev;
  if (!c.DeviceRef(args.pos[1], &host, &dev, true)) return false;
  if (!args.kv.count("local") || !args.kv.count("remote")) {
    return c.Fail(line.pos, "peer needs local=ADDR:PORT (port 0: learned from the host's SYN) and remote=ADDR:PORT");
  }
  ScriptPeer peer;
  peer.host = host;
  peer.dev = dev;
  if (!c.SockAddrWord(args.kv.at("local"), &peer.local) || !c.SockAddrWord(args.kv.at("remote"), &peer.remote)) {
    return false;
  }
  if (peer.local.family != peer.remote.family) return c.Fail(args.kv.at("remote").pos, "local and remote families differ");
  if (peer.remote.port == 0) return c.Fail(args.kv.at("remote").pos, "the peer needs a port");
  peer.local_port_known = peer.local.port != 0;
  if (args.kv.count("isn")) {
    uint64_t isn;
    if (!c.Take(ParseUint(args.kv.at("isn"), 0xffffffff), &isn)) return false;
    peer.remote_isn = static_cast<uint32_t>(isn);
  }
  c.has_peer = true;
  step->action = [peer](Env& env) -> std::optional<std::string> {
    env.peer = peer;
    return std::nullopt;
  };
  return true;
}

bool CompileSegment(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.has_peer) return c.Fail(line.pos, "declare the scripted peer first: peer HOST:DEV local=... remote=...");
  if (!c.NoResult(args) || !c.OnlyKeys(args, {})) return false;
  ScriptSegment s;
  if (!ParseSegment(c, line, args, &s)) return false;
  step->action = [s](Env& env) { return s.inbound ? Inject(env, s) : Expect(env, s); };
  return true;
}

}  // namespace

bool IsScriptVerb(const std::string& verb) { return verb == "peer" || verb == "<" || verb == ">"; }

bool CompileScript(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (args.pos[0].text == "peer") return CompilePeer(c, line, args, step);
  return CompileSegment(c, line, args, step);
}

}  // namespace zcsim::scenario
