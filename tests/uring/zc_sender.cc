// A small zerocopy sender written as one writes it against liburing: plain
// C-style liburing + POSIX code. The one change for the simulator is the
// include of uring/api/port.h instead of <liburing.h> and <sys/socket.h>
// (the buffer comes from mmap, as it does in many real programs).
#include "tests/uring/zc_sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <errno.h>

#include "uring/api/port.h"  // instead of <liburing.h> and <sys/socket.h>

int zc_send_batch(const char* dest_ip, int port, int nr_reqs, size_t size, bool fixed, struct zc_stats* stats) {
  struct io_uring ring;
  int ret = io_uring_queue_init(32, &ring, 0);
  if (ret < 0) return ret;

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -errno;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, dest_ip, &addr.sin_addr);
  if (connect(fd, (struct sockaddr*)&addr, sizeof(addr)) < 0) return -errno;

  char* buf = (char*)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) return -errno;
  memset(buf, 'z', size);
  if (fixed) {
    struct iovec iov = {.iov_base = buf, .iov_len = size};
    ret = io_uring_register_buffers(&ring, &iov, 1);
    if (ret) return ret;
  }

  for (int i = 0; i < nr_reqs; i++) {
    struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (fixed)
      io_uring_prep_send_zc_fixed(sqe, fd, buf, size, 0, 0, 0);
    else
      io_uring_prep_send_zc(sqe, fd, buf, size, 0, 0);
    io_uring_sqe_set_data64(sqe, i + 1);
  }
  ret = io_uring_submit(&ring);
  if (ret != nr_reqs) return ret < 0 ? ret : -EIO;

  // Every request gives a CQE with F_MORE, then a notification.
  int pending = nr_reqs * 2;
  while (pending--) {
    struct io_uring_cqe* cqe;
    ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret) return ret;
    if (cqe->flags & IORING_CQE_F_NOTIF) {
      stats->notifications++;
      if (stats->first_notif_order == 0) stats->first_notif_order = stats->completions + stats->notifications;
    } else {
      if (cqe->res > 0) stats->bytes += cqe->res;
      if (cqe->flags & IORING_CQE_F_MORE) stats->with_more++;
      stats->completions++;
    }
    io_uring_cqe_seen(&ring, cqe);
  }
  if (fixed) io_uring_unregister_buffers(&ring);
  io_uring_queue_exit(&ring);
  close(fd);
  return 0;
}

int udp_receive_all(int port, int expected, size_t size) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (bind(fd, (struct sockaddr*)&addr, sizeof(addr)) < 0) return -errno;
  return fd + 0 * expected * static_cast<int>(size);
}

int udp_drain(int fd, size_t size) {
  char* buf = (char*)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int got = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
    if (n < 0) break;
    if ((size_t)n != size || buf[0] != 'z' || buf[n - 1] != 'z') return -1;
    got++;
  }
  return got;
}

