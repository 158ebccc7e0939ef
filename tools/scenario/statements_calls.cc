// Memory statements (map, write, unmap) and system calls (socket,
// setsockopt, getsockopt, bind, connect, send, sendto, sendmsg, recv,
// recverr, close), each with its expected result after "->".
#include <fmt/format.h>

#include "net/socket.h"
#include "net/uapi.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

constexpr FlagName kMsgFlags[] = {
    {"MSG_OOB", MSG_OOB},           {"MSG_PEEK", MSG_PEEK},         {"MSG_TRUNC", MSG_TRUNC},
    {"MSG_DONTWAIT", MSG_DONTWAIT}, {"MSG_WAITALL", MSG_WAITALL},   {"MSG_CONFIRM", MSG_CONFIRM},
    {"MSG_ERRQUEUE", MSG_ERRQUEUE}, {"MSG_NOSIGNAL", MSG_NOSIGNAL}, {"MSG_MORE", MSG_MORE},
    {"MSG_ZEROCOPY", MSG_ZEROCOPY},
};

struct SockOpt {
  const char* name;
  int level;
  int optname;
};
constexpr SockOpt kSockOpts[] = {
    {"SO_ZEROCOPY", SOL_SOCKET, SO_ZEROCOPY},
    {"SO_SNDBUF", SOL_SOCKET, SO_SNDBUF},
    {"SO_RCVBUF", SOL_SOCKET, SO_RCVBUF},
    {"UDP_CORK", SOL_UDP, UDP_CORK},
    {"TCP_NODELAY", SOL_TCP, TCP_NODELAY},
};

// Checks a call's return value against "-> ..." (or success when absent).
std::optional<std::string> CheckResult(Env& env, long got, bool has_expected, long expected) {
  ++env.expectations;
  if (has_expected) {
    if (got == expected) return std::nullopt;
    return fmt::format("expected {}, got {}", ResultName(expected), ResultName(got));
  }
  if (got >= 0) return std::nullopt;
  return fmt::format("expected success, got {}", ResultName(got));
}

bool OptionalResult(Compiler& c, const Args& args, bool* has, long* expected) {
  *has = args.has_arrow;
  if (!*has) return true;
  if (args.result.size() != 1) return c.Fail(args.result[1].pos, "one expected result after '->'");
  return c.ExpectedResult(args, 0, expected);
}

bool Flags(Compiler& c, const Args& args, unsigned* flags) {
  *flags = 0;
  auto it = args.kv.find("flags");
  if (it == args.kv.end()) return true;
  uint64_t f;
  if (!c.Take(ParseFlags(it->second, kMsgFlags), &f)) return false;
  *flags = static_cast<unsigned>(f);
  return true;
}

SockHandle Handle(Env& env, const std::string& name) { return env.socks.at(name); }

// ---------------------------------------------------------------- memory

bool CompileMap(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 5, "map HOST REGION ADDRESS LENGTH [fill=PATTERN]") || !c.NoResult(args) ||
      !c.OnlyKeys(args, {"fill"}) || !c.KnownHost(args.pos[1])) {
    return false;
  }
  const std::string host = args.pos[1].text;
  const std::string region = args.pos[2].text;
  if (c.regions.count(region)) return c.Fail(args.pos[2].pos, fmt::format("region '{}' already exists", region));
  uint64_t addr, len;
  if (!c.Take(ParseUint(args.pos[3], uint64_t{1} << 47), &addr) || !c.Take(ParseUint(args.pos[4], uint64_t{1} << 30), &len)) {
    return false;
  }
  if (addr == 0 || addr % net::PAGE_SIZE != 0) return c.Fail(args.pos[3].pos, "the address must be non-zero and page aligned (4K)");
  if (len == 0) return c.Fail(args.pos[4].pos, "the length must be positive");
  Pattern fill = Pattern::Byte(0);
  if (auto it = args.kv.find("fill"); it != args.kv.end() && !c.Take(ParsePattern(it->second), &fill)) return false;
  c.regions.insert(region);
  step->action = [host, region, addr, len, fill](Env& env) -> std::optional<std::string> {
    net::Host* h = env.world.FindHost(host);
    const int rc = h->mm().Map(region, addr, len, [&fill](uint64_t i) { return fill.At(i); });
    if (rc != 0) return fmt::format("map failed: {} (overlapping or bad range)", ResultName(rc));
    env.regions[region] = h;
    env.region_spans[region] = {addr, len};
    return std::nullopt;
  };
  return true;
}

