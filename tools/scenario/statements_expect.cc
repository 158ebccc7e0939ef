// Expectations: wire packets, error queues, socket counters, object state
// (ubuf#N, skb#N, page#N), accounting, warnings and live-object counts.
#include <fmt/format.h>

#include "net/checksum.h"
#include "net/drivers.h"
#include "net/msg_zerocopy.h"
#include "net/netdevice.h"
#include "net/sock.h"
#include "net/tcp.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

constexpr FlagName kSkbFlags[] = {
    {"ZEROCOPY_ENABLE", net::SKBFL_ZEROCOPY_ENABLE}, {"SHARED_FRAG", net::SKBFL_SHARED_FRAG},
    {"PURE_ZEROCOPY", net::SKBFL_PURE_ZEROCOPY},     {"DONT_ORPHAN", net::SKBFL_DONT_ORPHAN},
    {"MANAGED_FRAG_REFS", net::SKBFL_MANAGED_FRAG_REFS}, {"ZEROCOPY_FRAG", net::SKBFL_ZEROCOPY_FRAG},
};

// A numeric field check compiled from key=value: the name and the value.
struct FieldCheck {
  std::string key;
  int64_t want;
};

bool NumericFields(Compiler& c, const Args& args, std::initializer_list<const char*> keys,
                   std::vector<FieldCheck>* out) {
  if (!c.OnlyKeys(args, keys)) return false;
  for (const auto& [key, w] : args.kv) {
    int64_t v;
    if (key == "flags") {
      uint64_t f;
      if (!c.Take(ParseFlags(w, kSkbFlags), &f)) return false;
      v = static_cast<int64_t>(f);
    } else if (!c.Take(ParseInt(w, INT64_MIN / 2, INT64_MAX / 2), &v)) {
      return false;
    }
    out->push_back({key, v});
  }
  return true;
}

// Compares every requested field with `get(key)`.
template <typename Get>
std::optional<std::string> CompareFields(Env& env, const std::string& what, const std::vector<FieldCheck>& checks,
                                         Get get) {
  for (const FieldCheck& f : checks) {
    ++env.expectations;
    const int64_t got = get(f.key);
    if (got != f.want) {
      if (f.key == "flags") {
        return fmt::format("{}: expected flags={}, got flags={}", what, net::SkbflNames(static_cast<uint8_t>(f.want)),
                           net::SkbflNames(static_cast<uint8_t>(got)));
      }
      return fmt::format("{}: expected {}={}, got {}={}", what, f.key, f.want, f.key, got);
    }
  }
  return std::nullopt;
}

template <typename T>
T* FindLive(sim::Pool<T>& pool, uint32_t n) {
  T* found = nullptr;
  pool.ForEach([&](T* obj) {
    if (static_cast<sim::PoolNode*>(obj)->id.n == n) found = obj;
  });
  return found;
}

