// Readiness statements: poll, epoll_create, epoll_ctl, epoll_wait.
//
//   poll SOCK events=POLLIN|POLLOUT [timeout=D|inf] -> REVENTS
//   epoll_create HOST EP [flags=EPOLL_CLOEXEC|N] [size=N] [-> ERRNO]
//   epoll_ctl EP add|mod|del|N TARGET [events=EPOLLIN|EPOLLET|...] [-> ERRNO]
//   epoll_wait EP [max=N] [timeout=D|inf] -> N [NAME=EVENTS ...] | -> ERRNO
#include <fmt/format.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cctype>

#include "net/eventpoll.h"
#include "net/select.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

constexpr FlagName kPollBits[] = {
    {"POLLIN", POLLIN},         {"POLLPRI", POLLPRI},       {"POLLOUT", POLLOUT},       {"POLLERR", POLLERR},
    {"POLLHUP", POLLHUP},       {"POLLNVAL", POLLNVAL},     {"POLLRDNORM", POLLRDNORM}, {"POLLRDBAND", POLLRDBAND},
    {"POLLWRNORM", POLLWRNORM}, {"POLLWRBAND", POLLWRBAND}, {"POLLRDHUP", POLLRDHUP},
};

constexpr FlagName kEpollBits[] = {
    {"EPOLLIN", EPOLLIN},         {"EPOLLPRI", EPOLLPRI},         {"EPOLLOUT", EPOLLOUT},
    {"EPOLLERR", EPOLLERR},       {"EPOLLHUP", EPOLLHUP},         {"EPOLLRDNORM", EPOLLRDNORM},
    {"EPOLLRDBAND", EPOLLRDBAND}, {"EPOLLWRNORM", EPOLLWRNORM},   {"EPOLLWRBAND", EPOLLWRBAND},
    {"EPOLLMSG", EPOLLMSG},       {"EPOLLRDHUP", EPOLLRDHUP},     {"EPOLLET", EPOLLET},
    {"EPOLLONESHOT", EPOLLONESHOT}, {"EPOLLWAKEUP", EPOLLWAKEUP}, {"EPOLLEXCLUSIVE", EPOLLEXCLUSIVE},
};

constexpr FlagName kEpollCreateFlags[] = {{"EPOLL_CLOEXEC", EPOLL_CLOEXEC}};

// "EPOLLOUT|EPOLLERR", "0", or the leftover bits in hex.
std::string MaskName(uint64_t mask, std::span<const FlagName> table) {
  if (mask == 0) return "0";
  std::string s;
  for (const FlagName& f : table) {
    if ((mask & f.bit) == 0) continue;
    s += (s.empty() ? "" : "|") + std::string(f.name);
    mask &= ~f.bit;
  }
  if (mask != 0) s += fmt::format("{}{:#x}", s.empty() ? "" : "|", mask);
  return s;
}

// timeout=D (a duration) or timeout=inf; absent: 0, do not sleep.
bool Timeout(Compiler& c, const Args& args, sim::Time* out) {
  *out = 0;
  auto it = args.kv.find("timeout");
  if (it == args.kv.end()) return true;
  if (it->second.text == "inf") {
    *out = -1;
    return true;
  }
  return c.Take(ParseDuration(it->second), out);
}

// An fd-holding name: a socket or an epoll instance.
bool KnownFile(Compiler& c, const Word& w) {
  if (c.socks.count(w.text) || c.epolls.count(w.text)) return true;
  return c.Fail(w.pos, fmt::format("unknown socket or epoll instance '{}'", w.text));
}

SockHandle FileHandle(Env& env, const std::string& name) {
  auto it = env.epolls.find(name);
  return it != env.epolls.end() ? it->second : env.socks.at(name);
}

// The scenario name of `fd` on `host` (epoll_wait reports fds as data).
std::string NameOfFd(Env& env, net::Host* host, uint64_t fd) {
  for (const auto* table : {&env.socks, &env.epolls}) {
    for (const auto& [name, h] : *table) {
      if (h.host == host && static_cast<uint64_t>(h.fd) == fd) return name;
    }
  }
  return fmt::format("fd {}", fd);
}

