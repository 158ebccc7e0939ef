// zc-tx over TCP (see zc_tx.h): one connection from "tx" to a listener on
// "rx", driven through zcsim::api as a program would. Each batch is
// submitted, then the world runs until idle while rx reads everything (a
// reader that keeps up: windows stay open), then the CQEs or error-queue
// notifications are reaped. Notification accounting follows the selftests:
// io_uring_zerocopy_tx.c (a SEND_ZC CQE with F_MORE announces one F_NOTIF
// CQE with the same user_data) and msg_zerocopy.c (do_recv_completion: one
// error-queue message covers the send ids [ee_info, ee_data], in order).
#include <arpa/inet.h>
#include <linux/errqueue.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "net/drivers.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "tools/bench/zc_tx.h"
#include "uring/api/api.h"

namespace zcsim::bench {
namespace {

constexpr int kPort = 8000;
constexpr int kMaxStalls = 4;  // settle rounds without progress before giving up

enum : uint8_t { kUnseen = 0, kAnnounced = 1, kNotified = 2 };

struct TcpBench {
  explicit TcpBench(uint64_t seed) : sim(seed) {}
  ~TcpBench() {
    if (ring.ctx != nullptr) api::io_uring_queue_exit(&ring);
  }
  api::Sim sim;
  net::Host* tx = nullptr;
  net::Host* rx = nullptr;
  net::NetDevice* devs[2] = {nullptr, nullptr};
  int fd = -1;    // tx's connected socket
  int peer = -1;  // rx's accepted socket
  char* buf = nullptr;
  std::vector<char> sink;  // rx reads in 64 KB chunks, as an application would
  api::io_uring ring;
  uint64_t outstanding = 0;    // io_uring request CQEs still to come
  std::vector<uint8_t> state;  // per user_data: kUnseen, kAnnounced, kNotified
  uint32_t next_zc_id = 0;     // MSG_ZEROCOPY: where the next range must start
};

// Address `host_byte` on the benchmark's link (10.0.0.N/24 or fd00::N/64).
net::InetPrefix LinkPrefix(int family, uint8_t host_byte) {
  net::InetPrefix p;
  if (family == 6) {
    p.addr.family = AF_INET6;
    p.addr.addr = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, host_byte};
    p.len = 64;
  } else {
    p.addr = net::MakeInet4(10, 0, 0, host_byte, 0);
    p.len = 24;
  }
  return p;
}

// A sockaddr for rx's listener; returns its length.
socklen_t ListenerAddr(int family, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof(*ss));
  uint8_t raw[28];
  net::InetAddr a = LinkPrefix(family, 2).addr;
  a.port = kPort;
  const int len = net::sockaddr_from_inet(a, raw);
  std::memcpy(ss, raw, static_cast<size_t>(len));
  return static_cast<socklen_t>(len);
}

// The link: a NIC pair ("nic") or, for the dummy profile, a veth pair (a
// software device like dummy, but with a receiver behind it).
void BuildLink(const CostProfile& profile, int family, TcpBench* b) {
  net::Host* hosts[2] = {b->tx, b->rx};
  for (int i = 0; i < 2; ++i) {
    b->devs[i] = profile.device == "nic" ? hosts[i]->AddNic("eth0", net::NicParams{}) : hosts[i]->AddVeth("veth0");
    b->devs[i]->mtu = profile.mtu;
    b->devs[i]->capture_bytes = false;
    b->devs[i]->addrs.push_back(LinkPrefix(family, static_cast<uint8_t>(i + 1)));
  }
  net::LinkDevices(b->devs[0], b->devs[1]);
}

