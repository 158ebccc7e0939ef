#include "net/host.h"

#include "net/app_reader.h"
#include "net/drivers.h"
#include "net/eventpoll.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {

Host::Host(World& world, std::string name)
    : world_(world),
      name_(std::move(name)),
      mm_(world.sim(), world.pages(), name_),
      softirq_(sim::DeferredKind::kSoftirq, name_ + ":NET_RX", &world.tracer()) {
  auto lo = std::make_unique<LoopbackDevice>(this, world.NextDeviceId(), 1);
  InetPrefix v4{Ipv4Loopback(), 8};
  InetPrefix v6{Ipv6Loopback(), 128};
  lo->addrs = {v4, v6};
  lo_ = lo.get();
  devices_.push_back(std::move(lo));
}

Host::~Host() {
  // Epoll instances first: ep_free() unhooks their items from the sockets'
  // wait queues while the sockets still exist.
  while (!epoll_fds_.empty()) ep_free(ReleaseEpollFd(epoll_fds_.begin()->first));
  for (auto& [fd, reader] : app_readers_) app_reader_stop(reader.get());
  // Sockets and queued skbs are freed silently by the world's pools.
  page_frag_release_silently();
}

void Host::page_frag_release_silently() {
  if (task_frag_.page != nullptr && --task_frag_.page->refcount == 0) {
    task_frag_.page->Release();
    world_.pages().Retire(task_frag_.page);
  }
  task_frag_.page = nullptr;
}

NetDevice* Host::AddNic(const std::string& name, const NicParams& params) {
  if (FindDevice(name) != nullptr) return nullptr;
  devices_.push_back(std::make_unique<NicDevice>(this, name, world_.NextDeviceId(),
                                                 static_cast<int>(devices_.size()) + 1, params));
  return devices_.back().get();
}

NetDevice* Host::AddDummy(const std::string& name) {
  if (FindDevice(name) != nullptr) return nullptr;
  devices_.push_back(std::make_unique<DummyDevice>(this, name, world_.NextDeviceId(),
                                                   static_cast<int>(devices_.size()) + 1));
  return devices_.back().get();
}

NetDevice* Host::AddVeth(const std::string& name) {
  if (FindDevice(name) != nullptr) return nullptr;
  devices_.push_back(std::make_unique<VethDevice>(this, name, world_.NextDeviceId(),
                                                  static_cast<int>(devices_.size()) + 1));
  return devices_.back().get();
}

NetDevice* Host::AddTun(const std::string& name) {
  if (FindDevice(name) != nullptr) return nullptr;
  devices_.push_back(std::make_unique<TunDevice>(this, name, world_.NextDeviceId(),
                                                 static_cast<int>(devices_.size()) + 1));
  return devices_.back().get();
}

NetDevice* Host::FindDevice(const std::string& name) {
  for (auto& d : devices_) {
    if (d->name == name) return d.get();
  }
  return nullptr;
}

bool Host::IsLocalAddress(const InetAddr& addr) const {
  if (addr.is_loopback()) return true;
  for (const auto& d : devices_) {
    for (const InetPrefix& p : d->addrs) {
      if (p.addr.SameHost(addr)) return true;
    }
  }
  return false;
}

int Host::RouteOutput(const InetAddr& daddr, NetDevice** dev, InetAddr* saddr) {
  // Local destinations go through loopback, as the kernel's local table does.
  if (IsLocalAddress(daddr)) {
    *dev = lo_;
    *saddr = daddr;
    saddr->port = 0;
    return 0;
  }
  NetDevice* best = nullptr;
  const InetPrefix* best_prefix = nullptr;
  for (const auto& d : devices_) {
    for (const InetPrefix& p : d->addrs) {
      if (p.Contains(daddr) && (best_prefix == nullptr || p.len > best_prefix->len)) {
        best = d.get();
        best_prefix = &p;
      }
    }
  }
  if (best == nullptr) return -ENETUNREACH;
  *dev = best;
  *saddr = best_prefix->addr;
  saddr->port = 0;
  return 0;
}

int Host::InstallFd(Sock* sk) {
  const int fd = next_fd_++;
  fds_[fd] = sk;
  sk->fd = fd;
  return fd;
}

AppReader* Host::AddAppReader(std::unique_ptr<AppReader> reader) {
  AppReader* r = reader.get();
  app_readers_[r->fd] = std::move(reader);
  return r;
}

AppReader* Host::FindAppReader(int fd) const {
  auto it = app_readers_.find(fd);
  return it == app_readers_.end() ? nullptr : it->second.get();
}

int Host::InstallEpollFd(std::unique_ptr<EventPoll> ep) {
  const int fd = next_fd_++;
  ep->fd = fd;
  epoll_fds_[fd] = std::move(ep);
  return fd;
}

EventPoll* Host::LookupEpollFd(int fd) {
  auto it = epoll_fds_.find(fd);
  return it == epoll_fds_.end() ? nullptr : it->second.get();
}

std::unique_ptr<EventPoll> Host::ReleaseEpollFd(int fd) {
  auto it = epoll_fds_.find(fd);
  if (it == epoll_fds_.end()) return nullptr;
  std::unique_ptr<EventPoll> ep = std::move(it->second);
  epoll_fds_.erase(it);
  return ep;
}

Sock* Host::LookupFd(int fd) {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : it->second;
}

void Host::ReleaseFd(int fd) { fds_.erase(fd); }

Sock* Host::LookupUdp(const InetAddr& local) {
  Sock* wildcard = nullptr;
  for (const auto& [fd, sk] : fds_) {
    if (sk->protocol != IPPROTO_UDP || !sk->bound || sk->family != local.family) continue;
    if (sk->saddr.port != local.port) continue;
    if (sk->saddr.SameHost(local)) return sk;
    if (sk->saddr.is_any() && wildcard == nullptr) wildcard = sk;
  }
  return wildcard;
}

bool Host::PortInUse(const InetAddr& addr) const {
  for (const auto& [fd, sk] : fds_) {
    if (!sk->bound || sk->family != addr.family || sk->saddr.port != addr.port) continue;
    if (sk->saddr.is_any() || addr.is_any() || sk->saddr.SameHost(addr)) return true;
  }
  return false;
}

uint16_t Host::PickEphemeralPort(int family) {
  // ip_local_port_range 32768..60999, starting at a seeded offset.
  constexpr uint32_t kLow = 32768, kHigh = 60999;
  const uint32_t span = kHigh - kLow + 1;
  const uint32_t start = static_cast<uint32_t>(world_.sim().rng().Below(span));
  for (uint32_t i = 0; i < span; ++i) {
    InetAddr probe;
    probe.family = family;
    probe.port = static_cast<uint16_t>(kLow + (start + i) % span);
    if (!PortInUse(probe)) return probe.port;
  }
  return 0;
}

}  // namespace zcsim::net