bool CompilePoll(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "poll SOCK events=POLL... [timeout=D|inf] -> REVENTS") ||
      !c.OnlyKeys(args, {"events", "timeout"}) || !KnownFile(c, args.pos[1])) {
    return false;
  }
  auto ev = args.kv.find("events");
  if (ev == args.kv.end()) return c.Fail(line.pos, "poll needs events=POLLIN|POLLOUT|...");
  uint64_t events, want;
  sim::Time timeout;
  if (!c.Take(ParseFlags(ev->second, kPollBits), &events) || !Timeout(c, args, &timeout)) return false;
  if (!args.has_arrow || args.result.size() != 1) return c.Fail(line.pos, "poll needs the expected revents: -> POLLOUT|POLLERR or -> 0");
  if (!c.Take(ParseFlags(args.result[0], kPollBits), &want)) return false;
  const std::string name = args.pos[1].text;
  step->action = [name, events, timeout, want](Env& env) -> std::optional<std::string> {
    const SockHandle s = FileHandle(env, name);
    net::PollFd pfd{s.fd, static_cast<int16_t>(events), 0};
    const int rc = net::sys_poll(s.host, &pfd, 1, timeout);
    ++env.expectations;
    if (rc < 0) return fmt::format("poll failed: {}", ResultName(rc));
    const uint64_t got = static_cast<uint16_t>(pfd.revents);
    if (got == want) return std::nullopt;
    return fmt::format("expected revents {}, got {}", MaskName(want, kPollBits), MaskName(got, kPollBits));
  };
  return true;
}

bool CompileEpollCreate(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "epoll_create HOST EP [flags=EPOLL_CLOEXEC|N] [size=N] [-> ERRNO]") ||
      !c.OnlyKeys(args, {"flags", "size"}) || !c.KnownHost(args.pos[1])) {
    return false;
  }
  const std::string host = args.pos[1].text, name = args.pos[2].text;
  if (c.socks.count(name) || c.epolls.count(name)) return c.Fail(args.pos[2].pos, fmt::format("'{}' already names a file", name));
  uint64_t flags = 0;
  std::optional<int64_t> size;
  if (auto it = args.kv.find("flags"); it != args.kv.end()) {
    const bool numeric = !it->second.text.empty() && isdigit(static_cast<unsigned char>(it->second.text[0]));
    if (!c.Take(numeric ? ParseUint(it->second, UINT32_MAX) : ParseFlags(it->second, kEpollCreateFlags), &flags)) return false;
  }
  if (auto it = args.kv.find("size"); it != args.kv.end()) {
    int64_t v;
    if (!c.Take(ParseInt(it->second, INT32_MIN, INT32_MAX), &v)) return false;
    if (args.kv.count("flags")) return c.Fail(it->second.pos, "size= (epoll_create) and flags= (epoll_create1) do not mix");
    size = v;
  }
  long expected = 0;
  const bool has = args.has_arrow;
  if (has && (args.result.size() != 1 || !c.ExpectedResult(args, 0, &expected) || expected >= 0)) {
    return c.error ? false : c.Fail(args.arrow_pos, "only an errno may be expected: -> EINVAL");
  }
  if (!has) c.epolls.insert(name);
  step->action = [host, name, flags, size, has, expected](Env& env) -> std::optional<std::string> {
    net::Host* h = env.world.FindHost(host);
    const int fd = size ? net::sys_epoll_create(h, static_cast<int>(*size))
                        : net::sys_epoll_create1(h, static_cast<int>(flags));
    if (fd >= 0) env.epolls[name] = {h, fd};
    ++env.expectations;
    if (has) return fd == expected ? std::nullopt : std::optional<std::string>(fmt::format("expected {}, got {}", ResultName(expected), ResultName(fd)));
    return fd >= 0 ? std::nullopt : std::optional<std::string>(fmt::format("expected success, got {}", ResultName(fd)));
  };
  return true;
}

bool CtlOp(Compiler& c, const Word& w, int* op) {
  if (w.text == "add") *op = EPOLL_CTL_ADD;
  else if (w.text == "mod") *op = EPOLL_CTL_MOD;
  else if (w.text == "del") *op = EPOLL_CTL_DEL;
  else if (!w.text.empty() && isdigit(static_cast<unsigned char>(w.text[0]))) {
    uint64_t v;
    if (!c.Take(ParseUint(w, INT32_MAX), &v)) return false;
    *op = static_cast<int>(v);
  } else {
    return c.Fail(w.pos, fmt::format("unknown epoll_ctl operation '{}' (add, mod, del or a number)", w.text));
  }
  return true;
}