bool CompileWrite(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "write REGION[OFF:LEN] PATTERN") || !c.NoResult(args) || !c.OnlyKeys(args, {})) {
    return false;
  }
  Range r;
  Pattern p;
  if (!c.Take(ParseRange(args.pos[1]), &r) || !c.Take(ParsePattern(args.pos[2]), &p)) return false;
  if (!c.regions.count(r.name)) return c.Fail(args.pos[1].pos, fmt::format("unknown memory region '{}'", r.name));
  step->action = [r, p](Env& env) -> std::optional<std::string> {
    std::vector<net::Iovec> iov;
    net::Host* host;
    if (auto err = ResolveIovecs(env, {r}, &host, &iov)) return err;
    const int rc = host->mm().Write(iov[0].base, iov[0].len, [&p](uint64_t i) { return p.At(i); });
    if (rc != 0) return fmt::format("write to {} failed: {}", r.name, ResultName(rc));
    return std::nullopt;
  };
  return true;
}

bool CompileUnmap(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "unmap REGION") || !c.NoResult(args) || !c.OnlyKeys(args, {}) ||
      !c.KnownRegion(args.pos[1])) {
    return false;
  }
  const std::string region = args.pos[1].text;
  step->action = [region](Env& env) -> std::optional<std::string> {
    const int rc = env.regions.at(region)->mm().Unmap(region);
    if (rc != 0) return fmt::format("unmap {} failed: {}", region, ResultName(rc));
    return std::nullopt;
  };
  return true;
}

// ---------------------------------------------------------------- calls

bool CompileSocket(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 4, "socket HOST NAME udp4|udp6 [-> ERRNO]") || !c.OnlyKeys(args, {}) ||
      !c.KnownHost(args.pos[1])) {
    return false;
  }
  const std::string host = args.pos[1].text, name = args.pos[2].text, kind = args.pos[3].text;
  if (c.socks.count(name)) return c.Fail(args.pos[2].pos, fmt::format("socket '{}' already exists", name));
  int family, type;
  if (kind == "udp4" || kind == "udp6") {
    family = kind == "udp4" ? AF_INET : AF_INET6;
    type = SOCK_DGRAM;
  } else if (kind == "tcp4" || kind == "tcp6") {
    family = kind == "tcp4" ? AF_INET : AF_INET6;
    type = SOCK_STREAM;
  } else {
    return c.Fail(args.pos[3].pos, fmt::format("unknown socket kind '{}' (udp4, udp6, tcp4, tcp6)", kind));
  }
  bool has;
  long expected;
  if (!OptionalResult(c, args, &has, &expected)) return false;
  if (!has || expected >= 0) c.socks.insert(name);
  step->action = [host, name, family, type, has, expected](Env& env) -> std::optional<std::string> {
    net::Host* h = env.world.FindHost(host);
    const int fd = net::sys_socket(h, family, type, 0);
    if (fd >= 0) env.socks[name] = {h, fd};
    if (has && expected >= 0) return fd >= 0 ? std::nullopt : CheckResult(env, fd, false, 0);
    return CheckResult(env, fd, has, expected);
  };
  return true;
}

