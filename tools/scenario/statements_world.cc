// World statements: era, host, nic, dummy, veth, dev, link, addr.
#include <fmt/format.h>

#include "net/drivers.h"
#include "net/netdevice.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

constexpr FlagName kFeatures[] = {
    {"sg", net::NETIF_F_SG},           {"ip_csum", net::NETIF_F_IP_CSUM},
    {"hw_csum", net::NETIF_F_HW_CSUM}, {"ipv6_csum", net::NETIF_F_IPV6_CSUM},
    {"tso", net::NETIF_F_TSO},         {"tso6", net::NETIF_F_TSO6},
};

struct DeviceOptions {
  std::optional<uint64_t> mtu;
  std::optional<uint64_t> features;
  std::optional<bool> capture;
  net::NicParams nic;
};

bool ParseDeviceOptions(Compiler& c, const Args& args, bool nic, DeviceOptions* o) {
  if (nic) {
    if (!c.OnlyKeys(args, {"mtu", "features", "capture", "tx_ring", "dma_delay", "completion_delay", "napi_budget",
                           "wire_latency", "drop", "dup", "delay", "reorder", "loss", "dup_rate", "reorder_rate",
                           "jitter", "fault_seed"})) {
      return false;
    }
  } else if (!c.OnlyKeys(args, {"mtu", "features", "capture"})) {
    return false;
  }
  for (const auto& [key, w] : args.kv) {
    uint64_t u;
    sim::Time t;
    if (key == "mtu") {
      if (!c.Take(ParseUint(w, 65536), &u)) return false;
      if (u < 68) return c.Fail(w.pos, "mtu must be at least 68");
      o->mtu = u;
    } else if (key == "features") {
      if (!c.Take(ParseFlags(w, kFeatures), &u)) return false;
      o->features = u;
    } else if (key == "capture") {
      if (w.text != "on" && w.text != "off") return c.Fail(w.pos, "capture is on or off");
      o->capture = w.text == "on";
    } else if (key == "tx_ring") {
      if (!c.Take(ParseUint(w, 1 << 16), &u)) return false;
      if (u == 0) return c.Fail(w.pos, "tx_ring must be at least 1");
      o->nic.tx_ring = static_cast<uint32_t>(u);
    } else if (IsWireFaultKey(key)) {
      if (!ParseWireFault(c, key, w, &o->nic.faults)) return false;
    } else if (key == "napi_budget") {
      if (!c.Take(ParseUint(w, 1 << 16), &u)) return false;
      if (u == 0) return c.Fail(w.pos, "napi_budget must be at least 1");
      o->nic.napi_budget = static_cast<uint32_t>(u);
    } else {
      if (!c.Take(ParseDuration(w), &t)) return false;
      if (key == "dma_delay") o->nic.dma_delay = t;
      if (key == "completion_delay") o->nic.completion_delay = t;
      if (key == "wire_latency") o->nic.wire_latency = t;
    }
  }
  return true;
}

void ApplyDeviceOptions(net::NetDevice* dev, const DeviceOptions& o) {
  if (o.mtu) dev->mtu = static_cast<uint32_t>(*o.mtu);
  if (o.features) dev->features = *o.features;
  if (o.capture) dev->capture_bytes = *o.capture;
}

bool CompileHost(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "host NAME [memlock=BYTES|unlimited] [cap_ipc_lock=0|1] [optmem_max=N] ...") ||
      !c.NoResult(args) ||
      !c.OnlyKeys(args, {"memlock", "cap_ipc_lock", "optmem_max", "wmem_default", "wmem_max", "rmem_default", "rmem_max",
                         "tcp_delack", "tcp_rmem_max", "tcp_sack"})) {
    return false;
  }
  const std::string name = args.pos[1].text;
  if (c.hosts.count(name)) return c.Fail(args.pos[1].pos, fmt::format("host '{}' already exists", name));
  if (name.find(':') != std::string::npos) return c.Fail(args.pos[1].pos, "a host name cannot contain ':'");
  struct Settings {
    std::optional<uint64_t> memlock;
    bool unlimited = false;
    std::optional<bool> cap;
    std::map<std::string, int> sysctl;
    std::optional<sim::Time> delack;
  } s;
  for (const auto& [key, w] : args.kv) {
    uint64_t u;
    if (key == "memlock") {
      if (w.text == "unlimited") {
        s.unlimited = true;
      } else {
        if (!c.Take(ParseUint(w, uint64_t{1} << 50), &u)) return false;
        s.memlock = u;
      }
    } else if (key == "cap_ipc_lock") {
      if (!c.Take(ParseUint(w, 1), &u)) return false;
      s.cap = u == 1;
    } else if (key == "tcp_delack") {
      sim::Time d;
      if (!c.Take(ParseDuration(w), &d)) return false;
      s.delack = d;
    } else {
      if (!c.Take(ParseUint(w, key == "tcp_sack" ? 1 : 0x7fffffff), &u)) return false;
      s.sysctl[key] = static_cast<int>(u);
    }
  }
  c.hosts.insert(name);
  c.devices.insert(name + ":lo");
  step->action = [name, s](Env& env) -> std::optional<std::string> {
    net::Host* h = env.world.AddHost(name);
    if (s.memlock) h->mm().user().memlock_limit = *s.memlock;
    h->mm().user().memlock_unlimited = s.unlimited;
    if (s.cap) h->mm().user().cap_ipc_lock = *s.cap;
    if (s.delack) h->sysctl().tcp_delack_ns = *s.delack;
    for (const auto& [key, v] : s.sysctl) {
      if (key == "optmem_max") h->sysctl().optmem_max = v;
      if (key == "wmem_default") h->sysctl().wmem_default = v;
      if (key == "wmem_max") h->sysctl().wmem_max = v;
      if (key == "rmem_default") h->sysctl().rmem_default = v;
      if (key == "rmem_max") h->sysctl().rmem_max = v;
      if (key == "tcp_rmem_max") h->sysctl().tcp_rmem_max = v;
      if (key == "tcp_sack") h->sysctl().tcp_sack = v;
    }
    return std::nullopt;
  };
  return true;
}