bool CompileEpollCtl(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 4, "epoll_ctl EP add|mod|del TARGET [events=EPOLL...] [-> ERRNO]") ||
      !c.OnlyKeys(args, {"events"}) || !KnownFile(c, args.pos[1]) || !KnownFile(c, args.pos[3])) {
    return false;
  }
  int op;
  if (!CtlOp(c, args.pos[2], &op)) return false;
  uint64_t events = 0;
  const auto ev = args.kv.find("events");
  if (ev != args.kv.end() && !c.Take(ParseFlags(ev->second, kEpollBits), &events)) return false;
  if (ev == args.kv.end() && op != EPOLL_CTL_DEL) return c.Fail(line.pos, "add and mod need events=EPOLL...");
  long expected = 0;
  const bool has = args.has_arrow;
  if (has && (args.result.size() != 1 || !c.ExpectedResult(args, 0, &expected))) {
    return c.error ? false : c.Fail(args.arrow_pos, "one expected result after '->'");
  }
  const std::string ep = args.pos[1].text, target = args.pos[3].text;
  step->action = [ep, target, op, events, has, expected](Env& env) -> std::optional<std::string> {
    const SockHandle e = FileHandle(env, ep), t = FileHandle(env, target);
    if (e.host != t.host) return "the epoll instance and its target belong to different hosts";
    net::EpollEvent event{static_cast<uint32_t>(events), static_cast<uint64_t>(t.fd)};
    const int rc = net::sys_epoll_ctl(e.host, e.fd, op, t.fd, &event);
    ++env.expectations;
    if (has ? rc == expected : rc >= 0) return std::nullopt;
    return fmt::format("expected {}, got {}", has ? ResultName(expected) : "success", ResultName(rc));
  };
  return true;
}

struct ExpectedEvent {
  std::string name;
  uint64_t events;
};

bool CompileEpollWait(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "epoll_wait EP [max=N] [timeout=D|inf] -> N [NAME=EVENTS ...]") ||
      !c.OnlyKeys(args, {"max", "timeout"}) || !KnownFile(c, args.pos[1])) {
    return false;
  }
  int64_t max = 64;
  sim::Time timeout;
  if (auto it = args.kv.find("max"); it != args.kv.end() && !c.Take(ParseInt(it->second, INT32_MIN, 4096), &max)) return false;
  if (!Timeout(c, args, &timeout)) return false;
  if (!args.has_arrow) return c.Fail(line.pos, "epoll_wait needs its expected result: -> N [NAME=EVENTS ...] or -> ERRNO");
  long count;
  if (!c.ExpectedResult(args, 0, &count)) return false;
  std::vector<ExpectedEvent> want;
  for (size_t i = 1; i < args.result.size(); ++i) {
    KeyValue kv;
    uint64_t bits;
    if (!c.Take(SplitKeyValue(args.result[i]), &kv) || !KnownFile(c, kv.key) || !c.Take(ParseFlags(kv.value, kEpollBits), &bits)) {
      return false;
    }
    want.push_back({kv.key.text, bits});
  }
  if (count < 0 && !want.empty()) return c.Fail(args.result[1].pos, "an errno result lists no events");
  if (count >= 0 && want.size() != static_cast<size_t>(count)) {
    return c.Fail(args.result[0].pos, fmt::format("the result says {} events but lists {} (NAME=EVENTS each)", count, want.size()));
  }
  const std::string ep = args.pos[1].text;
  step->action = [ep, max, timeout, count, want](Env& env) -> std::optional<std::string> {
    const SockHandle e = FileHandle(env, ep);
    std::vector<net::EpollEvent> out(static_cast<size_t>(std::max<int64_t>(max, 1)));
    const int rc = net::sys_epoll_wait(e.host, e.fd, out.data(), static_cast<int>(max), timeout);
    ++env.expectations;
    if (rc != count) {
      std::string got = ResultName(rc);
      for (int i = 0; i < rc; ++i) got += fmt::format(" {}={}", NameOfFd(env, e.host, out[i].data), MaskName(out[i].events, kEpollBits));
      return fmt::format("expected {}, got {}", ResultName(count), got);
    }
    for (size_t i = 0; i < want.size(); ++i) {
      const std::string name = NameOfFd(env, e.host, out[i].data);
      if (name != want[i].name || out[i].events != want[i].events) {
        return fmt::format("event {}: expected {}={}, got {}={}", i + 1, want[i].name, MaskName(want[i].events, kEpollBits), name,
                           MaskName(out[i].events, kEpollBits));
      }
    }
    return std::nullopt;
  };
  return true;
}

}  // namespace

bool IsPollVerb(const std::string& verb) {
  return verb == "poll" || verb == "epoll_create" || verb == "epoll_ctl" || verb == "epoll_wait";
}

bool CompilePollStatement(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string& verb = args.pos[0].text;
  if (verb == "poll") return CompilePoll(c, line, args, step);
  if (verb == "epoll_create") return CompileEpollCreate(c, line, args, step);
  if (verb == "epoll_ctl") return CompileEpollCtl(c, line, args, step);
  return CompileEpollWait(c, line, args, step);
}

}  // namespace zcsim::scenario