bool CompileWire(Compiler& c, const Line& line, const Args& args, Step* step) {
  const char* usage = "expect wire HOST:DEV count=N | expect wire HOST:DEV packet=K [len=N] [payload=N] ...";
  if (!c.NeedPositionals(line, args, 3, usage)) return false;
  std::string host, dev;
  if (!c.DeviceRef(args.pos[2], &host, &dev, true)) return false;
  if (!args.kv.count("packet")) {
    if (!c.OnlyKeys(args, {"count"}) || !args.kv.count("count")) return c.Fail(line.pos, std::string("usage: ") + usage);
    uint64_t n;
    if (!c.Take(ParseUint(args.kv.at("count"), 1u << 30), &n)) return false;
    step->action = [host, dev, n](Env& env) -> std::optional<std::string> {
      ++env.expectations;
      const size_t got = env.world.FindHost(host)->FindDevice(dev)->wire.size();
      if (got == n) return std::nullopt;
      return fmt::format("expected {} packet(s) on {}:{}, got {}", n, host, dev, got);
    };
    return true;
  }
  uint64_t index;
  if (!c.Take(ParseUint(args.kv.at("packet"), 1u << 30), &index)) return false;
  if (index == 0) return c.Fail(args.kv.at("packet").pos, "packets are numbered from 1");
  if (!c.OnlyKeys(args, {"packet", "len", "payload", "src", "dst", "data", "user_bytes", "frag_offset", "mf", "time",
                         "csum", "ip_id", "sack_blocks"})) {
    return false;
  }
  std::vector<FieldCheck> nums;
  std::optional<net::InetAddr> src, dst;
  std::optional<Pattern> data;
  std::optional<Range> data_range;
  std::optional<sim::Time> time;
  std::optional<bool> csum_ok;
  for (const auto& [key, w] : args.kv) {
    if (key == "packet") continue;
    if (key == "src" || key == "dst") {
      net::InetAddr a;
      if (!c.SockAddrWord(w, &a)) return false;
      (key == "src" ? src : dst) = a;
    } else if (key == "data") {
      auto p = ParsePattern(w);
      if (p.ok()) {
        data = p.value;
      } else {
        Range r;
        if (!c.Take(ParseRange(w), &r)) return false;
        if (!c.regions.count(r.name)) return c.Fail(w.pos, fmt::format("unknown memory region '{}'", r.name));
        data_range = r;
      }
    } else if (key == "time") {
      sim::Time t;
      if (!c.Take(ParseDuration(w), &t)) return false;
      time = t;
    } else if (key == "csum") {
      if (w.text != "ok" && w.text != "bad") return c.Fail(w.pos, "csum is ok or bad");
      csum_ok = w.text == "ok";
    } else {
      int64_t v;
      if (!c.Take(ParseInt(w, 0, INT64_MAX), &v)) return false;
      nums.push_back({key, v});
    }
  }
  step->action = [=](Env& env) -> std::optional<std::string> {
    const net::NetDevice* d = env.world.FindHost(host)->FindDevice(dev);
    ++env.expectations;
    if (index > d->wire.size()) return fmt::format("{}:{} sent {} packet(s), there is no #{}", host, dev, d->wire.size(), index);
    const net::WirePacket& w = d->wire[index - 1];
    net::PacketSummary p;
    const bool parsed = !w.bytes.empty() && net::ParsePacket(w.bytes, &p);
    const std::string what = fmt::format("{}:{} packet {}", host, dev, index);
    if (!parsed && (src || dst || data || data_range || csum_ok || !nums.empty())) {
      return what + ": no captured bytes to check (capture=off?)";
    }
    if (auto e = CompareFields(env, what, nums, [&](const std::string& key) -> int64_t {
          if (key == "len") return w.len;
          if (key == "payload") return p.payload_len;
          if (key == "user_bytes") return w.user_page_bytes;
          if (key == "frag_offset") return p.frag_offset;
          if (key == "mf") return p.more_fragments;
          if (key == "sack_blocks") return p.tcp_num_sacks;
          return p.ip_id;
        })) {
      return e;
    }
    if (time && w.time != *time) return fmt::format("{}: sent at {}, expected {}", what, sim::FormatTime(w.time), sim::FormatTime(*time));
    if (src && !(p.src == *src)) return fmt::format("{}: src {}, expected {}", what, p.src.ToString(), src->ToString());
    if (dst && !(p.dst == *dst)) return fmt::format("{}: dst {}, expected {}", what, p.dst.ToString(), dst->ToString());
    if (csum_ok && p.udp_check_ok != *csum_ok) return fmt::format("{}: UDP checksum is {}", what, p.udp_check_ok ? "ok" : "bad");
    if (data || data_range) {
      std::vector<uint8_t> want;
      const uint32_t n = p.payload_len;
      if (data) {
        for (uint32_t i = 0; i < n; ++i) want.push_back(data->At(i));
      } else {
        std::vector<net::Iovec> iov;
        net::Host* h;
        if (auto err = ResolveIovecs(env, {*data_range}, &h, &iov)) return err;
        want.resize(iov[0].len);
        if (h->mm().Read(iov[0].base, iov[0].len, want.data()) != 0) return "data= region is not readable";
      }
      if (want.size() != n) return fmt::format("{}: payload is {} bytes, expected {}", what, n, want.size());
      for (uint32_t i = 0; i < n; ++i) {
        if (w.bytes[p.payload_offset + i] != want[i]) {
          return fmt::format("{}: payload byte {} is {:#04x}, expected {:#04x}", what, i, w.bytes[p.payload_offset + i], want[i]);
        }
      }
    }
    return std::nullopt;
  };
  return true;
}

