// Simulated TCP sends with the automatic peer (a full TCP receiver on the far
// host that ACKs every segment), tracing off, over a NIC pair with MTU 1500
// (MSS 1460). One iteration = one send request: submit it, let virtual time
// run until the peer has ACKed every segment and the NIC has freed every
// clone (so the notification is due), read the data on the peer and reap the
// notification. Copy sends run in the same binary for the ratio.
//
//   bazel run -c opt //tests/bench:tcp_send_bench
//
// Counters: items/s = requests per wall-clock second; sim_Gbps = payload
// bits per second of virtual time (what the modelled link and timers allow,
// not this machine's speed). BM_TcpInFlight/N sends N segments at once with
// the windows opened (initial cwnd N, buffers raised as with sysctl
// net.core.[rw]mem_max), so wall time per iteration / N shows whether the
// model's cost per segment stays flat as the retransmit queue grows.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <string.h>

#include <vector>

#include "net/socket.h"
#include "net/sock.h"
#include "net/tcp.h"
#include "uring/api/api.h"

namespace zcsim::api {
namespace {

enum class Mode { kCopy, kMsgZerocopy, kUringSendZc, kUringSend };

struct Connection {
  explicit Connection(uint64_t buffer_bytes, int64_t big_buffers) : sim(1) {
    a = sim.AddHost("a");
    b = sim.AddHost("b");
    sim.AddNicPair(a, "10.0.0.1/24", b, "10.0.0.2/24");
    if (getenv("ZCSIM_BENCH_TRACE") != nullptr) sim.TraceTo(stderr);  // debugging one run
    for (net::Host* h : {a, b}) {
      for (const char* dev : {"eth0"}) h->FindDevice(dev)->capture_bytes = false;
      if (big_buffers > 0) {
        h->mm().user().memlock_unlimited = true;  // ulimit -l unlimited
        h->sysctl().wmem_max = static_cast<int>(big_buffers);
        h->sysctl().rmem_max = static_cast<int>(big_buffers);
      }
    }
    sim.Use(b);
    const int lfd = api::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(8000);
    inet_pton(AF_INET, "10.0.0.2", &addr.sin_addr);
    api::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    if (big_buffers > 0) {
      const int v = static_cast<int>(big_buffers);
      api::setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    }
    api::listen(lfd, 8);
    sim.Use(a);
    fd = api::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    api::setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
    if (big_buffers > 0) {
      const int v = static_cast<int>(big_buffers);
      api::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
    }
    ok = api::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    sim.Use(b);
    peer = api::accept(lfd, nullptr, nullptr);
    sim.Use(a);
    buf = static_cast<char*>(api::mmap(nullptr, buffer_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    memset(buf, 'z', buffer_bytes);
    // Reads go in chunks of at most 64 KB, as an application's would: one
    // read of everything would copy N segments into a fresh buffer twice.
    sink.resize(std::min<size_t>(buffer_bytes, size_t{1} << 16));
    io_uring_queue_init(64, &ring, IORING_SETUP_COOP_TASKRUN);
    iovec iov{buf, buffer_bytes};
    io_uring_register_buffers(&ring, &iov, 1);
    ok = ok && peer >= 0;
  }
  ~Connection() { io_uring_queue_exit(&ring); }

  // Lets the world settle and drains the peer's receive queue, until reading
  // no longer reopens the window (a reader that keeps up with the sender).
  int64_t Settle() {
    int64_t got = 0;
    for (;;) {
      sim.RunUntilIdle();
      sim.Use(b);
      const ssize_t n = api::recv(peer, sink.data(), sink.size(), MSG_DONTWAIT);
      sim.Use(a);
      if (n <= 0) break;
      got += n;
    }
    for (const char* dev : {"eth0"}) {
      a->FindDevice(dev)->wire.clear();
      b->FindDevice(dev)->wire.clear();
    }
    return got;
  }

  Sim sim;
  net::Host* a;
  net::Host* b;
  int fd = -1;
  int peer = -1;
  bool ok = false;
  char* buf = nullptr;
  std::vector<char> sink;
  struct io_uring ring;
};

// Submits one request of `size` bytes; false on any error.
bool SendOne(Connection& c, Mode mode, size_t size) {
  if (mode == Mode::kCopy || mode == Mode::kMsgZerocopy) {
    return api::send(c.fd, c.buf, size, mode == Mode::kMsgZerocopy ? MSG_ZEROCOPY : 0) == static_cast<ssize_t>(size);
  }
  io_uring_sqe* sqe = io_uring_get_sqe(&c.ring);
  if (mode == Mode::kUringSendZc) {
    io_uring_prep_send_zc_fixed(sqe, c.fd, c.buf, size, MSG_WAITALL, 0, 0);
  } else {
    io_uring_prep_send(sqe, c.fd, c.buf, size, MSG_WAITALL);
  }
  return io_uring_submit(&c.ring) == 1;
}

// Completes one request: lets the world settle with the peer reading and,
// for io_uring, enters the kernel to wait for the CQEs (which runs the
// task_work that retries a partial MSG_WAITALL send once the socket is
// writable again) until the completion and any notification are reaped.
// Returns the bytes the peer read, or -1 on any error.
int64_t Complete(Connection& c, Mode mode, size_t size) {
  int64_t got = c.Settle();
  if (mode == Mode::kCopy) return got;
  if (mode == Mode::kMsgZerocopy) {
    char control[64];
    msghdr msg{};
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    return api::recvmsg(c.fd, &msg, MSG_ERRQUEUE) == 0 ? got : -1;
  }
  unsigned want = mode == Mode::kUringSendZc ? 2 : 1;
  for (int rounds = 0; want > 0 && rounds < 10000; ++rounds) {
    io_uring_cqe* cqe;
    if (io_uring_wait_cqe(&c.ring, &cqe) == 0) {
      const bool good = (cqe->flags & IORING_CQE_F_NOTIF) || cqe->res == static_cast<int>(size);
      io_uring_cqe_seen(&c.ring, cqe);
      if (!good) return -1;
      --want;
    }
    got += c.Settle();
  }
  return want == 0 ? got : -1;
}

void RunRequests(benchmark::State& state, Mode mode) {
  const size_t size = static_cast<size_t>(state.range(0));
  Connection c(size, 0);
  if (!c.ok) state.SkipWithError("connection failed");
  const sim::Time start = c.sim.now();
  int64_t delivered = 0;
  for (auto _ : state) {
    if (!SendOne(c, mode, size)) state.SkipWithError("send failed");
    const int64_t got = Complete(c, mode, size);
    if (got < 0) state.SkipWithError("no completion or notification");
    delivered += got;
  }
  if (delivered != state.iterations() * state.range(0)) {
    fprintf(stderr, "delivered %ld of %ld\n", static_cast<long>(delivered), static_cast<long>(state.iterations() * state.range(0)));
    state.SkipWithError("the peer did not get every byte");
  }
  const double virtual_seconds = static_cast<double>(c.sim.now() - start) / 1e9;
  state.counters["sim_Gbps"] = virtual_seconds > 0 ? static_cast<double>(delivered) * 8 / virtual_seconds / 1e9 : 0;
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(delivered);
}

void BM_TcpCopy(benchmark::State& state) { RunRequests(state, Mode::kCopy); }
void BM_TcpMsgZerocopy(benchmark::State& state) { RunRequests(state, Mode::kMsgZerocopy); }
void BM_TcpUringSend(benchmark::State& state) { RunRequests(state, Mode::kUringSend); }
void BM_TcpUringSendZcFixed(benchmark::State& state) { RunRequests(state, Mode::kUringSendZc); }

BENCHMARK(BM_TcpCopy)->Arg(4000)->Arg(64000);
BENCHMARK(BM_TcpMsgZerocopy)->Arg(4000)->Arg(64000);
BENCHMARK(BM_TcpUringSend)->Arg(4000)->Arg(64000);
BENCHMARK(BM_TcpUringSendZcFixed)->Arg(4000)->Arg(64000);

// Each iteration allocates about 2 KB per segment (the peer's receive queue
// holds every segment until Settle() reads it) and frees it all at the end.
// By default glibc hands that memory back to the kernel (heap trim), so every
// iteration page-faults it in again: about one fault per segment from N =
// 1000 on, which made the time per segment grow with N. Keeping freed memory,
// as the kernel's slab caches do, leaves the model's own cost to measure.
void KeepFreedHeap() {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest glibc allows
}

// One MSG_ZEROCOPY send of N full segments, all in flight at once.
void BM_TcpInFlight(benchmark::State& state) {
  KeepFreedHeap();
  const int64_t segments = state.range(0);
  const size_t size = static_cast<size_t>(segments) * 1460;
  Connection c(size, 256 << 20);
  if (!c.ok) state.SkipWithError("connection failed");
  // A first byte lets the peer advertise its scaled window.
  api::send(c.fd, c.buf, 1, 0);
  c.Settle();
  // `ip link set eth0 txqueuelen N`: the qdisc holds every segment the ring
  // cannot, so all N are in flight (a full qdisc would leave the rest unsent).
  c.a->FindDevice("eth0")->tx_queue_len = static_cast<uint32_t>(segments);
  net::Sock* sk = net::sockfd_lookup(c.a, c.fd);
  if (sk == nullptr || sk->tcp == nullptr) state.SkipWithError("no TCP socket");
  uint64_t peak = 0;
  for (auto _ : state) {
    sk->tcp->cwnd = static_cast<uint32_t>(segments);  // as with `ip route ... initcwnd N`
    const ssize_t sent = api::send(c.fd, c.buf, size, MSG_ZEROCOPY);
    if (sent != static_cast<ssize_t>(size)) {
      fprintf(stderr, "sent %zd of %zu (errno %d)\n", sent, size, errno);
      state.SkipWithError("short send");
    }
    peak = std::max<uint64_t>(peak, sk->tcp->rtx_queue.size());
    if (Complete(c, Mode::kMsgZerocopy, size) != static_cast<int64_t>(size)) {
      state.SkipWithError("no notification, or the peer did not get every byte");
    }
  }
  state.counters["in_flight"] = static_cast<double>(peak);
  state.counters["ns_per_segment"] =
      benchmark::Counter(static_cast<double>(segments) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(state.iterations() * segments);
}

BENCHMARK(BM_TcpInFlight)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace zcsim::api

BENCHMARK_MAIN();
