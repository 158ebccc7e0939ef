// The calls a simulated program makes, in one namespace: POSIX sockets and
// memory (socket ... close, mmap, munmap: -1 and errno, as libc does) and
// liburing (io_uring_queue_init ... io_uring_queue_exit: -errno returns, as
// liburing does), plus a few calls that build the world and move time.
//
// Porting a liburing program: include "uring/api/api.h" instead of
// <liburing.h> and <sys/socket.h>, put its functions inside
// `namespace zcsim::api { ... }` (so that socket(), send() ... resolve
// here rather than to the real libc), build the world with a Sim, and
// allocate buffers with mmap() so that they live in simulated memory.
// Blocking calls (io_uring_wait_cqe, recv, poll) let virtual time pass.
//
// Differences from the real calls, by design: buffers must come from this
// mmap() (any other pointer is unmapped: EFAULT); io_uring_prep_sendmsg*()
// snapshots the msghdr when preparing, where the kernel reads it at issue.
#ifndef ZCSIM_URING_API_API_H_
#define ZCSIM_URING_API_API_H_

#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "net/host.h"
#include "net/world.h"
#include "sim/simulator.h"
#include "sim/trace.h"
#include "uring/io_uring.h"

namespace zcsim::api {

// ---------------------------------------------------------------- the world

// One simulated world: build it, pick the host whose process the calls
// below run in, and let time pass.
class Sim {
 public:
  explicit Sim(uint64_t seed = 1);
  ~Sim();
  Sim(const Sim&) = delete;
  Sim& operator=(const Sim&) = delete;

  net::Host* AddHost(const std::string& name);
  // Two NICs joined by a wire, each with an address ("10.0.0.1/24").
  void AddNicPair(net::Host* a, const std::string& a_prefix, net::Host* b, const std::string& b_prefix,
                  uint32_t mtu = 1500, const net::NicParams& params = {});
  // A dummy device with an address and route ("10.9.0.1/24").
  net::NetDevice* AddDummy(net::Host* host, const std::string& prefix, uint32_t mtu = 1500);
  // Subsequent calls run in `host`'s process.
  void Use(net::Host* host);
  void RunFor(sim::Time d);
  void RunUntilIdle();
  sim::Time now() const;
  // Prints the trace as text to `out` (nullptr: off).
  void TraceTo(std::FILE* out);

  sim::Simulator& simulator() { return sim_; }
  net::World& world() { return world_; }
  uring::Uring& uring() { return uring_; }

 private:
  sim::Simulator sim_;
  net::World world_;
  uring::Uring uring_;
  std::unique_ptr<sim::TextSink> sink_;
};

// ---------------------------------------------------------------- POSIX

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr* addr, socklen_t len);
int connect(int fd, const struct sockaddr* addr, socklen_t len);
int listen(int fd, int backlog);
// Blocks in virtual time until a connection completes. The peer's address is
// not reported (addr and len may be null; if given, *len is set to 0).
int accept(int fd, struct sockaddr* addr, socklen_t* len);
int setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen);
int getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen);
ssize_t send(int fd, const void* buf, size_t len, int flags);
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* dest, socklen_t dest_len);
ssize_t sendmsg(int fd, const struct msghdr* msg, int flags);
ssize_t recv(int fd, void* buf, size_t len, int flags);
ssize_t recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* src, socklen_t* src_len);
ssize_t recvmsg(int fd, struct msghdr* msg, int flags);
// net::sys_poll(): POLLIN, POLLOUT and POLLERR (pending zerocopy
// notifications); waits in virtual time up to `timeout_ms` (< 0: until ready,
// or 0 once the world is idle).
int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms);
// epoll over net/eventpoll.h (the fd is closed with close()). epoll_wait
// waits in virtual time as poll() does.
int epoll_create1(int flags);
int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event);
int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout_ms);
int close(int fd);
// Anonymous memory in the current host's address space.
void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset);
int munmap(void* addr, size_t length);

// ---------------------------------------------------------------- liburing

struct io_uring {
  uring::IoRingCtx* ctx = nullptr;
  unsigned sqe_tail = 0;  // liburing's local tail, flushed by io_uring_submit
  unsigned flags = 0;
  int ring_fd = -1;
  std::vector<std::unique_ptr<io_uring_cqe>> cqe_view;  // what io_uring_peek_cqe points at
};

int io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags);
void io_uring_queue_exit(struct io_uring* ring);
struct io_uring_sqe* io_uring_get_sqe(struct io_uring* ring);
int io_uring_submit(struct io_uring* ring);
int io_uring_submit_and_wait(struct io_uring* ring, unsigned wait_nr);
int io_uring_wait_cqe(struct io_uring* ring, struct io_uring_cqe** cqe_ptr);
int io_uring_wait_cqe_nr(struct io_uring* ring, struct io_uring_cqe** cqe_ptr, unsigned wait_nr);
int io_uring_peek_cqe(struct io_uring* ring, struct io_uring_cqe** cqe_ptr);
void io_uring_cqe_seen(struct io_uring* ring, struct io_uring_cqe* cqe);
int io_uring_register_buffers(struct io_uring* ring, const struct iovec* iovecs, unsigned nr_iovecs);
int io_uring_unregister_buffers(struct io_uring* ring);

void io_uring_prep_nop(struct io_uring_sqe* sqe);
void io_uring_prep_send(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags);
void io_uring_prep_send_zc(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                           unsigned zc_flags);
void io_uring_prep_send_zc_fixed(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                                 unsigned zc_flags, unsigned buf_index);
void io_uring_prep_sendmsg(struct io_uring_sqe* sqe, int fd, const struct msghdr* msg, unsigned flags);
void io_uring_prep_sendmsg_zc(struct io_uring_sqe* sqe, int fd, const struct msghdr* msg, unsigned flags);
inline void io_uring_sqe_set_data64(struct io_uring_sqe* sqe, uint64_t data) { sqe->user_data = data; }

// The zc_v4 branch of liburing (the seed series' API; needs a Sim whose
// world().set_era(net::KernelEra::kV4) or another slot era).
// struct io_uring_notification_slot is still in the 6.1 uapi header.
int io_uring_register_notifications(struct io_uring* ring, unsigned nr, ::io_uring_notification_slot* slots);
int io_uring_unregister_notifications(struct io_uring* ring);
void io_uring_prep_sendzc(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                          unsigned slot_idx, unsigned zc_flags);
void io_uring_prep_sendzc_fixed(struct io_uring_sqe* sqe, int sockfd, const void* buf, size_t len, int flags,
                                unsigned slot_idx, unsigned zc_flags, unsigned buf_idx);
void io_uring_prep_notif_update(struct io_uring_sqe* sqe, uint64_t new_tag, unsigned offset, unsigned nr);
inline void io_uring_sqe_set_flags(struct io_uring_sqe* sqe, unsigned flags) { sqe->flags = static_cast<uint8_t>(flags); }

}  // namespace zcsim::api

#endif  // ZCSIM_URING_API_API_H_
