// A MSG_ZEROCOPY sender that reaps its notifications with epoll, written as
// C against <sys/epoll.h> and <sys/socket.h>. Its completion reading follows
// the kernel selftest tools/testing/selftests/net/msg_zerocopy.c
// (do_recv_completion: one sock_extended_err per message, [ee_info, ee_data]
// a range of send ids, ids in order, SO_EE_CODE_ZEROCOPY_COPIED if the
// kernel copied); its waiting is epoll with an empty interest mask, as
// EPOLLERR is always reported. The one change for the simulator is the
// include of uring/api/port.h.
#include "tests/uring/zc_epoll.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>

#include "uring/api/port.h"  // instead of <sys/socket.h> and <sys/epoll.h>

static int read_notification(int fd, struct zc_epoll_stats* stats, unsigned* next_id) {
  char control[128];
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  if (recvmsg(fd, &msg, MSG_ERRQUEUE) == -1) return errno == EAGAIN ? 0 : -errno;
  struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  if (cm == NULL || cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR) return -EPROTO;
  struct sock_extended_err serr;
  memcpy(&serr, CMSG_DATA(cm), sizeof(serr));
  if (serr.ee_origin != SO_EE_ORIGIN_ZEROCOPY || serr.ee_errno != 0) return -EPROTO;
  if (serr.ee_info != *next_id) stats->out_of_order++;
  *next_id = serr.ee_data + 1;
  stats->notifications++;
  stats->completions += (int)(serr.ee_data - serr.ee_info + 1);
  if (serr.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) stats->copied++;
  return 1;
}

int zc_send_and_epoll(const char* dest_ip, int port, int nr_sends, int size, struct zc_epoll_stats* stats) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -errno;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one))) return -errno;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, dest_ip, &addr.sin_addr);
  if (connect(fd, (struct sockaddr*)&addr, sizeof(addr))) return -errno;
  char* buf = (char*)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) return -errno;
  memset(buf, 'e', size);

  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return -errno;
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = 0;  // EPOLLERR needs no asking
  ev.data.fd = fd;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) return -errno;

  for (int i = 0; i < nr_sends; i++) {
    if (send(fd, buf, size, MSG_ZEROCOPY) != size) return -EIO;
  }
  unsigned next_id = 0;
  while (stats->completions < nr_sends) {
    struct epoll_event events[4];
    int n = epoll_wait(epfd, events, 4, 1000);
    if (n < 0) return -errno;
    if (n == 0) return -ETIMEDOUT;
    if (events[0].data.fd != fd || !(events[0].events & EPOLLERR)) return -EPROTO;
    stats->wakeups++;
    int ret;
    while ((ret = read_notification(fd, stats, &next_id)) > 0) {
    }
    if (ret < 0) return ret;
  }
  close(epfd);
  close(fd);
  return 0;
}
