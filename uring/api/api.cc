#include "uring/api/api.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/drivers.h"
#include "net/eventpoll.h"
#include "net/select.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "sim/assert.h"

namespace zcsim::api {
namespace {

Sim* g_sim = nullptr;
net::Host* g_host = nullptr;

constexpr uint64_t kMmapBase = 0x7e0000000000ull;   // where mmap() places regions
constexpr uint64_t kScratchBase = 0x7f0000000000ull;  // kernel-readable copies
constexpr uint64_t kScratchSize = 1ull << 20;
// A user address no mapping ever covers: pointers from outside simulated
// memory become this, so the kernel model reports EFAULT.
constexpr uint64_t kUnmapped = 0x1000;

net::Host* Current() {
  ZC_ASSERT(g_sim != nullptr && g_host != nullptr, "zcsim::api: build a Sim and Use() a host first");
  return g_host;
}

uint64_t ToUser(const void* p) {
  if (p == nullptr) return 0;
  const uint64_t u = Current()->mm().HostToUser(p);
  return u != 0 ? u : kUnmapped;
}

// Copies bytes into the host's scratch mapping and returns their address.
uint64_t PutScratch(const void* bytes, size_t len) {
  static std::map<net::Host*, uint64_t> cursor;
  net::Host* h = Current();
  if (h->mm().FindVma("__api_scratch") == nullptr) {
    h->mm().Map("__api_scratch", kScratchBase, kScratchSize, [](uint64_t) { return uint8_t{0}; });
  }
  uint64_t& c = cursor[h];
  c = (c + 15) & ~uint64_t{15};
  if (c + len > kScratchSize) c = 0;
  const uint64_t at = kScratchBase + c;
  std::memcpy(h->mm().UserToHost(at), bytes, len);
  c += len;
  return at;
}

bool ParseSockaddr(const struct sockaddr* sa, socklen_t len, net::InetAddr* out) {
  if (sa == nullptr) return false;
  *out = net::InetAddr{};
  out->family = sa->sa_family;
  if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    std::memcpy(out->addr.data(), &in->sin_addr, 4);
    out->port = ntohs(in->sin_port);
    return true;
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::memcpy(out->addr.data(), &in6->sin6_addr, 16);
    out->port = ntohs(in6->sin6_port);
    return true;
  }
  return sa->sa_family == AF_UNSPEC;
}

socklen_t FillSockaddr(const net::InetAddr& a, struct sockaddr* sa, socklen_t cap) {
  uint8_t raw[28];
  const int len = net::sockaddr_from_inet(a, raw);
  if (sa != nullptr) std::memcpy(sa, raw, std::min<socklen_t>(cap, static_cast<socklen_t>(len)));
  return static_cast<socklen_t>(len);
}

// libc's convention: -1 and errno.
long Posix(long ret) {
  if (ret >= 0) return ret;
  errno = static_cast<int>(-ret);
  return -1;
}

net::UserMsg UserMsgFrom(const struct msghdr* msg) {
  net::UserMsg m;
  for (size_t i = 0; i < msg->msg_iovlen; ++i) {
    m.iov.push_back({ToUser(msg->msg_iov[i].iov_base), msg->msg_iov[i].iov_len});
  }
  if (msg->msg_name != nullptr && msg->msg_namelen > 0) {
    m.has_name = ParseSockaddr(static_cast<const sockaddr*>(msg->msg_name), msg->msg_namelen, &m.name);
    m.namelen = static_cast<int>(msg->msg_namelen);
  }
  return m;
}

// A struct user_msghdr with translated pointers, in scratch memory.
uint64_t KernelMsghdr(const struct msghdr* msg) {
  std::vector<uint8_t> iov;
  for (size_t i = 0; i < msg->msg_iovlen; ++i) {
    const uint64_t base = ToUser(msg->msg_iov[i].iov_base), len = msg->msg_iov[i].iov_len;
    for (int b = 0; b < 8; ++b) iov.push_back(static_cast<uint8_t>(base >> (8 * b)));
    for (int b = 0; b < 8; ++b) iov.push_back(static_cast<uint8_t>(len >> (8 * b)));
  }
  const uint64_t iov_at = iov.empty() ? 0 : PutScratch(iov.data(), iov.size());
  const uint64_t name_at = msg->msg_name != nullptr ? PutScratch(msg->msg_name, msg->msg_namelen) : 0;
  const uint64_t fields[7] = {name_at, msg->msg_namelen, iov_at, msg->msg_iovlen, 0, 0,
                              static_cast<uint64_t>(static_cast<unsigned>(msg->msg_flags))};
  return PutScratch(fields, sizeof(fields));
}

void PrepRw(uint8_t op, io_uring_sqe* sqe, int fd, const void* addr, unsigned len, uint64_t offset) {
  sqe->opcode = op;
  sqe->flags = 0;
  sqe->ioprio = 0;
  sqe->fd = fd;
  sqe->off = offset;
  sqe->addr = ToUser(addr);
  sqe->len = len;
  sqe->rw_flags = 0;
  sqe->buf_index = 0;
  sqe->personality = 0;
  sqe->file_index = 0;
  sqe->addr3 = 0;
  sqe->__pad2[0] = 0;
}

}  // namespace

