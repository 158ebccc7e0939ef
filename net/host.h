// One simulated machine: its network namespace (devices, addresses,
// routes, sockets), its process's memory, its sysctls and its softirq work.
#ifndef ZCSIM_NET_HOST_H_
#define ZCSIM_NET_HOST_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/app_reader.h"
#include "net/inet.h"
#include "net/mm.h"
#include "net/netdevice.h"
#include "net/sock.h"
#include "net/tcp.h"
#include "net/wire_faults.h"
#include "sim/deferred.h"

namespace zcsim::net {

class World;
struct EventPoll;

struct NicParams {
  uint32_t tx_ring = 256;                           // descriptors
  sim::Time dma_delay = 1 * sim::kMicrosecond;      // queued -> DMA read
  sim::Time completion_delay = 4 * sim::kMicrosecond;  // DMA -> TX completion IRQ
  uint32_t napi_budget = 64;                        // completions reaped per poll
  sim::Time wire_latency = 1 * sim::kMicrosecond;   // to the link partner
  WireFaults faults;                                // loss, dup, delay, reorder on the way out
};

class Host {
 public:
  Host(World& world, std::string name);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  World& world() { return world_; }
  const std::string& name() const { return name_; }
  Mm& mm() { return mm_; }
  NetSysctls& sysctl() { return sysctl_; }
  sim::DeferredQueue& softirq() { return softirq_; }
  // current->task_frag: the page frag sk_page_frag() gives process-context
  // sends (one simulated process per host).
  PageFrag& task_frag() { return task_frag_; }

  // Devices. The loopback device "lo" (127.0.0.1/8, ::1/128) always exists.
  NetDevice* AddNic(const std::string& name, const NicParams& params);
  NetDevice* AddDummy(const std::string& name);
  NetDevice* AddVeth(const std::string& name);
  NetDevice* AddTun(const std::string& name);
  NetDevice* FindDevice(const std::string& name);
  NetDevice* loopback() { return lo_; }
  const std::vector<std::unique_ptr<NetDevice>>& devices() const { return devices_; }

  // Route lookup (ip_route_output_flow, reduced): the device for `daddr`
  // and the source address to use; -ENETUNREACH when there is none.
  int RouteOutput(const InetAddr& daddr, NetDevice** dev, InetAddr* saddr);
  bool IsLocalAddress(const InetAddr& addr) const;

  // Sockets by file descriptor.
  int InstallFd(Sock* sk);
  Sock* LookupFd(int fd);
  void ReleaseFd(int fd);
  const std::map<int, Sock*>& fds() const { return fds_; }
  // Epoll instances share the fd numbers with sockets (the host owns them).
  int InstallEpollFd(std::unique_ptr<EventPoll> ep);
  EventPoll* LookupEpollFd(int fd);
  // Removes the fd and hands the instance back to be freed (ep_free).
  std::unique_ptr<EventPoll> ReleaseEpollFd(int fd);
  // Rate readers (net/app_reader.h), one per fd, owned by the host.
  AppReader* AddAppReader(std::unique_ptr<AppReader> reader);
  AppReader* FindAppReader(int fd) const;
  void RemoveAppReader(int fd) { app_readers_.erase(fd); }
  // The UDP socket bound to `local` (exact address or wildcard).
  Sock* LookupUdp(const InetAddr& local);
  // An unused ephemeral port (seeded start, then linear probing).
  uint16_t PickEphemeralPort(int family);
  bool PortInUse(const InetAddr& addr) const;

  // The host's one task: whether it is inside a system call, and what runs
  // when it returns to user space (task_work, kernel/task_work.c).
  bool task_in_kernel() const { return task_depth_ > 0; }
  void AddReturnToUserHook(std::function<void()> hook) { return_to_user_.push_back(std::move(hook)); }
  class TaskScope {
   public:
    explicit TaskScope(Host& h) : h_(h) { ++h_.task_depth_; }
    ~TaskScope() {
      if (--h_.task_depth_ == 0) {
        for (auto& hook : h_.return_to_user_) hook();
      }
    }
    TaskScope(const TaskScope&) = delete;
    TaskScope& operator=(const TaskScope&) = delete;

   private:
    Host& h_;
  };

  uint16_t NextIpId() { return ip_id_++; }
  uint32_t NextIpv6FragId() { return ipv6_frag_id_++; }

  // IP reassembly queues (ip_defrag / ipv6_frag_rcv).
  struct FragQueue {
    std::vector<std::pair<uint32_t, std::vector<uint8_t>>> pieces;  // offset, payload
    uint32_t total = 0;       // known once the last fragment arrived
    bool have_last = false;
    std::vector<uint8_t> first_header;  // IP header of the first fragment
  };
  std::map<std::string, FragQueue>& frag_queues() { return frag_queues_; }
  // TCP sockets with a connection (connecting, established, closing; the
  // kernel's ehash) and listeners; children live here until accepted.
  std::vector<Sock*>& tcp_socks() { return tcp_socks_; }
  // TIME_WAIT records (net/tcp.h TcpTimeWait), and the ids they take.
  std::vector<TcpTimeWait>& tcp_timewait() { return tcp_timewait_; }
  uint64_t& tcp_timewait_ids() { return tcp_timewait_ids_; }

 private:
  void page_frag_release_silently();

  World& world_;
  std::string name_;
  Mm mm_;
  NetSysctls sysctl_;
  sim::DeferredQueue softirq_;
  PageFrag task_frag_;
  std::vector<std::unique_ptr<NetDevice>> devices_;
  NetDevice* lo_ = nullptr;
  std::map<int, Sock*> fds_;
  std::map<int, std::unique_ptr<EventPoll>> epoll_fds_;
  std::map<int, std::unique_ptr<AppReader>> app_readers_;
  int next_fd_ = 3;
  uint16_t ip_id_ = 1;
  int task_depth_ = 0;
  std::vector<std::function<void()>> return_to_user_;
  uint32_t ipv6_frag_id_ = 1;
  std::map<std::string, FragQueue> frag_queues_;
  std::vector<Sock*> tcp_socks_;
  std::vector<TcpTimeWait> tcp_timewait_;
  uint64_t tcp_timewait_ids_ = 0;
};

}  // namespace zcsim::net

#endif  // ZCSIM_NET_HOST_H_