bool CompileSockState(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "expect sock SOCK [wmem_alloc=N] [omem_alloc=N] [zckey=N] ...") || !c.KnownSock(args.pos[2])) {
    return false;
  }
  std::vector<FieldCheck> checks;
  if (!NumericFields(c, args, {"wmem_alloc", "rmem_alloc", "omem_alloc", "zckey", "errqueue", "rcvqueue", "sndbuf",
                               "rcvbuf", "sndbuf_errors", "rcvbuf_errors", "out_datagrams", "in_datagrams", "wmem_queued",
                               "mem_charged", "packets_out", "cwnd", "retransmits", "fast_retransmits", "dup_acks_sent",
                               "dup_acks_received", "sacked_out"},
                     &checks)) {
    return false;
  }
  const std::string sock = args.pos[2].text;
  step->action = [sock, checks](Env& env) -> std::optional<std::string> {
    const SockHandle h = env.socks.at(sock);
    net::Sock* sk = h.host->LookupFd(h.fd);
    if (sk == nullptr) return fmt::format("socket {} is closed", sock);
    return CompareFields(env, "socket " + sock, checks, [sk](const std::string& key) -> int64_t {
      if (key == "wmem_alloc") return sk->sk_wmem_alloc;
      if (key == "rmem_alloc") return sk->sk_rmem_alloc;
      if (key == "omem_alloc") return sk->sk_omem_alloc;
      if (key == "zckey") return sk->sk_zckey;
      if (key == "errqueue") return static_cast<int64_t>(sk->sk_error_queue.size());
      if (key == "rcvqueue") return static_cast<int64_t>(sk->sk_receive_queue.size());
      if (key == "sndbuf") return sk->sk_sndbuf;
      if (key == "rcvbuf") return sk->sk_rcvbuf;
      if (key == "sndbuf_errors") return static_cast<int64_t>(sk->sndbuf_errors);
      if (key == "rcvbuf_errors") return static_cast<int64_t>(sk->rcvbuf_errors);
      if (key == "out_datagrams") return static_cast<int64_t>(sk->out_datagrams);
      if (key == "in_datagrams") return static_cast<int64_t>(sk->in_datagrams);
      // TCP counters (0 for a datagram socket).
      const net::TcpSock* t = sk->tcp.get();
      if (t == nullptr) return 0;
      if (key == "wmem_queued") return t->sk_wmem_queued;
      if (key == "mem_charged") return t->sk_mem_charged;
      if (key == "packets_out") return t->packets_out;
      if (key == "cwnd") return t->cwnd;
      if (key == "retransmits") return static_cast<int64_t>(t->retransmits);
      if (key == "fast_retransmits") return static_cast<int64_t>(t->fast_retransmits);
      if (key == "dup_acks_sent") return static_cast<int64_t>(t->dup_acks_sent);
      if (key == "sacked_out") return t->sacked_out;
      return static_cast<int64_t>(t->dup_acks_received);
    });
  };
  return true;
}

// Device counters; the tx_wire_* ones count the faults a NIC's wire applied.
bool CompileDevState(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "expect dev HOST:DEV [tx_packets=N] [rx_packets=N] [tx_wire_dropped=N] ...")) {
    return false;
  }
  std::string host, dev;
  if (!c.DeviceRef(args.pos[2], &host, &dev, true)) return false;
  std::vector<FieldCheck> checks;
  if (!NumericFields(c, args, {"tx_packets", "tx_bytes", "tx_dropped", "rx_packets", "rx_dropped", "tx_wire_dropped",
                               "tx_wire_duplicated", "tx_wire_delayed", "tx_wire_reordered"},
                     &checks)) {
    return false;
  }
  const std::string name = args.pos[2].text;
  step->action = [host, dev, name, checks](Env& env) -> std::optional<std::string> {
    const net::NetDevice* d = env.world.FindHost(host)->FindDevice(dev);
    const net::WireFaultStats none;
    const net::WireFaultStats& faults =
        d->kind == net::DeviceKind::kNic ? static_cast<const net::NicDevice*>(d)->wire_fault_stats() : none;
    return CompareFields(env, "device " + name, checks, [d, &faults](const std::string& key) -> int64_t {
      if (key == "tx_packets") return static_cast<int64_t>(d->tx_packets);
      if (key == "tx_bytes") return static_cast<int64_t>(d->tx_bytes);
      if (key == "tx_dropped") return static_cast<int64_t>(d->tx_dropped);
      if (key == "rx_packets") return static_cast<int64_t>(d->rx_packets);
      if (key == "rx_dropped") return static_cast<int64_t>(d->rx_dropped);
      if (key == "tx_wire_dropped") return static_cast<int64_t>(faults.dropped);
      if (key == "tx_wire_duplicated") return static_cast<int64_t>(faults.duplicated);
      if (key == "tx_wire_delayed") return static_cast<int64_t>(faults.delayed);
      return static_cast<int64_t>(faults.reordered);
    });
  };
  return true;
}