// ---------------------------------------------------------------- Sim

Sim::Sim(uint64_t seed) : sim_(seed, sim::CheckMode::kReport), world_(sim_), uring_(world_) {
  ZC_ASSERT(g_sim == nullptr, "one zcsim::api::Sim at a time");
  g_sim = this;
}

Sim::~Sim() {
  if (sink_ != nullptr) sim_.tracer().RemoveSink(sink_.get());
  g_sim = nullptr;
  g_host = nullptr;
}

net::Host* Sim::AddHost(const std::string& name) {
  net::Host* h = world_.AddHost(name);
  if (g_host == nullptr) g_host = h;
  return h;
}

namespace {
net::InetPrefix ParsePrefix(const std::string& text) {
  net::InetPrefix p;
  const size_t slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  p.len = std::stoi(text.substr(slash + 1));
  if (addr.find(':') != std::string::npos) {
    p.addr.family = AF_INET6;
    inet_pton(AF_INET6, addr.c_str(), p.addr.addr.data());
  } else {
    p.addr.family = AF_INET;
    inet_pton(AF_INET, addr.c_str(), p.addr.addr.data());
  }
  return p;
}
}  // namespace

void Sim::AddNicPair(net::Host* a, const std::string& a_prefix, net::Host* b, const std::string& b_prefix,
                     uint32_t mtu, const net::NicParams& params) {
  const std::string name = "eth" + std::to_string(a->devices().size() - 1);
  net::NetDevice* da = a->AddNic(name, params);
  net::NetDevice* db = b->AddNic("eth" + std::to_string(b->devices().size() - 1), params);
  da->mtu = db->mtu = mtu;
  da->addrs.push_back(ParsePrefix(a_prefix));
  db->addrs.push_back(ParsePrefix(b_prefix));
  net::LinkDevices(da, db);
}

net::NetDevice* Sim::AddDummy(net::Host* host, const std::string& prefix, uint32_t mtu) {
  net::NetDevice* d = host->AddDummy("dummy" + std::to_string(host->devices().size() - 1));
  d->mtu = mtu;
  d->addrs.push_back(ParsePrefix(prefix));
  return d;
}

void Sim::Use(net::Host* host) { g_host = host; }
void Sim::RunFor(sim::Time d) { sim_.scheduler().RunUntil(sim_.now() + d); }
void Sim::RunUntilIdle() { sim_.scheduler().RunUntilIdle(); }
sim::Time Sim::now() const { return sim_.now(); }

void Sim::TraceTo(std::FILE* out) {
  if (sink_ != nullptr) sim_.tracer().RemoveSink(sink_.get());
  sink_.reset();
  if (out != nullptr) {
    sink_ = std::make_unique<sim::TextSink>(sim::FileWriter(out));
    sim_.tracer().AddSink(sink_.get());
  }
}

// ---------------------------------------------------------------- POSIX

int socket(int domain, int type, int protocol) {
  return static_cast<int>(Posix(net::sys_socket(Current(), domain, type, protocol)));
}

int bind(int fd, const struct sockaddr* addr, socklen_t len) {
  net::InetAddr a;
  if (!ParseSockaddr(addr, len, &a)) return static_cast<int>(Posix(-EINVAL));
  return static_cast<int>(Posix(net::sys_bind(Current(), fd, a)));
}

