#ifndef ZCSIM_TESTS_URING_ZC_EPOLL_H_
#define ZCSIM_TESTS_URING_ZC_EPOLL_H_

struct zc_epoll_stats {
  int notifications = 0;  // error-queue messages read
  int completions = 0;    // sends they cover (ranges add up)
  int copied = 0;         // notifications with SO_EE_CODE_ZEROCOPY_COPIED
  int wakeups = 0;        // epoll_wait calls that returned EPOLLERR
  int out_of_order = 0;   // ranges that did not start where the last ended
};

// Sends nr_sends MSG_ZEROCOPY datagrams of `size` bytes to dest_ip:port,
// then waits with epoll for EPOLLERR and reads the notifications from the
// error queue until every send is accounted for. 0 or -errno.
int zc_send_and_epoll(const char* dest_ip, int port, int nr_sends, int size, struct zc_epoll_stats* stats);

#endif  // ZCSIM_TESTS_URING_ZC_EPOLL_H_