bool CompileSockopt(Compiler& c, const Line& line, const Args& args, Step* step) {
  const bool set = args.pos[0].text == "setsockopt";
  const size_t n = set ? 4 : 3;
  if (!c.NeedPositionals(line, args, n, set ? "setsockopt SOCK OPTION VALUE [-> RESULT]" : "getsockopt SOCK OPTION -> VALUE") ||
      !c.OnlyKeys(args, {}) || !c.KnownSock(args.pos[1])) {
    return false;
  }
  const SockOpt* opt = nullptr;
  for (const SockOpt& o : kSockOpts) {
    if (args.pos[2].text == o.name) opt = &o;
  }
  if (opt == nullptr) return c.Fail(args.pos[2].pos, fmt::format("unknown option '{}' (SO_ZEROCOPY, SO_SNDBUF, SO_RCVBUF, UDP_CORK, TCP_NODELAY)", args.pos[2].text));
  int64_t value = 0;
  if (set && !c.Take(ParseInt(args.pos[3], INT32_MIN, INT32_MAX), &value)) return false;
  bool has;
  long expected;
  if (!OptionalResult(c, args, &has, &expected)) return false;
  if (!set && !has) return c.Fail(line.pos, "getsockopt needs the expected value: -> VALUE");
  const std::string sock = args.pos[1].text;
  const SockOpt o = *opt;
  step->action = [set, sock, o, value, has, expected](Env& env) -> std::optional<std::string> {
    const SockHandle s = Handle(env, sock);
    if (set) return CheckResult(env, net::sys_setsockopt(s.host, s.fd, o.level, o.optname, static_cast<int>(value)), has, expected);
    int v = 0;
    const int rc = net::sys_getsockopt(s.host, s.fd, o.level, o.optname, &v);
    return CheckResult(env, rc < 0 ? rc : v, true, expected);
  };
  return true;
}

bool CompileBindConnect(Compiler& c, const Line& line, const Args& args, Step* step) {
  const bool bind = args.pos[0].text == "bind";
  if (!c.NeedPositionals(line, args, 3, bind ? "bind SOCK ADDRESS:PORT [-> RESULT]" : "connect SOCK ADDRESS:PORT|unspec [nonblock=1] [-> RESULT]") ||
      !c.OnlyKeys(args, bind ? std::initializer_list<const char*>{} : std::initializer_list<const char*>{"nonblock"}) || !c.KnownSock(args.pos[1])) {
    return false;
  }
  net::InetAddr addr;
  if (!bind && args.pos[2].text == "unspec") {
    addr.family = AF_UNSPEC;
  } else if (!c.SockAddrWord(args.pos[2], &addr)) {
    return false;
  }
  bool has;
  long expected;
  if (!OptionalResult(c, args, &has, &expected)) return false;
  uint64_t nonblock = 0;
  if (args.kv.count("nonblock") && !c.Take(ParseUint(args.kv.at("nonblock"), 1), &nonblock)) return false;
  const std::string sock = args.pos[1].text;
  step->action = [bind, sock, addr, has, expected, nonblock](Env& env) -> std::optional<std::string> {
    const SockHandle s = Handle(env, sock);
    const int rc = bind ? net::sys_bind(s.host, s.fd, addr) : net::sys_connect(s.host, s.fd, addr, nonblock == 1);
    return CheckResult(env, rc, has, expected);
  };
  return true;
}

bool CompileSend(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string verb = args.pos[0].text;
  const bool sendto = verb == "sendto";
  if (!c.NeedPositionals(line, args, sendto ? 4 : 3,
                         sendto ? "sendto SOCK IOVECS ADDRESS:PORT [flags=...] [-> RESULT]"
                                : "send|sendmsg SOCK IOVECS [to=ADDRESS:PORT] [flags=...] [-> RESULT]") ||
      !c.OnlyKeys(args, verb == "sendmsg" ? std::initializer_list<const char*>{"flags", "to"}
                                          : std::initializer_list<const char*>{"flags"}) ||
      !c.KnownSock(args.pos[1])) {
    return false;
  }
  if (verb == "send" && args.pos.size() > 3) return c.Fail(args.pos[3].pos, "send takes no address (use sendto)");
  std::vector<Range> ranges;
  if (!ParseIovecs(c, args.pos[2], &ranges)) return false;
  net::UserMsg msg;
  if (sendto) {
    msg.has_name = true;
    if (!c.SockAddrWord(args.pos[3], &msg.name)) return false;
  } else if (auto it = args.kv.find("to"); it != args.kv.end()) {
    msg.has_name = true;
    if (!c.SockAddrWord(it->second, &msg.name)) return false;
  }
  unsigned flags;
  bool has;
  long expected;
  if (!Flags(c, args, &flags) || !OptionalResult(c, args, &has, &expected)) return false;
  const std::string sock = args.pos[1].text;
  step->action = [sock, ranges, msg, flags, has, expected](Env& env) -> std::optional<std::string> {
    const SockHandle s = Handle(env, sock);
    net::UserMsg m = msg;
    net::Host* host;
    if (auto err = ResolveIovecs(env, ranges, &host, &m.iov)) return err;
    if (host != s.host) return fmt::format("the iovecs are not in the memory of the socket's host");
    return CheckResult(env, net::sys_sendmsg(s.host, s.fd, m, flags), has, expected);
  };
  return true;
}