int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  net::InetAddr a;
  if (!ParseSockaddr(addr, len, &a)) return static_cast<int>(Posix(-EINVAL));
  return static_cast<int>(Posix(net::sys_connect(Current(), fd, a)));
}

int listen(int fd, int backlog) { return static_cast<int>(Posix(net::sys_listen(Current(), fd, backlog))); }

int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  (void)addr;
  if (len != nullptr) *len = 0;
  return static_cast<int>(Posix(net::sys_accept(Current(), fd)));
}

int setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen) {
  if (optval == nullptr || optlen < sizeof(int)) return static_cast<int>(Posix(-EINVAL));
  int v;
  std::memcpy(&v, optval, sizeof(int));
  return static_cast<int>(Posix(net::sys_setsockopt(Current(), fd, level, optname, v)));
}

int getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen) {
  if (optval == nullptr || optlen == nullptr || *optlen < sizeof(int)) return static_cast<int>(Posix(-EINVAL));
  int v = 0;
  const int rc = net::sys_getsockopt(Current(), fd, level, optname, &v);
  if (rc == 0) {
    std::memcpy(optval, &v, sizeof(int));
    *optlen = sizeof(int);
  }
  return static_cast<int>(Posix(rc));
}

ssize_t send(int fd, const void* buf, size_t len, int flags) { return sendto(fd, buf, len, flags, nullptr, 0); }

ssize_t sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* dest, socklen_t dest_len) {
  net::UserMsg m;
  m.iov = {{ToUser(buf), len}};
  if (dest != nullptr) {
    m.has_name = ParseSockaddr(dest, dest_len, &m.name);
    m.namelen = static_cast<int>(dest_len);
    if (!m.has_name) return Posix(-EAFNOSUPPORT);
  }
  return Posix(net::sys_sendmsg(Current(), fd, m, static_cast<unsigned>(flags)));
}

ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  if (msg == nullptr) return Posix(-EFAULT);
  return Posix(net::sys_sendmsg(Current(), fd, UserMsgFrom(msg), static_cast<unsigned>(flags)));
}

ssize_t recv(int fd, void* buf, size_t len, int flags) { return recvfrom(fd, buf, len, flags, nullptr, nullptr); }

ssize_t recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* src, socklen_t* src_len) {
  net::RecvMsg out;
  const long rc = net::sys_recvmsg(Current(), fd, &out, len, static_cast<unsigned>(flags));
  if (rc < 0) return Posix(rc);
  std::memcpy(buf, out.data.data(), out.data.size());
  if (src != nullptr && src_len != nullptr) *src_len = FillSockaddr(out.from, src, *src_len);
  return rc;
}

ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  size_t cap = 0;
  for (size_t i = 0; i < msg->msg_iovlen; ++i) cap += msg->msg_iov[i].iov_len;
  net::RecvMsg out;
  const long rc = net::sys_recvmsg(Current(), fd, &out, cap, static_cast<unsigned>(flags));
  if (rc < 0) return Posix(rc);
  size_t done = 0;
  for (size_t i = 0; i < msg->msg_iovlen && done < out.data.size(); ++i) {
    const size_t n = std::min(msg->msg_iov[i].iov_len, out.data.size() - done);
    std::memcpy(msg->msg_iov[i].iov_base, out.data.data() + done, n);
    done += n;
  }
  msg->msg_flags = static_cast<int>(out.msg_flags);
  msg->msg_namelen = out.namelen == 0 ? 0 : FillSockaddr(out.from, static_cast<sockaddr*>(msg->msg_name), msg->msg_namelen);
  const size_t want = CMSG_SPACE(sizeof(sock_extended_err) + (out.cmsg_level == net::kSolIpv6 ? 28 : 16));
  if (out.has_cmsg && msg->msg_control != nullptr && msg->msg_controllen >= want) {
    std::memset(msg->msg_control, 0, want);
    cmsghdr* c = CMSG_FIRSTHDR(msg);
    c->cmsg_level = out.cmsg_level;
    c->cmsg_type = out.cmsg_type;
    c->cmsg_len = CMSG_LEN(sizeof(sock_extended_err) + (out.cmsg_level == net::kSolIpv6 ? 28 : 16));
    std::memcpy(CMSG_DATA(c), &out.ee, sizeof(out.ee));
    msg->msg_controllen = want;
  } else if (out.has_cmsg) {
    msg->msg_flags |= MSG_CTRUNC;
    msg->msg_controllen = 0;
  } else {
    msg->msg_controllen = 0;
  }
  return rc;
}