bool CompileObject(Compiler& c, const Line& line, const Args& args, Step* step) {
  const Word& w = args.pos[1];
  const size_t hash = w.text.find('#');
  const std::string kind = w.text.substr(0, hash);
  uint64_t n;
  if (!c.Take(ParseUint(SubWord(w, hash + 1), UINT32_MAX), &n)) return false;
  const bool freed = args.pos.size() == 3 && args.pos[2].text == "freed";
  if (args.pos.size() > 2 && !freed) return c.Fail(args.pos[2].pos, "expected field=value checks or 'freed'");
  std::vector<FieldCheck> checks;
  if (kind == "ubuf") {
    if (!NumericFields(c, args, {"refcnt", "id", "len", "zerocopy", "bytelen"}, &checks)) return false;
  } else if (kind == "skb") {
    if (!NumericFields(c, args, {"users", "dataref", "len", "data_len", "truesize", "nr_frags", "flags", "cloned", "headlen"}, &checks)) {
      return false;
    }
  } else if (kind == "page") {
    if (!NumericFields(c, args, {"refcount", "pincount", "frag_users"}, &checks)) return false;
  } else if (kind == "notif") {
    if (!NumericFields(c, args, {"refcnt", "account_pages"}, &checks)) return false;
  } else {
    return c.Fail(w.pos, fmt::format("unknown object kind '{}' (ubuf, skb, page, notif)", kind));
  }
  const std::string name = w.text;
  step->action = [kind, n, freed, checks, name](Env& env) -> std::optional<std::string> {
    sim::PoolNode* obj = nullptr;
    uint32_t created = 0;
    if (kind == "ubuf") {
      obj = FindLive(env.world.msgzc_ubufs(), static_cast<uint32_t>(n));
      created = env.world.msgzc_ubufs().created();
    } else if (kind == "skb") {
      obj = FindLive(env.world.skbs(), static_cast<uint32_t>(n));
      created = env.world.skbs().created();
    } else if (kind == "notif") {
      obj = FindLive(env.uring.notifs(), static_cast<uint32_t>(n));
      created = env.uring.notifs().created();
    } else {
      obj = FindLive(env.world.pages(), static_cast<uint32_t>(n));
      created = env.world.pages().created();
    }
    ++env.expectations;
    if (n > created) return fmt::format("{} was never created (only {} so far)", name, created);
    if (freed) return obj == nullptr ? std::nullopt : std::optional<std::string>(name + " is still alive");
    if (obj == nullptr) return name + " is already freed";
    return CompareFields(env, name, checks, [&](const std::string& key) -> int64_t {
      if (kind == "ubuf") {
        auto* u = static_cast<net::UbufInfoMsgzc*>(obj);
        if (key == "refcnt") return u->ubuf.refcnt;
        if (key == "id") return u->id;
        if (key == "len") return u->len;
        if (key == "zerocopy") return u->zerocopy;
        return u->bytelen;
      }
      if (kind == "skb") {
        auto* s = static_cast<net::SkBuff*>(obj);
        if (key == "users") return s->users;
        if (key == "dataref") return s->shinfo->dataref;
        if (key == "len") return s->len;
        if (key == "data_len") return s->data_len;
        if (key == "truesize") return s->truesize;
        if (key == "nr_frags") return s->shinfo->nr_frags;
        if (key == "flags") return s->shinfo->flags;
        if (key == "cloned") return s->cloned;
        return net::skb_headlen(s);
      }
      if (kind == "notif") {
        auto* notif = static_cast<uring::IoKiocb*>(obj);
        if (key == "refcnt") return notif->nd.uarg.refcnt;
        return static_cast<int64_t>(notif->nd.account_pages);
      }
      auto* p = static_cast<net::Page*>(obj);
      if (key == "refcount") return p->refcount;
      if (key == "pincount") return p->pincount;
      return p->frag_users;
    });
  };
  return true;
}