bool CompileRecv(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "recv SOCK LENGTH [flags=...] -> N [data=PATTERN|REGION[OFF:LEN]] [from=ADDR]") ||
      !c.OnlyKeys(args, {"flags"}) || !c.KnownSock(args.pos[1])) {
    return false;
  }
  uint64_t len;
  unsigned flags;
  if (!c.Take(ParseUint(args.pos[2], 1 << 20), &len) || !Flags(c, args, &flags)) return false;
  if (!args.has_arrow) return c.Fail(line.pos, "recv needs its expected result: -> N or -> ERRNO");
  long expected;
  if (!c.ExpectedResult(args, 0, &expected)) return false;
  std::optional<Pattern> data_pattern;
  std::optional<Range> data_range;
  std::optional<net::InetAddr> from;
  for (size_t i = 1; i < args.result.size(); ++i) {
    KeyValue kv;
    if (!c.Take(SplitKeyValue(args.result[i]), &kv)) return false;
    if (kv.key.text == "data") {
      Pattern p;
      Range r;
      auto as_pattern = ParsePattern(kv.value);
      if (as_pattern.ok()) {
        data_pattern = as_pattern.value;
      } else if (c.Take(ParseRange(kv.value), &r)) {
        if (!c.regions.count(r.name)) return c.Fail(kv.value.pos, fmt::format("unknown memory region '{}'", r.name));
        data_range = r;
      } else {
        return false;
      }
    } else if (kv.key.text == "from") {
      net::InetAddr a;
      if (!c.SockAddrWord(kv.value, &a)) return false;
      from = a;
    } else {
      return c.Fail(kv.key.pos, fmt::format("unknown result field '{}' (data, from)", kv.key.text));
    }
  }
  const std::string sock = args.pos[1].text;
  step->action = [sock, len, flags, expected, data_pattern, data_range, from](Env& env) -> std::optional<std::string> {
    const SockHandle s = Handle(env, sock);
    net::RecvMsg out;
    const long rc = net::sys_recvmsg(s.host, s.fd, &out, len, flags);
    if (auto err = CheckResult(env, rc, true, expected)) return err;
    if (auto err = CompareReceivedData(env, data_pattern, data_range, out.data)) return err;
    if (from) {
      ++env.expectations;
      if (!(out.from == *from)) return fmt::format("expected the datagram from {}, got {}", from->ToString(), out.from.ToString());
    }
    return std::nullopt;
  };
  return true;
}

