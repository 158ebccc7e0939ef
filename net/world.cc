#include "net/world.h"

#include "net/host.h"
#include "net/msg_zerocopy.h"
#include "net/sock.h"

namespace zcsim::net {
namespace {

constexpr struct {
  KernelEra era;
  const char* name;
} kEras[] = {
    {KernelEra::kV4, "v4"},     {KernelEra::k6_0_rc1, "6.0-rc1"}, {KernelEra::k6_0_rc3, "6.0-rc3"}, {KernelEra::k6_0, "6.0"},
    {KernelEra::k6_1, "6.1"},   {KernelEra::k6_2, "6.2"},         {KernelEra::k6_10, "6.10"},
};

}  // namespace

const char* KernelEraName(KernelEra era) {
  for (const auto& e : kEras) {
    if (e.era == era) return e.name;
  }
  return "?";
}

bool KernelEraFromName(const std::string& name, KernelEra* era) {
  for (const auto& e : kEras) {
    if (name == e.name) {
      *era = e.era;
      return true;
    }
  }
  return false;
}

World::World(sim::Simulator& sim)
    : sim_(sim),
      msgzc_ubufs_(std::make_unique<sim::Pool<UbufInfoMsgzc>>("ubuf")),
      socks_(std::make_unique<sim::Pool<Sock>>("sock")) {}

World::~World() {
  // Hosts first (their address spaces let go of pages), then the pools free
  // whatever the run left alive, silently.
  hosts_.clear();
}

void World::set_deep_checks(bool deep) {
  sim_.checker().set_deep(deep);
  pages_.set_keep_tombstones(deep);
  skbs_.set_keep_tombstones(deep);
  shinfos_.set_keep_tombstones(deep);
  msgzc_ubufs_->set_keep_tombstones(deep);
  socks_->set_keep_tombstones(deep);
}

Host* World::AddHost(const std::string& name) {
  if (FindHost(name) != nullptr) return nullptr;
  hosts_.push_back(std::make_unique<Host>(*this, name));
  return hosts_.back().get();
}

Host* World::FindHost(const std::string& name) {
  for (auto& h : hosts_) {
    if (h->name() == name) return h.get();
  }
  return nullptr;
}

}  // namespace zcsim::net