bool CompileHostState(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "expect host HOST locked_vm=PAGES") || !c.KnownHost(args.pos[2])) return false;
  std::vector<FieldCheck> checks;
  if (!NumericFields(c, args, {"locked_vm"}, &checks)) return false;
  const std::string host = args.pos[2].text;
  step->action = [host, checks](Env& env) -> std::optional<std::string> {
    net::Host* h = env.world.FindHost(host);
    return CompareFields(env, "host " + host, checks, [h](const std::string&) -> int64_t {
      return static_cast<int64_t>(h->mm().user().locked_vm);
    });
  };
  return true;
}

bool CompileLive(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "expect live [skb=N] [ubuf=N] [shinfo=N]")) return false;
  std::vector<FieldCheck> checks;
  if (!NumericFields(c, args, {"skb", "ubuf", "shinfo", "sock"}, &checks)) return false;
  step->action = [checks](Env& env) -> std::optional<std::string> {
    return CompareFields(env, "live objects", checks, [&env](const std::string& key) -> int64_t {
      if (key == "skb") return static_cast<int64_t>(env.world.skbs().live());
      if (key == "ubuf") return static_cast<int64_t>(env.world.msgzc_ubufs().live());
      if (key == "shinfo") return static_cast<int64_t>(env.world.shinfos().live());
      return static_cast<int64_t>(env.world.socks().live());
    });
  };
  return true;
}

bool CompileWarning(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "expect warning RULE [count=N]")) return false;
  std::vector<FieldCheck> checks;
  if (!NumericFields(c, args, {"count"}, &checks)) return false;
  const std::string rule = args.pos[2].text;
  const int64_t count = checks.empty() ? 1 : checks[0].want;
  step->action = [rule, count](Env& env) -> std::optional<std::string> {
    ++env.expectations;
    const auto& warnings = env.sim.checker().warnings();
    for (int64_t i = 0; i < count; ++i) {
      if (env.warnings_seen >= warnings.size()) {
        return fmt::format("expected warning {} (#{} of {}), but there is none", rule, i + 1, count);
      }
      const sim::Violation& w = warnings[env.warnings_seen++];
      if (w.rule != rule) return fmt::format("expected warning {}, got: {}", rule, w.ToString());
    }
    return std::nullopt;
  };
  return true;
}

bool CompileErrqueue(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (args.pos.size() < 3 || !c.KnownSock(args.pos[2])) return c.Fail(line.pos, "usage: expect errqueue SOCK empty | count=N");
  int64_t want = -1;
  if (args.pos.size() == 4 && args.pos[3].text == "empty") {
    want = 0;
  } else if (args.pos.size() == 3 && args.kv.count("count")) {
    std::vector<FieldCheck> checks;
    if (!NumericFields(c, args, {"count"}, &checks)) return false;
    want = checks[0].want;
  } else {
    return c.Fail(line.pos, "usage: expect errqueue SOCK empty | count=N");
  }
  const std::string sock = args.pos[2].text;
  step->action = [sock, want](Env& env) -> std::optional<std::string> {
    ++env.expectations;
    const SockHandle h = env.socks.at(sock);
    net::Sock* sk = h.host->LookupFd(h.fd);
    if (sk == nullptr) return fmt::format("socket {} is closed", sock);
    const int64_t got = static_cast<int64_t>(sk->sk_error_queue.size());
    if (got == want) return std::nullopt;
    return fmt::format("expected {} notification(s) queued on {}, got {}", want, sock, got);
  };
  return true;
}

}  // namespace

bool CompileExpect(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NoResult(args)) return false;
  if (args.pos.size() < 2) return c.Fail(line.pos, "expect what? (wire, errqueue, sock, dev, host, live, warning, ubuf#N, skb#N, page#N)");
  const std::string& what = args.pos[1].text;
  if (what == "wire") return CompileWire(c, line, args, step);
  if (what == "errqueue") return CompileErrqueue(c, line, args, step);
  if (what == "sock") return CompileSockState(c, line, args, step);
  if (what == "reader") return CompileReaderState(c, line, args, step);
  if (what == "dev") return CompileDevState(c, line, args, step);
  if (what == "host") return CompileHostState(c, line, args, step);
  if (what == "live") return CompileLive(c, line, args, step);
  if (what == "ring") return CompileRingState(c, line, args, step);
  if (what == "warning") return CompileWarning(c, line, args, step);
  if (what.find('#') != std::string::npos) return CompileObject(c, line, args, step);
  return c.Fail(args.pos[1].pos, fmt::format("unknown expectation '{}'", what));
}

}  // namespace zcsim::scenario