bool CompileRecverr(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "recverr SOCK -> LO HI 0|COPIED | -> EAGAIN") || !c.OnlyKeys(args, {}) ||
      !c.KnownSock(args.pos[1])) {
    return false;
  }
  if (!args.has_arrow) return c.Fail(line.pos, "recverr needs its expected notification: -> LO HI 0|COPIED");
  long err = 0;
  uint64_t lo = 0, hi = 0;
  int code = 0;
  if (args.result.size() == 1) {
    if (!c.ExpectedResult(args, 0, &err)) return false;
    if (err >= 0) return c.Fail(args.result[0].pos, "a single result must be an errno such as EAGAIN");
  } else if (args.result.size() == 3) {
    if (!c.Take(ParseUint(args.result[0], UINT32_MAX), &lo) || !c.Take(ParseUint(args.result[1], UINT32_MAX), &hi)) return false;
    if (args.result[2].text == "COPIED") {
      code = SO_EE_CODE_ZEROCOPY_COPIED;
    } else if (args.result[2].text != "0") {
      return c.Fail(args.result[2].pos, "the code is 0 or COPIED");
    }
  } else {
    return c.Fail(args.arrow_pos, "expected -> LO HI 0|COPIED or -> ERRNO");
  }
  const std::string sock = args.pos[1].text;
  step->action = [sock, err, lo, hi, code](Env& env) -> std::optional<std::string> {
    const SockHandle s = Handle(env, sock);
    net::RecvMsg out;
    const long rc = net::sys_recvmsg(s.host, s.fd, &out, 0, MSG_ERRQUEUE);
    ++env.expectations;
    if (err < 0) {
      if (rc == err) return std::nullopt;
      return rc < 0 ? fmt::format("expected {}, got {}", ResultName(err), ResultName(rc))
                    : fmt::format("expected {}, got a notification [{}, {}] code {}", ResultName(err), out.ee.ee_info,
                                  out.ee.ee_data, out.ee.ee_code);
    }
    if (rc < 0) return fmt::format("expected a notification [{}, {}], got {}", lo, hi, ResultName(rc));
    if (out.ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || out.ee.ee_errno != 0) {
      return fmt::format("expected a zerocopy notification, got origin {} errno {}", out.ee.ee_origin, out.ee.ee_errno);
    }
    if (out.ee.ee_info != lo || out.ee.ee_data != hi || out.ee.ee_code != code) {
      return fmt::format("expected [{}, {}] {}, got [{}, {}] {}", lo, hi, code ? "COPIED" : "0", out.ee.ee_info,
                         out.ee.ee_data, out.ee.ee_code ? "COPIED" : "0");
    }
    return std::nullopt;
  };
  return true;
}

bool CompileListenAccept(Compiler& c, const Line& line, const Args& args, Step* step) {
  const bool listen = args.pos[0].text == "listen";
  if (!c.NeedPositionals(line, args, listen ? 2 : 3, listen ? "listen SOCK [-> RESULT]" : "accept SOCK NEWNAME [-> ERRNO]") ||
      !c.OnlyKeys(args, {}) || !c.KnownSock(args.pos[1])) {
    return false;
  }
  bool has;
  long expected;
  if (!OptionalResult(c, args, &has, &expected)) return false;
  const std::string sock = args.pos[1].text;
  const std::string child = listen ? "" : args.pos[2].text;
  if (!listen) {
    if (c.socks.count(child)) return c.Fail(args.pos[2].pos, fmt::format("socket '{}' already exists", child));
    if (!has || expected >= 0) c.socks.insert(child);
  }
  step->action = [listen, sock, child, has, expected](Env& env) -> std::optional<std::string> {
    const SockHandle s = Handle(env, sock);
    if (listen) return CheckResult(env, net::sys_listen(s.host, s.fd, 128), has, expected);
    const int fd = net::sys_accept(s.host, s.fd);
    if (fd >= 0) env.socks[child] = {s.host, fd};
    if (has && expected >= 0) return fd >= 0 ? std::nullopt : CheckResult(env, fd, false, 0);
    return CheckResult(env, fd, has, expected);
  };
  return true;
}

bool CompileClose(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "close SOCK|EP [-> RESULT]") || !c.OnlyKeys(args, {}) ||
      (!c.epolls.count(args.pos[1].text) && !c.KnownSock(args.pos[1]))) {
    return false;
  }
  bool has;
  long expected;
  if (!OptionalResult(c, args, &has, &expected)) return false;
  const std::string sock = args.pos[1].text;
  step->action = [sock, has, expected](Env& env) -> std::optional<std::string> {
    auto ep = env.epolls.find(sock);
    const SockHandle s = ep != env.epolls.end() ? ep->second : Handle(env, sock);
    return CheckResult(env, net::sys_close(s.host, s.fd), has, expected);
  };
  return true;
}

}  // namespace

