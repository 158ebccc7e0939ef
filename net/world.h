// The simulated world: every host, the shared object pools (so that ids
// such as skb#12 are unique in a run), and the kernel era.
#ifndef ZCSIM_NET_WORLD_H_
#define ZCSIM_NET_WORLD_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/mm.h"
#include "net/skbuff.h"
#include "sim/pool.h"
#include "sim/simulator.h"

namespace zcsim::net {

class Host;
struct Sock;
struct UbufInfoMsgzc;

// Behaviour that changed between kernel versions reads this one setting.
// Each branch that depends on it names the commit that changed it.
enum class KernelEra {
  kV4,       // the io_uring zerocopy series as posted (v4, Jul 2022)
  k6_0_rc1,  // the slot API as merged for 6.0-rc1 (opcode renamed SENDZC_NOTIF)
  k6_0_rc3,  // the slot API with the notification ordering fix (53bdc88aac9a, B2)
  k6_0,      // 6.0 release: IORING_OP_SEND_ZC, one notifier per request
  k6_1,      // 6.1: SENDMSG_ZC, notifications for failed sends
  k6_2,      // 6.2: IORING_SEND_ZC_REPORT_USAGE
  k6_10,     // 6.10: ubuf_info_ops, notification stacking
};
const char* KernelEraName(KernelEra era);
bool KernelEraFromName(const std::string& name, KernelEra* era);

class World {
 public:
  explicit World(sim::Simulator& sim);
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  sim::Simulator& sim() { return sim_; }
  sim::Tracer& tracer() { return sim_.tracer(); }
  sim::Checker& checker() { return sim_.checker(); }
  sim::Time now() const { return sim_.now(); }

  KernelEra era() const { return era_; }
  void set_era(KernelEra era) { era_ = era; }

  // Deep checks: tombstones for every pool (use-after-free becomes a
  // violation) and whole-world checks after every event.
  void set_deep_checks(bool deep);

  Host* AddHost(const std::string& name);
  Host* FindHost(const std::string& name);
  const std::vector<std::unique_ptr<Host>>& hosts() const { return hosts_; }

  sim::Pool<Page>& pages() { return pages_; }
  sim::Pool<SkBuff>& skbs() { return skbs_; }
  sim::Pool<SkbSharedInfo>& shinfos() { return shinfos_; }
  sim::Pool<UbufInfoMsgzc>& msgzc_ubufs() { return *msgzc_ubufs_; }
  sim::Pool<Sock>& socks() { return *socks_; }
  sim::ObjectId NextDeviceId() { return device_ids_.Next(); }
  sim::ObjectId NextEpollId() { return epoll_ids_.Next(); }

  // Other layers that charge RLIMIT_MEMLOCK (io_uring) report their
  // charges here, so that the INV-7 check can balance locked_vm.
  using LockedVmSource = std::function<void(std::map<const UserStruct*, uint64_t>&)>;
  void AddLockedVmSource(LockedVmSource source) { locked_vm_sources_.push_back(std::move(source)); }
  const std::vector<LockedVmSource>& locked_vm_sources() const { return locked_vm_sources_; }

  // Inside a system call the kernel's state is legitimately half-updated
  // (a ubuf allocated but not yet attached ...); whole-world checks wait
  // for the call to return, even if it sleeps and lets events run.
  int syscall_depth() const { return syscall_depth_; }
  class SyscallScope {
   public:
    explicit SyscallScope(World& w) : w_(w) { ++w_.syscall_depth_; }
    ~SyscallScope() { --w_.syscall_depth_; }
    SyscallScope(const SyscallScope&) = delete;
    SyscallScope& operator=(const SyscallScope&) = delete;

   private:
    World& w_;
  };

  // Lets virtual time run until `done()` holds: what a blocking system call
  // does while the task sleeps. Only from outside an event (the simulated
  // program's own context). Returns false if the world went idle first, or
  // a violation stopped the run: the task would sleep forever.
  template <typename Pred>
  bool WaitFor(Pred done) {
    while (!done()) {
      if (sim_.scheduler().current().seq != 0) return false;
      if (!sim_.scheduler().RunOne() || sim_.scheduler().stop_requested()) return done();
    }
    return true;
  }

 private:
  sim::Simulator& sim_;
  KernelEra era_ = KernelEra::k6_1;
  // Pools outlive hosts: declared first, destroyed last.
  sim::Pool<Page> pages_{"page"};
  sim::Pool<SkBuff> skbs_{"skb"};
  sim::Pool<SkbSharedInfo> shinfos_{"shinfo"};
  std::unique_ptr<sim::Pool<UbufInfoMsgzc>> msgzc_ubufs_;
  std::unique_ptr<sim::Pool<Sock>> socks_;
  std::vector<std::unique_ptr<Host>> hosts_;
  sim::IdCounter device_ids_{"dev"};
  sim::IdCounter epoll_ids_{"ep"};
  int syscall_depth_ = 0;
  std::vector<LockedVmSource> locked_vm_sources_;
};

}  // namespace zcsim::net

#endif  // ZCSIM_NET_WORLD_H_
