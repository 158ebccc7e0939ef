#include "tests/fuzz/notifier_fuzz.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "net/drivers.h"
#include "net/invariants.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "net/world.h"
#include "sim/simulator.h"
#include "tests/fuzz/fuzz_common.h"
#include "uring/invariants.h"
#include "uring/io_uring.h"
#include "uring/notif_v4.h"

namespace zcsim::fuzz {
namespace {

constexpr uint64_t kBuf = 0x100000;
constexpr uint64_t kBufLen = 4 * net::PAGE_SIZE;
constexpr uint64_t kScratch = 0x7f0000000000ull;

const net::KernelEra kEras[] = {net::KernelEra::kV4, net::KernelEra::k6_0_rc1, net::KernelEra::k6_0_rc3,
                                net::KernelEra::k6_0, net::KernelEra::k6_1, net::KernelEra::k6_2};


void Put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

struct World : CheckedWorld {
  explicit World(net::KernelEra era) : CheckedWorld(era) {}
  net::Host* host = nullptr;
  uring::IoRingCtx* ctx = nullptr;
  std::vector<int> fds;  // 0: NIC peer, 1: dummy, 2: loopback
  uint64_t more = 0;     // request CQEs that announced a notification
  uint64_t notifs = 0;   // notification CQEs (6.0+)
  uint64_t next_user_data = 1;
};

void Build(World& w, Reader& r) {
  net::NicParams nic;
  nic.dma_delay = (1 + r.Byte() % 8) * sim::kMicrosecond;
  nic.completion_delay = (1 + r.Byte() % 16) * sim::kMicrosecond;
  nic.tx_ring = 2 + r.Byte() % 16;
  nic.napi_budget = 1 + r.Byte() % 8;
  w.host = w.net.AddHost("a");
  net::Host* b = w.net.AddHost("b");
  net::NetDevice* eth = w.host->AddNic("eth0", nic);
  net::NetDevice* peer = b->AddNic("eth0", nic);
  net::LinkDevices(eth, peer);
  eth->mtu = peer->mtu = (r.Byte() & 1) ? 1500 : 9000;
  eth->addrs.push_back({net::MakeInet4(10, 0, 0, 1, 0), 24});
  peer->addrs.push_back({net::MakeInet4(10, 0, 0, 2, 0), 24});
  net::NetDevice* dummy = w.host->AddDummy("dummy0");
  dummy->mtu = 9000;
  dummy->addrs.push_back({net::MakeInet4(10, 9, 0, 1, 0), 24});
  w.host->mm().Map("buf", kBuf, kBufLen, [](uint64_t i) { return static_cast<uint8_t>(i); });
  w.host->mm().Map("scratch", kScratch, net::PAGE_SIZE, [](uint64_t) { return uint8_t{0}; });
  w.host->mm().user().memlock_limit = (8 + r.Byte() % 64) * net::PAGE_SIZE;
  b->mm().Map("rx", kBuf, net::PAGE_SIZE, [](uint64_t) { return uint8_t{0}; });
  const int rx = net::sys_socket(b, AF_INET, SOCK_DGRAM, 0);
  net::sys_bind(b, rx, net::MakeInet4(10, 0, 0, 2, 9000));
  const net::InetAddr dsts[] = {net::MakeInet4(10, 0, 0, 2, 9000), net::MakeInet4(10, 9, 0, 2, 9),
                                net::MakeInet4(127, 0, 0, 1, 7)};
  for (const net::InetAddr& dst : dsts) {
    const int fd = net::sys_socket(w.host, AF_INET, SOCK_DGRAM, 0);
    net::sys_setsockopt(w.host, fd, SOL_SOCKET, SO_ZEROCOPY, 1);
    net::sys_setsockopt(w.host, fd, SOL_SOCKET, SO_SNDBUF, 4096 + r.Byte() * 256);
    net::sys_connect(w.host, fd, dst);
    w.fds.push_back(fd);
  }
  uring::RingParams p;
  p.sq_entries = 8;
  p.cq_entries = 8;
  p.flags = IORING_SETUP_CQSIZE | ((r.Byte() & 1) ? IORING_SETUP_COOP_TASKRUN : 0);
  int err;
  w.ctx = uring::io_uring_setup(w.uring, w.host, p, &err);
}

// Reaps until both the CQ ring and the overflow list are empty.
void Reap(World& w) {
  uring::IoRingCtx* ctx = w.ctx;
  for (;;) {
    if (uring::io_cqring_events(ctx) == 0) {
      if (ctx->overflow_list.empty()) return;
      uring::io_uring_enter(ctx, 0, 0, IORING_ENTER_GETEVENTS);  // flushes the overflow list
      continue;
    }
    const uring::Cqe& cqe = ctx->cqes[ctx->cq_head & (ctx->cq_entries - 1)];
    if (!uring::IsSlotEra(ctx)) {
      if (cqe.flags & IORING_CQE_F_MORE) ++w.more;
      if (cqe.flags & IORING_CQE_F_NOTIF) ++w.notifs;
    }
    ++ctx->cq_head;
    ++ctx->cqes_reaped;
  }
}

void PrepSqe(World& w, Reader& r) {
  uring::IoRingCtx* ctx = w.ctx;
  if (ctx->sq_tail - ctx->sq_head >= ctx->sq_entries) return;
  const uint32_t idx = ctx->sq_tail & (ctx->sq_entries - 1);
  io_uring_sqe& sqe = ctx->sqes[idx];
  sqe = io_uring_sqe{};
  const uint8_t kind = r.Byte() % 6;
  const uint32_t off = r.U16() % kBufLen;
  const uint32_t len = r.U16() % (kBufLen - off + 16);  // sometimes past the end
  sqe.fd = w.fds[r.Byte() % w.fds.size()];
  sqe.addr = kBuf + off;
  sqe.len = len;
  sqe.user_data = w.next_user_data++;
  const uint8_t extra = r.Byte();
  if (extra & 1) sqe.flags |= IOSQE_IO_LINK;
  if (extra & 2) sqe.flags |= IOSQE_ASYNC;
  if (extra & 4) sqe.ioprio |= IORING_RECVSEND_POLL_FIRST;
  if (extra & 8) sqe.ioprio |= IORING_RECVSEND_FIXED_BUF;
  if (extra & 16) sqe.ioprio |= IORING_SEND_ZC_REPORT_USAGE;  // NOTIF_FLUSH in slot eras
  if (extra & 32) sqe.msg_flags |= MSG_DONTWAIT;
  switch (kind) {
    case 0:
    case 1:
      sqe.opcode = IORING_OP_SEND_ZC;  // SENDZC in slot eras (slot 0 or 1)
      sqe.addr_len = uring::IsSlotEra(ctx) ? static_cast<uint16_t>(extra >> 7) : 0;
      break;
    case 2: {
      sqe.opcode = IORING_OP_SENDMSG_ZC;
      // A struct user_msghdr with two iovecs, written into scratch memory.
      uint8_t* s = w.host->mm().UserToHost(kScratch);
      std::memset(s, 0, 128);
      Put64(s + 16, kScratch + 64);
      Put64(s + 24, 2);
      Put64(s + 64, kBuf + off);
      Put64(s + 72, len / 2);
      Put64(s + 80, kBuf + (off + len / 2) % kBufLen);
      Put64(s + 88, len - len / 2);
      sqe.addr = kScratch;
      sqe.len = 1;
      sqe.ioprio &= ~IORING_RECVSEND_FIXED_BUF;
      break;
    }
    case 3:
      sqe.opcode = IORING_OP_SEND;
      sqe.ioprio &= IORING_RECVSEND_POLL_FIRST;
      break;
    case 4:
      sqe.opcode = IORING_OP_NOP;
      sqe.ioprio = 0;
      break;
    default:
      sqe.opcode = IORING_OP_FILES_UPDATE;  // RSRC_UPDATE: a notification flush in slot eras
      sqe.ioprio = uring::IsSlotEra(ctx) ? uring::IORING_RSRC_UPDATE_NOTIF_V4 : 0;
      sqe.off = extra & 3;
      sqe.len = 1 + (extra >> 6);
      sqe.addr = extra & 8 ? 0x77 : 0;
      sqe.flags &= IOSQE_IO_LINK;
      break;
  }
  ctx->sq_array[idx] = idx;
  ++ctx->sq_tail;
}

void Register(World& w, Reader& r) {
  uint8_t* s = w.host->mm().UserToHost(kScratch);
  const uint8_t what = r.Byte() % 4;
  if (what == 0) {
    Put64(s + 256, kBuf + (r.Byte() % 2) * net::PAGE_SIZE);
    Put64(s + 264, net::PAGE_SIZE * (1 + r.Byte() % 3));
    uring::io_uring_register(w.ctx, IORING_REGISTER_BUFFERS, kScratch + 256, 1);
  } else if (what == 1) {
    uring::io_uring_register(w.ctx, IORING_UNREGISTER_BUFFERS, 0, 0);
  } else if (what == 2) {
    Put64(s + 320, 0xfffffff);  // two slots
    Put64(s + 352, 0x2);
    std::memset(s + 328, 0, 24);
    std::memset(s + 360, 0, 24);
    Put64(s + 384, 2);
    Put64(s + 392, 0);
    Put64(s + 400, kScratch + 320);
    Put64(s + 408, 0);
    uring::io_uring_register(w.ctx, uring::IORING_REGISTER_NOTIFIERS_V4, kScratch + 384, 32);
  } else {
    uring::io_uring_register(w.ctx, uring::IORING_UNREGISTER_NOTIFIERS_V4, 0, 0);
  }
}

std::string Check(World& w, const char* when) {
  net::CheckWorldInvariants(w.net);
  uring::CheckUringInvariants(w.uring);
  if (!w.sim.checker().ok()) return fmt::format("{}: {}", when, w.sim.checker().violations()[0].ToString());
  return "";
}

}  // namespace

std::string RunNotifierProgram(const uint8_t* data, size_t size) {
  Reader r(data, size);
  World w(kEras[r.Byte() % (sizeof(kEras) / sizeof(kEras[0]))]);
  // ZCSIM_FUZZ_TRACE=1 prints the trace of the run (to replay a failure).
  sim::TextSink trace(sim::FileWriter(stderr));
  if (std::getenv("ZCSIM_FUZZ_TRACE") != nullptr) w.sim.tracer().AddSink(&trace);
  Build(w, r);
  int steps = 0;
  while (!r.done() && steps++ < 200) {
    const uint8_t op = r.Byte() % 10;
    switch (op) {
      case 0:
      case 1:
        PrepSqe(w, r);
        break;
      case 2:
        uring::io_uring_enter(w.ctx, w.ctx->sq_tail - w.ctx->sq_head, 0, 0);
        break;
      case 3:
        w.sim.scheduler().RunUntil(w.sim.now() + (1 + r.Byte()) * 100);
        break;
      case 4:
        uring::io_uring_enter(w.ctx, 0, 0, IORING_ENTER_GETEVENTS);
        Reap(w);
        break;
      case 5:
        Register(w, r);
        break;
      case 6: {
        net::UserMsg m;
        const uint32_t off = r.U16() % kBufLen;
        m.iov = {{kBuf + off, r.U16() % (kBufLen - off + 1)}};
        net::sys_sendmsg(w.host, w.fds[r.Byte() % w.fds.size()], m, (r.Byte() & 1) ? MSG_ZEROCOPY : 0);
        break;
      }
      case 7: {
        net::RecvMsg out;
        net::sys_recvmsg(w.host, w.fds[r.Byte() % w.fds.size()], &out, 0, MSG_ERRQUEUE);
        break;
      }
      case 8: {
        const uint32_t off = r.U16() % kBufLen;
        w.host->mm().Write(kBuf + off, 1 + r.Byte() % 64, [](uint64_t i) { return static_cast<uint8_t>(i * 7); });
        break;
      }
      default:
        if (w.sim.checker().ok()) {
          if (std::string e = Check(w, "between calls"); !e.empty()) return e;
        }
        break;
    }
    if (!w.sim.checker().ok()) return w.sim.checker().violations()[0].ToString();
  }
  // Wind down: everything submitted completes, every notifier is flushed.
  uring::io_uring_enter(w.ctx, w.ctx->sq_tail - w.ctx->sq_head, 0, 0);
  w.sim.scheduler().RunUntilIdle();
  uring::io_uring_enter(w.ctx, 0, 0, IORING_ENTER_GETEVENTS);
  Reap(w);
  uring::io_ring_exit(w.ctx);
  w.sim.scheduler().RunUntilIdle();
  uring::io_uring_enter(w.ctx, 0, 0, IORING_ENTER_GETEVENTS);
  Reap(w);
  if (std::string e = Check(w, "at the end"); !e.empty()) return e;
  if (w.ctx->notifs_live != 0) return fmt::format("INV-16: {} notifier(s) never completed", w.ctx->notifs_live);
  // INV-11 (6.0+): every F_MORE was followed by a notification. A request
  // cancelled in a failed link gets a notification without F_MORE (6.1).
  if (w.notifs < w.more) return fmt::format("INV-11: {} CQEs said F_MORE but {} notifications came", w.more, w.notifs);
  return "";
}

}  // namespace zcsim::fuzz