std::optional<std::string> CompareReceivedData(Env& env, const std::optional<Pattern>& pattern,
                                               const std::optional<Range>& range, const std::vector<uint8_t>& got) {
  if (!pattern && !range) return std::nullopt;
  std::vector<uint8_t> want;
  if (pattern) {
    for (size_t i = 0; i < got.size(); ++i) want.push_back(pattern->At(i));
  } else {
    std::vector<net::Iovec> iov;
    net::Host* host;
    if (auto err = ResolveIovecs(env, {*range}, &host, &iov)) return err;
    want.resize(iov[0].len);
    if (host->mm().Read(iov[0].base, iov[0].len, want.data()) != 0) return "data= region is not readable";
  }
  ++env.expectations;
  if (want.size() != got.size()) return fmt::format("expected {} bytes of data, got {}", want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != got[i]) return fmt::format("received byte {} is {:#04x}, expected {:#04x}", i, got[i], want[i]);
  }
  return std::nullopt;
}

bool IsMemoryVerb(const std::string& verb) { return verb == "map" || verb == "write" || verb == "unmap"; }

bool IsCallVerb(const std::string& verb) {
  return verb == "socket" || verb == "setsockopt" || verb == "getsockopt" || verb == "bind" || verb == "connect" ||
         verb == "send" || verb == "sendto" || verb == "sendmsg" || verb == "recv" || verb == "recverr" || verb == "close" ||
         verb == "listen" || verb == "accept";
}

bool CompileMemory(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string& verb = args.pos[0].text;
  if (verb == "map") return CompileMap(c, line, args, step);
  if (verb == "write") return CompileWrite(c, line, args, step);
  return CompileUnmap(c, line, args, step);
}

bool CompileCall(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string& verb = args.pos[0].text;
  if (verb == "socket") return CompileSocket(c, line, args, step);
  if (verb == "setsockopt" || verb == "getsockopt") return CompileSockopt(c, line, args, step);
  if (verb == "bind" || verb == "connect") return CompileBindConnect(c, line, args, step);
  if (verb == "recv") return CompileRecv(c, line, args, step);
  if (verb == "recverr") return CompileRecverr(c, line, args, step);
  if (verb == "close") return CompileClose(c, line, args, step);
  if (verb == "listen" || verb == "accept") return CompileListenAccept(c, line, args, step);
  return CompileSend(c, line, args, step);
}

bool ParseIovecs(Compiler& c, const Word& w, std::vector<Range>* out) {
  if (w.quoted) return c.Fail(w.pos, "expected iovecs such as buf[0:4000],buf[8K:100]");
  size_t start = 0;
  while (start <= w.text.size()) {
    size_t comma = w.text.find(',', start);
    // A comma inside brackets cannot occur in a range, so split on all.
    const size_t len = (comma == std::string::npos ? w.text.size() : comma) - start;
    Range r;
    if (!c.Take(ParseRange(SubWord(w, start, len)), &r)) return false;
    if (!c.regions.count(r.name)) return c.Fail(PosAt(w, start), fmt::format("unknown memory region '{}'", r.name));
    out->push_back(r);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

std::optional<std::string> ResolveIovecs(Env& env, const std::vector<Range>& ranges, net::Host** host,
                                         std::vector<net::Iovec>* iov) {
  *host = nullptr;
  for (const Range& r : ranges) {
    auto it = env.regions.find(r.name);
    if (it == env.regions.end()) return fmt::format("region '{}' was never mapped", r.name);
    if (*host != nullptr && *host != it->second) return "iovecs from two hosts' memory";
    *host = it->second;
    // An unmapped region keeps its old addresses, so the kernel sees a fault.
    const auto [start, size] = env.region_spans.at(r.name);
    const uint64_t len = r.length.value_or(size > r.offset ? size - r.offset : 0);
    iov->push_back({start + r.offset, len});
  }
  return std::nullopt;
}

}  // namespace zcsim::scenario