namespace {
// A poll/epoll timeout in milliseconds as virtual time (< 0: no timeout).
sim::Time TimeoutFromMs(int timeout_ms) {
  return timeout_ms < 0 ? sim::Time{-1} : sim::Time{timeout_ms} * sim::kMillisecond;
}
}  // namespace

// net::sys_poll() hooks each socket's wait queue and cancels its timeout
// timer before returning (a timer left armed would fire later into this
// call's dead frame).
int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  if (nfds > 0 && fds == nullptr) return static_cast<int>(Posix(-EFAULT));
  std::vector<net::PollFd> kfds(nfds);
  for (nfds_t i = 0; i < nfds; ++i) kfds[i] = {fds[i].fd, fds[i].events, 0};
  const int rc = net::sys_poll(Current(), kfds.data(), kfds.size(), TimeoutFromMs(timeout_ms));
  if (rc < 0) return static_cast<int>(Posix(rc));
  for (nfds_t i = 0; i < nfds; ++i) fds[i].revents = kfds[i].revents;
  return rc;
}

int epoll_create1(int flags) { return static_cast<int>(Posix(net::sys_epoll_create1(Current(), flags))); }

int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  net::EpollEvent ev;
  if (event != nullptr) ev = {event->events, event->data.u64};
  return static_cast<int>(Posix(net::sys_epoll_ctl(Current(), epfd, op, fd, event != nullptr ? &ev : nullptr)));
}

int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout_ms) {
  net::Host* host = Current();
  const net::EventPoll* ep = host->LookupEpollFd(epfd);
  if (events == nullptr || maxevents <= 0 || maxevents > INT32_MAX / 12 || ep == nullptr) {
    // Fails before anything is written: the kernel's errno, in its order.
    net::EpollEvent unused;
    return static_cast<int>(Posix(net::sys_epoll_wait(host, epfd, events != nullptr ? &unused : nullptr, maxevents,
                                                      TimeoutFromMs(timeout_ms))));
  }
  // No more events can be ready than items are watched: a bounded buffer.
  const int cap = std::min<int>(maxevents, static_cast<int>(std::max<size_t>(1, ep->rbr.size())));
  std::vector<net::EpollEvent> out(static_cast<size_t>(cap));
  const int rc = net::sys_epoll_wait(host, epfd, out.data(), cap, TimeoutFromMs(timeout_ms));
  if (rc < 0) return static_cast<int>(Posix(rc));
  for (int i = 0; i < rc; ++i) {
    events[i].events = out[static_cast<size_t>(i)].events;
    events[i].data.u64 = out[static_cast<size_t>(i)].data;
  }
  return rc;
}

int close(int fd) { return static_cast<int>(Posix(net::sys_close(Current(), fd))); }

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  static std::map<net::Host*, uint64_t> next;
  (void)addr;
  (void)prot;
  (void)offset;
  if (!(flags & MAP_ANONYMOUS) || fd != -1 || length == 0) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  net::Host* h = Current();
  uint64_t& at = next[h];
  if (at == 0) at = kMmapBase;
  const uint64_t start = at;
  at += net::PAGE_ALIGN(length) + net::PAGE_SIZE;  // a guard page between regions
  const std::string name = "mmap@" + std::to_string(start);
  if (h->mm().Map(name, start, length, [](uint64_t) { return uint8_t{0}; }) != 0) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return h->mm().UserToHost(start);
}

int munmap(void* addr, size_t length) {
  (void)length;
  net::Host* h = Current();
  const uint64_t u = h->mm().HostToUser(addr);
  const net::Vma* vma = u != 0 ? h->mm().VmaAt(u) : nullptr;
  if (vma == nullptr || vma->start != u) return static_cast<int>(Posix(-EINVAL));
  return static_cast<int>(Posix(h->mm().Unmap(vma->name)));
}

// ---------------------------------------------------------------- liburing