bool CompileDevice(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string verb = args.pos[0].text;
  const bool modify = verb == "dev";
  if (!c.NeedPositionals(line, args, 2, "nic|dummy|veth|tun|dev HOST:DEV [mtu=N] [features=sg|hw_csum|...] ...") ||
      !c.NoResult(args)) {
    return false;
  }
  std::string host, dev;
  if (!c.DeviceRef(args.pos[1], &host, &dev, modify)) return false;
  if (!modify && c.devices.count(args.pos[1].text)) {
    return c.Fail(args.pos[1].pos, fmt::format("device '{}' already exists", args.pos[1].text));
  }
  DeviceOptions o;
  if (!ParseDeviceOptions(c, args, verb == "nic", &o)) return false;
  c.devices.insert(args.pos[1].text);
  step->action = [verb, host, dev, o](Env& env) -> std::optional<std::string> {
    net::Host* h = env.world.FindHost(host);
    net::NetDevice* d = nullptr;
    if (verb == "nic") d = h->AddNic(dev, o.nic);
    if (verb == "dummy") d = h->AddDummy(dev);
    if (verb == "veth") d = h->AddVeth(dev);
    if (verb == "tun") d = h->AddTun(dev);
    if (verb == "dev") d = h->FindDevice(dev);
    ApplyDeviceOptions(d, o);
    return std::nullopt;
  };
  return true;
}

bool CompileLink(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "link HOST:DEV HOST:DEV") || !c.NoResult(args) || !c.OnlyKeys(args, {})) {
    return false;
  }
  std::string h1, d1, h2, d2;
  if (!c.DeviceRef(args.pos[1], &h1, &d1, true) || !c.DeviceRef(args.pos[2], &h2, &d2, true)) return false;
  step->action = [h1, d1, h2, d2](Env& env) -> std::optional<std::string> {
    net::NetDevice* a = env.world.FindHost(h1)->FindDevice(d1);
    net::NetDevice* b = env.world.FindHost(h2)->FindDevice(d2);
    if (!net::LinkDevices(a, b)) {
      return fmt::format("cannot link {}:{} ({}) and {}:{} ({}): two NICs or two veths, each linked once", h1, d1,
                         net::DeviceKindName(a->kind), h2, d2, net::DeviceKindName(b->kind));
    }
    return std::nullopt;
  };
  return true;
}

bool CompileAddr(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "addr HOST:DEV ADDRESS/PREFIX") || !c.NoResult(args) || !c.OnlyKeys(args, {})) {
    return false;
  }
  std::string host, dev;
  if (!c.DeviceRef(args.pos[1], &host, &dev, true)) return false;
  Prefix p;
  if (!c.Take(ParsePrefix(args.pos[2]), &p)) return false;
  net::InetPrefix prefix;
  prefix.addr.family = p.family;
  prefix.addr.addr = p.addr;
  prefix.len = p.length;
  step->action = [host, dev, prefix](Env& env) -> std::optional<std::string> {
    env.world.FindHost(host)->FindDevice(dev)->addrs.push_back(prefix);
    return std::nullopt;
  };
  return true;
}

bool CompileEra(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "era v4|6.0-rc1|6.0|6.1|6.2|6.10") || !c.NoResult(args) || !c.OnlyKeys(args, {})) {
    return false;
  }
  net::KernelEra era;
  if (!net::KernelEraFromName(args.pos[1].text, &era)) {
    return c.Fail(args.pos[1].pos, fmt::format("unknown kernel era '{}' (v4, 6.0-rc1, 6.0, 6.1, 6.2, 6.10)", args.pos[1].text));
  }
  step->action = [era](Env& env) -> std::optional<std::string> {
    env.world.set_era(era);
    return std::nullopt;
  };
  return true;
}

}  // namespace

bool IsWorldVerb(const std::string& verb) {
  return verb == "era" || verb == "host" || verb == "nic" || verb == "dummy" || verb == "veth" || verb == "tun" || verb == "dev" ||
         verb == "link" || verb == "addr";
}

bool CompileWorld(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string& verb = args.pos[0].text;
  if (verb == "era") return CompileEra(c, line, args, step);
  if (verb == "host") return CompileHost(c, line, args, step);
  if (verb == "link") return CompileLink(c, line, args, step);
  if (verb == "addr") return CompileAddr(c, line, args, step);
  return CompileDevice(c, line, args, step);
}

}  // namespace zcsim::scenario
