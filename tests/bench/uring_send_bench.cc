// io_uring sends on the simulator, tracing off: SEND_ZC from a registered
// (fixed) buffer against plain SEND (copy), batches of 8, 4000-byte UDP
// payloads over the dummy device (MTU 9000). One iteration = one request.
//
//   bazel run -c opt //tests/bench:uring_send_bench
//
// Goal (issue 4): at least 2 million simulated SEND_ZC requests per second.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <string.h>

#include "uring/api/api.h"

namespace zcsim::api {
namespace {

constexpr int kBatch = 8;

void RunBatches(benchmark::State& state, bool zc, bool fixed, bool flush_notifications) {
  Sim sim(1);
  net::Host* a = sim.AddHost("a");
  net::NetDevice* dummy = sim.AddDummy(a, "10.9.0.1/24", 9000);
  dummy->capture_bytes = false;
  const size_t size = static_cast<size_t>(state.range(0));
  struct io_uring ring;
  io_uring_queue_init(512, &ring, IORING_SETUP_COOP_TASKRUN);
  const int fd = ::zcsim::api::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(9);
  inet_pton(AF_INET, "10.9.0.2", &dst.sin_addr);
  ::zcsim::api::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst));
  char* buf = static_cast<char*>(::zcsim::api::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  memset(buf, 'b', size);
  iovec iov{buf, size};
  if (fixed) io_uring_register_buffers(&ring, &iov, 1);
  auto& wire = dummy->wire;
  int64_t requests = 0;
  for (auto _ : state) {
    if (requests++ % kBatch != 0) continue;  // one batch per kBatch iterations
    for (int i = 0; i < kBatch; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (!zc) {
        io_uring_prep_send(sqe, fd, buf, size, 0);
      } else if (fixed) {
        io_uring_prep_send_zc_fixed(sqe, fd, buf, size, 0, 0, 0);
      } else {
        io_uring_prep_send_zc(sqe, fd, buf, size, 0, 0);
      }
    }
    io_uring_submit_and_wait(&ring, kBatch);
    // Reap the request CQEs and the notifications (all of them are ready:
    // the dummy device frees each skb inside the send).
    io_uring_cqe* cqe;
    int want = zc && flush_notifications ? 2 * kBatch : kBatch;
    while (want > 0 && io_uring_wait_cqe(&ring, &cqe) == 0) {
      if (cqe->res < 0) state.SkipWithError("send failed");
      io_uring_cqe_seen(&ring, cqe);
      --want;
    }
    wire.clear();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
  io_uring_queue_exit(&ring);
}

void BM_UringSendCopy(benchmark::State& state) { RunBatches(state, false, false, false); }
void BM_UringSendZcFixed(benchmark::State& state) { RunBatches(state, true, true, true); }
void BM_UringSendZcUserMemory(benchmark::State& state) { RunBatches(state, true, false, true); }

BENCHMARK(BM_UringSendCopy)->Arg(4000)->Arg(600);
BENCHMARK(BM_UringSendZcFixed)->Arg(4000)->Arg(600);
BENCHMARK(BM_UringSendZcUserMemory)->Arg(4000);

}  // namespace
}  // namespace zcsim::api

BENCHMARK_MAIN();