int io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags) {
  uring::RingParams p;
  p.sq_entries = entries;
  p.flags = flags;
  int err;
  ring->ctx = uring::io_uring_setup(g_sim->uring(), Current(), p, &err);
  if (ring->ctx == nullptr) return err;
  ring->sqe_tail = 0;
  ring->flags = flags;
  ring->ring_fd = 1000 + static_cast<int>(ring->ctx->id.n);
  ring->cqe_view.clear();
  for (uint32_t i = 0; i < ring->ctx->cq_entries; ++i) ring->cqe_view.push_back(std::make_unique<io_uring_cqe>());
  return 0;
}

void io_uring_queue_exit(struct io_uring* ring) {
  if (ring->ctx != nullptr) uring::io_ring_exit(ring->ctx);
  ring->ctx = nullptr;
}

struct io_uring_sqe* io_uring_get_sqe(struct io_uring* ring) {
  uring::IoRingCtx* ctx = ring->ctx;
  if (ring->sqe_tail - ctx->sq_head >= ctx->sq_entries) return nullptr;
  io_uring_sqe* sqe = &ctx->sqes[ring->sqe_tail & (ctx->sq_entries - 1)];
  *sqe = io_uring_sqe{};
  ++ring->sqe_tail;
  return sqe;
}

namespace {
unsigned FlushSq(struct io_uring* ring) {
  uring::IoRingCtx* ctx = ring->ctx;
  for (uint32_t t = ctx->sq_tail; t != ring->sqe_tail; ++t) ctx->sq_array[t & (ctx->sq_entries - 1)] = t & (ctx->sq_entries - 1);
  ctx->sq_tail = ring->sqe_tail;
  return ctx->sq_tail - ctx->sq_head;
}
}  // namespace

int io_uring_submit(struct io_uring* ring) { return io_uring_submit_and_wait(ring, 0); }

int io_uring_submit_and_wait(struct io_uring* ring, unsigned wait_nr) {
  const unsigned n = FlushSq(ring);
  return uring::io_uring_enter(ring->ctx, n, wait_nr, wait_nr > 0 ? IORING_ENTER_GETEVENTS : 0);
}

int io_uring_peek_cqe(struct io_uring* ring, struct io_uring_cqe** cqe_ptr) {
  uring::IoRingCtx* ctx = ring->ctx;
  // liburing enters the kernel only if the CQ needs a flush (overflow or
  // pending task_work flagged by IORING_SQ_TASKRUN).
  if (uring::io_cqring_events(ctx) == 0 && (ctx->sq_flags & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN))) {
    uring::io_uring_enter(ctx, 0, 0, IORING_ENTER_GETEVENTS);
  }
  if (uring::io_cqring_events(ctx) == 0) {
    *cqe_ptr = nullptr;
    return -EAGAIN;
  }
  const uint32_t slot = ctx->cq_head & (ctx->cq_entries - 1);
  const uring::Cqe& c = ctx->cqes[slot];
  io_uring_cqe* view = ring->cqe_view[slot].get();
  view->user_data = c.user_data;
  view->res = c.res;
  view->flags = c.flags;
  *cqe_ptr = view;
  return 0;
}

int io_uring_wait_cqe_nr(struct io_uring* ring, struct io_uring_cqe** cqe_ptr, unsigned wait_nr) {
  if (uring::io_cqring_events(ring->ctx) < std::max(1u, wait_nr)) {
    const int rc = uring::io_uring_enter(ring->ctx, 0, std::max(1u, wait_nr), IORING_ENTER_GETEVENTS);
    if (rc < 0) return rc;
  }
  return io_uring_peek_cqe(ring, cqe_ptr);
}

int io_uring_wait_cqe(struct io_uring* ring, struct io_uring_cqe** cqe_ptr) { return io_uring_wait_cqe_nr(ring, cqe_ptr, 1); }

void io_uring_cqe_seen(struct io_uring* ring, struct io_uring_cqe* cqe) {
  if (cqe == nullptr) return;
  ++ring->ctx->cq_head;
  ++ring->ctx->cqes_reaped;
}

