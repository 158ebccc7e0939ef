// A TCP MSG_ZEROCOPY transfer between two hosts whose NICs drop, duplicate,
// reorder and jitter packets (seeded), driven like a non-blocking program:
// send what fits, read what arrived, collect notifications, let one event
// happen, repeat. Shared by the wire-fault test and the determinism test.
#ifndef ZCSIM_TESTS_NET_FAULTY_TRANSFER_H_
#define ZCSIM_TESTS_NET_FAULTY_TRANSFER_H_

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "net/drivers.h"
#include "net/host.h"
#include "net/invariants.h"
#include "net/socket.h"
#include "net/tcp.h"
#include "net/world.h"
#include "sim/simulator.h"
#include "sim/trace.h"

namespace zcsim::net {

struct FaultyTransferResult {
  bool connected = false;
  std::vector<uint8_t> sent;      // the user buffer's bytes
  std::vector<uint8_t> received;  // what the peer read, in order
  uint32_t send_calls = 0;        // sendmsg calls that queued bytes
  uint32_t zckey = 0;             // MSG_ZEROCOPY ids handed out
  std::vector<std::pair<uint32_t, uint32_t>> notifications;  // [lo, hi]
  int64_t wmem_alloc = -1;
  int64_t wmem_queued = -1;
  int64_t omem_alloc = -1;
  uint64_t locked_vm = UINT64_MAX;
  size_t violations = 0;
  size_t warnings = 0;
  std::string first_violation;
  WireFaultStats faults_a;  // data direction
  WireFaultStats faults_b;  // ACK direction
  uint64_t retransmits = 0;
  sim::Time end = 0;
};

inline constexpr uint64_t kFaultyBuf = 0x100000;

inline NicParams FaultyNic() {
  NicParams p;
  p.dma_delay = 2 * sim::kMicrosecond;
  p.completion_delay = 10 * sim::kMicrosecond;
  p.wire_latency = 5 * sim::kMicrosecond;
  p.faults.loss_ppm = 20000;     // 2%
  p.faults.dup_ppm = 20000;      // 2%
  p.faults.reorder_ppm = 20000;  // 2%
  p.faults.jitter = 2 * sim::kMicrosecond;
  return p;
}

inline InetPrefix FaultyPrefix(uint8_t host) {
  InetPrefix p;
  p.addr = MakeInet4(10, 0, 0, host, 0);
  p.len = 24;
  return p;
}

// Runs `total` bytes in sends of at most `chunk` bytes with deep checks on.
// `hash` (optional) receives the whole trace.
inline FaultyTransferResult RunFaultyTransfer(uint64_t seed, uint32_t total, uint32_t chunk,
                                              sim::TraceSink* hash = nullptr) {
  FaultyTransferResult r;
  sim::Simulator sim(seed, sim::CheckMode::kReport);
  if (hash != nullptr) sim.tracer().AddSink(hash);
  World world(sim);
  world.set_deep_checks(true);
  RegisterWorldInvariants(world);
  Host* a = world.AddHost("a");
  Host* b = world.AddHost("b");
  NetDevice* na = a->AddNic("eth0", FaultyNic());
  NetDevice* nb = b->AddNic("eth0", FaultyNic());
  na->addrs.push_back(FaultyPrefix(1));
  nb->addrs.push_back(FaultyPrefix(2));
  LinkDevices(na, nb);
  const uint64_t map_len = (total + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
  a->mm().Map("buf", kFaultyBuf, map_len, [](uint64_t i) { return static_cast<uint8_t>(i * 7 + (i >> 8)); });
  r.sent.resize(total);
  a->mm().Read(kFaultyBuf, total, r.sent.data());

  const int lfd = sys_socket(b, AF_INET, SOCK_STREAM, 0);
  sys_bind(b, lfd, MakeInet4(10, 0, 0, 2, 8000));
  sys_listen(b, lfd, 8);
  const int fd = sys_socket(a, AF_INET, SOCK_STREAM, 0);
  sys_setsockopt(a, fd, SOL_SOCKET, SO_ZEROCOPY, 1);
  r.connected = sys_connect(a, fd, MakeInet4(10, 0, 0, 2, 8000)) == 0;
  const int peer = r.connected ? sys_accept(b, lfd) : -1;
  r.connected = r.connected && peer >= 0;

  // The loop ends when everything arrived and the world is idle, or at a
  // virtual-time bound (a stuck transfer then fails the byte check).
  const sim::Time limit = 600 * sim::kSecond;
  uint32_t offset = 0;
  while (r.connected && sim.now() < limit) {
    bool progressed = false;
    if (offset < total) {
      UserMsg msg;
      msg.iov = {{kFaultyBuf + offset, std::min(chunk, total - offset)}};
      const long n = sys_sendmsg(a, fd, msg, MSG_ZEROCOPY | MSG_DONTWAIT);
      if (n > 0) {
        offset += static_cast<uint32_t>(n);
        ++r.send_calls;
        progressed = true;
      }
    }
    RecvMsg got;
    while (sys_recvmsg(b, peer, &got, 65536, MSG_DONTWAIT) > 0) {
      r.received.insert(r.received.end(), got.data.begin(), got.data.end());
    }
    RecvMsg err;
    while (sys_recvmsg(a, fd, &err, 0, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
      r.notifications.emplace_back(err.ee.ee_info, err.ee.ee_data);
    }
    // Idle, and nothing new was queued: done (or stuck, which the checks
    // on the result then report).
    if (!sim.scheduler().RunOne() && !progressed) break;
  }
  r.end = sim.now();
  Sock* sk = sockfd_lookup(a, fd);
  if (sk != nullptr) {
    r.zckey = sk->sk_zckey;
    r.wmem_alloc = sk->sk_wmem_alloc;
    r.omem_alloc = sk->sk_omem_alloc;
    r.wmem_queued = sk->tcp->sk_wmem_queued;
    r.retransmits = sk->tcp->retransmits;
  }
  r.locked_vm = a->mm().user().locked_vm;
  r.faults_a = static_cast<NicDevice*>(na)->wire_fault_stats();
  r.faults_b = static_cast<NicDevice*>(nb)->wire_fault_stats();
  r.violations = sim.checker().violations().size();
  r.warnings = sim.checker().warnings().size();
  if (r.violations > 0) r.first_violation = sim.checker().violations()[0].ToString();
  return r;
}

}  // namespace zcsim::net

#endif  // ZCSIM_TESTS_NET_FAULTY_TRANSFER_H_