bool Connect(const ZcTxOptions& o, TcpBench* b, std::string* error) {
  const int domain = o.family == 6 ? AF_INET6 : AF_INET;
  // Buffers that hold a whole batch (net.core.[rw]mem_max raised, as root).
  const int bufsize = static_cast<int>(std::max<uint64_t>(4 << 20, 2ull * o.batch * o.size));
  for (net::Host* h : {b->tx, b->rx}) {
    h->sysctl().wmem_max = bufsize;
    h->sysctl().rmem_max = bufsize;
  }
  b->tx->mm().user().cap_ipc_lock = true;  // the selftests run as root
  sockaddr_storage ss;
  const socklen_t len = ListenerAddr(o.family, &ss);
  const auto* addr = reinterpret_cast<const sockaddr*>(&ss);
  const int one = 1;
  b->sim.Use(b->rx);
  const int lfd = api::socket(domain, SOCK_STREAM, 0);
  api::setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
  if (api::bind(lfd, addr, len) != 0 || api::listen(lfd, 1) != 0) return *error = "listen failed", false;
  b->sim.Use(b->tx);
  b->fd = api::socket(domain, SOCK_STREAM, 0);
  api::setsockopt(b->fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
  api::setsockopt(b->fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
  if (api::connect(b->fd, addr, len) != 0) return *error = "connect failed", false;
  b->sim.Use(b->rx);
  b->peer = api::accept(lfd, nullptr, nullptr);
  b->sim.Use(b->tx);
  if (b->peer < 0) return *error = "accept failed", false;
  return true;
}

bool Build(const CostProfile& profile, const ZcTxOptions& o, TcpBench* b, std::string* error) {
  b->tx = b->sim.AddHost("tx");
  b->rx = b->sim.AddHost("rx");
  BuildLink(profile, o.family, b);
  if (!Connect(o, b, error)) return false;
  const size_t size = std::max<uint32_t>(o.size, 1);
  b->buf = static_cast<char*>(api::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (b->buf == MAP_FAILED) return *error = "mmap failed", false;
  for (size_t i = 0; i < size; ++i) b->buf[i] = static_cast<char>('a' + i % 26);
  b->sink.resize(size_t{1} << 16);
  if (api::io_uring_queue_init(512, &b->ring, IORING_SETUP_COOP_TASKRUN) != 0) return *error = "ring setup failed", false;
  iovec iov{b->buf, size};
  if (api::io_uring_register_buffers(&b->ring, &iov, 1) != 0) return *error = "buffer registration failed", false;
  b->state.push_back(kUnseen);  // user_data 0 is never used
  return true;
}

// Lets the CPU time charged so far pass, then runs the world until idle
// while rx reads, until reading no longer reopens a window.
void Settle(TcpBench* b, ZcTxResult* r) {
  sim::Simulator& s = b->sim.simulator();
  s.scheduler().RunUntil(s.now() + s.costs().TakePending());
  for (;;) {
    b->sim.RunUntilIdle();
    b->sim.Use(b->rx);
    uint64_t got = 0;
    for (ssize_t n; (n = api::recv(b->peer, b->sink.data(), b->sink.size(), MSG_DONTWAIT)) > 0;) got += n;
    b->sim.Use(b->tx);
    r->received += got;
    if (got == 0) break;
  }
  for (net::NetDevice* d : b->devs) d->wire.clear();  // the wire log is not needed
}

// One io_uring CQE (6.1 semantics), by user_data.
void CountCqe(TcpBench* b, const ::io_uring_cqe& cqe, ZcTxResult* r) {
  const uint64_t id = cqe.user_data;
  uint8_t* st = id < b->state.size() ? &b->state[id] : nullptr;
  if (cqe.flags & IORING_CQE_F_NOTIF) {
    ++r->notifications;
    if (st == nullptr || *st != kAnnounced) {
      ++r->duplicates;
    } else {
      *st = kNotified;
      ++r->notified;
    }
    return;
  }
  --b->outstanding;
  if (cqe.res > 0) {
    ++r->requests;
    r->bytes += static_cast<uint64_t>(cqe.res);
  } else {
    ++r->failed;
  }
  if ((cqe.flags & IORING_CQE_F_MORE) && st != nullptr) {
    *st = kAnnounced;
    ++r->zc_sends;
  }
}

// Runs pending task_work (a MSG_WAITALL send retried once writable), then
// reaps every CQE. Returns how many were reaped.
int ReapCqes(TcpBench* b, ZcTxResult* r) {
  uring::io_uring_enter(b->ring.ctx, 0, 0, IORING_ENTER_GETEVENTS);
  int n = 0;
  ::io_uring_cqe* cqe;
  while (api::io_uring_peek_cqe(&b->ring, &cqe) == 0) {
    CountCqe(b, *cqe, r);
    api::io_uring_cqe_seen(&b->ring, cqe);
    ++n;
  }
  return n;
}

// msg_zerocopy.c's do_recv_completions: every error-queue message.
int ReapErrqueue(TcpBench* b, ZcTxResult* r) {
  int n = 0;
  for (;;) {
    char control[128];
    msghdr msg{};
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    if (api::recvmsg(b->fd, &msg, MSG_ERRQUEUE) < 0) return n;
    const cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    if (cm == nullptr) return n;
    sock_extended_err ee;
    std::memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    ++n;
    ++r->notifications;
    if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_info != b->next_zc_id) ++r->duplicates;
    r->notified += ee.ee_data - ee.ee_info + 1;
    b->next_zc_id = ee.ee_data + 1;
    if (ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) ++r->copied;
  }
}

Mode PickMode(TcpBench* b, Mode mode) {
  return mode == Mode::kMixed ? static_cast<Mode>(b->sim.simulator().rng().Below(3)) : mode;
}

// One send() system call; the cost model charges it as one request.
void SendSyscall(TcpBench* b, const ZcTxOptions& o, bool zc, ZcTxResult* r) {
  b->sim.simulator().costs().Charge(sim::Cost::kRequest);
  const ssize_t n = api::send(b->fd, b->buf, o.size, zc ? MSG_ZEROCOPY : 0);
  if (n <= 0) {
    ++r->failed;
    return;
  }
  ++r->requests;
  r->bytes += static_cast<uint64_t>(n);
  if (zc) ++r->zc_sends;
}

void PrepSqe(TcpBench* b, const ZcTxOptions& o, Mode mode) {
  ::io_uring_sqe* sqe = api::io_uring_get_sqe(&b->ring);
  if (mode == Mode::kCopy) {
    api::io_uring_prep_send(sqe, b->fd, b->buf, o.size, MSG_WAITALL);
  } else if (mode == Mode::kZcFixed) {
    api::io_uring_prep_send_zc_fixed(sqe, b->fd, b->buf, o.size, MSG_WAITALL, 0, 0);
  } else {
    api::io_uring_prep_send_zc(sqe, b->fd, b->buf, o.size, MSG_WAITALL, 0);
  }
  sqe->user_data = b->state.size();
  b->state.push_back(kUnseen);
}

void RunBatch(TcpBench* b, const ZcTxOptions& o, ZcTxResult* r) {
  unsigned queued = 0;
  for (int i = 0; i < o.batch; ++i) {
    const Mode mode = PickMode(b, o.mode);
    if (mode == Mode::kSend || mode == Mode::kMsgZerocopy) {
      SendSyscall(b, o, mode == Mode::kMsgZerocopy, r);
    } else {
      PrepSqe(b, o, mode);
      ++queued;
    }
  }
  if (queued > 0) {
    const int n = api::io_uring_submit(&b->ring);
    b->outstanding += n > 0 ? static_cast<uint64_t>(n) : 0;
  }
}

// Settles and reaps until every request has completed and every announced
// notification has arrived (or nothing moves any more).
void Complete(TcpBench* b, ZcTxResult* r, bool all_notifications) {
  for (int stalls = 0; stalls < kMaxStalls;) {
    const uint64_t before = r->received;
    Settle(b, r);
    const int reaped = ReapCqes(b, r) + ReapErrqueue(b, r);
    const bool done = b->outstanding == 0 && (!all_notifications || r->notified + r->duplicates >= r->zc_sends);
    if (done) return;
    stalls = reaped == 0 && r->received == before ? stalls + 1 : 0;
  }
}

}  // namespace

bool RunZcTxTcp(const CostProfile& profile, const ZcTxOptions& o, ZcTxResult* result, std::string* error) {
  TcpBench b(o.seed);
  if (!Build(profile, o, &b, error)) return false;
  sim::CostModel& costs = b.sim.simulator().costs();
  for (int i = 0; i < static_cast<int>(sim::Cost::kCount); ++i) costs.Set(static_cast<sim::Cost>(i), profile.ns[i]);
  costs.set_enabled(!o.wall_clock);
  *result = ZcTxResult{};
  const sim::Time start = b.sim.now();
  const auto wall_start = std::chrono::steady_clock::now();
  for (;;) {
    if (o.wall_clock ? result->requests >= o.wall_clock_requests : b.sim.now() - start >= o.runtime) break;
    RunBatch(&b, o, result);
    Complete(&b, result, /*all_notifications=*/false);
    if (b.outstanding > 0) return *error = "requests never completed", false;
  }
  const auto wall = std::chrono::steady_clock::now() - wall_start;
  result->sim_seconds = static_cast<double>(b.sim.now() - start) / sim::kSecond;
  result->seconds = o.wall_clock ? std::chrono::duration<double>(wall).count() : result->sim_seconds;
  Complete(&b, result, /*all_notifications=*/true);  // the selftests drain what is left
  if (!b.sim.simulator().checker().ok()) return *error = b.sim.simulator().checker().violations()[0].ToString(), false;
  return true;
}

}  // namespace zcsim::bench