int io_uring_register_buffers(struct io_uring* ring, const struct iovec* iovecs, unsigned nr_iovecs) {
  std::vector<uint64_t> raw;
  for (unsigned i = 0; i < nr_iovecs; ++i) {
    raw.push_back(ToUser(iovecs[i].iov_base));
    raw.push_back(iovecs[i].iov_len);
  }
  const uint64_t arg = raw.empty() ? kUnmapped : PutScratch(raw.data(), raw.size() * sizeof(uint64_t));
  return uring::io_uring_register(ring->ctx, IORING_REGISTER_BUFFERS, arg, nr_iovecs);
}

int io_uring_unregister_buffers(struct io_uring* ring) {
  return uring::io_uring_register(ring->ctx, IORING_UNREGISTER_BUFFERS, 0, 0);
}

void io_uring_prep_nop(struct io_uring_sqe* sqe) { PrepRw(IORING_OP_NOP, sqe, -1, nullptr, 0, 0); }

void io_uring_prep_send(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags) {
  PrepRw(IORING_OP_SEND, sqe, sockfd, buf, static_cast<unsigned>(len), 0);
  sqe->msg_flags = static_cast<uint32_t>(flags);
}

void io_uring_prep_send_zc(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                           unsigned zc_flags) {
  PrepRw(IORING_OP_SEND_ZC, sqe, sockfd, buf, static_cast<unsigned>(len), 0);
  sqe->msg_flags = static_cast<uint32_t>(flags);
  sqe->ioprio = static_cast<uint16_t>(zc_flags);
}

void io_uring_prep_send_zc_fixed(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                                 unsigned zc_flags, unsigned buf_index) {
  io_uring_prep_send_zc(sqe, sockfd, buf, len, flags, zc_flags);
  sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
  sqe->buf_index = static_cast<uint16_t>(buf_index);
}

void io_uring_prep_sendmsg(struct io_uring_sqe* sqe, int fd, const struct msghdr* msg, unsigned flags) {
  PrepRw(IORING_OP_SENDMSG, sqe, fd, nullptr, 1, 0);
  sqe->addr = KernelMsghdr(msg);
  sqe->msg_flags = flags;
}

void io_uring_prep_sendmsg_zc(struct io_uring_sqe* sqe, int fd, const struct msghdr* msg, unsigned flags) {
  io_uring_prep_sendmsg(sqe, fd, msg, flags);
  sqe->opcode = IORING_OP_SENDMSG_ZC;
}

int io_uring_register_notifications(struct io_uring* ring, unsigned nr, ::io_uring_notification_slot* slots) {
  const uint64_t data = nr == 0 || slots == nullptr ? kUnmapped : PutScratch(slots, nr * sizeof(*slots));
  const uring::io_uring_notification_register_v4 reg = {nr, 0, 0, data, 0};
  return uring::io_uring_register(ring->ctx, uring::IORING_REGISTER_NOTIFIERS_V4, PutScratch(&reg, sizeof(reg)),
                                  sizeof(reg));
}

int io_uring_unregister_notifications(struct io_uring* ring) {
  return uring::io_uring_register(ring->ctx, uring::IORING_UNREGISTER_NOTIFIERS_V4, 0, 0);
}

void io_uring_prep_sendzc(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                          unsigned slot_idx, unsigned zc_flags) {
  PrepRw(uring::IORING_OP_SENDZC_V4, sqe, sockfd, buf, static_cast<unsigned>(len), 0);
  sqe->msg_flags = static_cast<uint32_t>(flags);
  sqe->ioprio = static_cast<uint16_t>(zc_flags);
  sqe->addr_len = static_cast<uint16_t>(slot_idx);  // notification_idx: the u16 at offset 44
}

void io_uring_prep_sendzc_fixed(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                                unsigned slot_idx, unsigned zc_flags, unsigned buf_idx) {
  io_uring_prep_sendzc(sqe, sockfd, buf, len, flags, slot_idx, zc_flags);
  sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
  sqe->buf_index = static_cast<uint16_t>(buf_idx);
}

void io_uring_prep_notif_update(struct io_uring_sqe* sqe, uint64_t new_tag, unsigned offset, unsigned nr) {
  PrepRw(uring::IORING_OP_RSRC_UPDATE_V4, sqe, -1, nullptr, nr, offset);
  sqe->addr = new_tag;  // the tag itself, not a pointer
  sqe->ioprio = uring::IORING_RSRC_UPDATE_NOTIF_V4;
}

}  // namespace zcsim::api
