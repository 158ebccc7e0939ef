// The simulated UDP send path, tracing off: MSG_ZEROCOPY against copy
// sends, 4000-byte payloads over the dummy device (MTU 9000, so every
// datagram is one skb), as in the cover letter's dummy-device table.
//
//   bazel run -c opt //tests/bench:udp_send_bench
//
// Goal (issue 3): at least 2 million simulated sends per second on one core.
#include <benchmark/benchmark.h>

#include "net/host.h"
#include "net/socket.h"
#include "net/world.h"
#include "sim/simulator.h"

namespace zcsim::net {
namespace {

constexpr uint64_t kBuf = 0x100000;

struct BenchWorld {
  BenchWorld() : sim(1), world(sim) {
    host = world.AddHost("a");
    NetDevice* dummy = host->AddDummy("dummy0");
    dummy->mtu = 9000;
    dummy->capture_bytes = false;
    InetPrefix p;
    p.addr = MakeInet4(10, 0, 0, 1, 0);
    p.len = 24;
    dummy->addrs.push_back(p);
    host->mm().Map("buf", kBuf, 64 * 1024, [](uint64_t i) { return static_cast<uint8_t>(i); });
    fd = sys_socket(host, AF_INET, SOCK_DGRAM, 0);
    sys_setsockopt(host, fd, SOL_SOCKET, SO_ZEROCOPY, 1);
    sys_connect(host, fd, MakeInet4(10, 0, 0, 2, 9000));
  }
  sim::Simulator sim;
  World world;
  Host* host;
  int fd;
};

void SendLoop(benchmark::State& state, unsigned flags) {
  BenchWorld w;
  // The wire log keeps one record per packet; trim it to bound memory.
  NetDevice* dummy = w.host->FindDevice("dummy0");
  UserMsg msg;
  msg.iov = {{kBuf, static_cast<uint64_t>(state.range(0))}};
  RecvMsg notification;
  uint64_t sent = 0;
  for (auto _ : state) {
    if (sys_sendmsg(w.host, w.fd, msg, flags) < 0) state.SkipWithError("send failed");
    // Read the (coalesced) notifications now and then, as an application does.
    if ((++sent & 31) == 0) {
      sys_recvmsg(w.host, w.fd, &notification, 0, MSG_ERRQUEUE);
      dummy->wire.clear();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_UdpSendCopy(benchmark::State& state) { SendLoop(state, 0); }
void BM_UdpSendMsgZerocopy(benchmark::State& state) { SendLoop(state, MSG_ZEROCOPY); }

BENCHMARK(BM_UdpSendCopy)->Arg(4000)->Arg(600)->Arg(8000);
BENCHMARK(BM_UdpSendMsgZerocopy)->Arg(4000)->Arg(600)->Arg(8000);

}  // namespace
}  // namespace zcsim::net

BENCHMARK_MAIN();
