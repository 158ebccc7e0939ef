#ifndef ZCSIM_TESTS_URING_ZC_SENDER_H_
#define ZCSIM_TESTS_URING_ZC_SENDER_H_

#include <cstddef>


struct zc_stats {
  int completions = 0;
  int notifications = 0;
  int with_more = 0;
  long bytes = 0;
  int first_notif_order = 0;  // position (1-based) of the first notification among all CQEs
};

// Sends nr_reqs SEND_ZC requests of `size` bytes to dest_ip:port and reaps
// every CQE. 0 or -errno.
int zc_send_batch(const char* dest_ip, int port, int nr_reqs, size_t size, bool fixed, struct zc_stats* stats);
// A bound UDP socket on the current host (returns its fd).
int udp_receive_all(int port, int expected, size_t size);
// Reads every queued datagram; checks each is `size` bytes of 'z'.
int udp_drain(int fd, size_t size);


#endif  // ZCSIM_TESTS_URING_ZC_SENDER_H_
