// Include this instead of <liburing.h> and <sys/socket.h> to run a C-style
// liburing program unchanged on the simulator.
//
// The POSIX calls are redirected with function-like macros (libc declares
// the same names and C++ argument-dependent lookup would make a plain
// namespace ambiguous); the liburing names are brought into the global
// namespace. Include it last, and not in code that calls members or
// functions of its own named socket, bind, send, poll, close ... .
#ifndef ZCSIM_URING_API_PORT_H_
#define ZCSIM_URING_API_PORT_H_

#include "uring/api/api.h"

#define socket(...) ::zcsim::api::socket(__VA_ARGS__)
#define bind(...) ::zcsim::api::bind(__VA_ARGS__)
#define connect(...) ::zcsim::api::connect(__VA_ARGS__)
#define setsockopt(...) ::zcsim::api::setsockopt(__VA_ARGS__)
#define getsockopt(...) ::zcsim::api::getsockopt(__VA_ARGS__)
#define send(...) ::zcsim::api::send(__VA_ARGS__)
#define sendto(...) ::zcsim::api::sendto(__VA_ARGS__)
#define sendmsg(...) ::zcsim::api::sendmsg(__VA_ARGS__)
#define recv(...) ::zcsim::api::recv(__VA_ARGS__)
#define recvfrom(...) ::zcsim::api::recvfrom(__VA_ARGS__)
#define recvmsg(...) ::zcsim::api::recvmsg(__VA_ARGS__)
#define poll(...) ::zcsim::api::poll(__VA_ARGS__)
#define epoll_create1(...) ::zcsim::api::epoll_create1(__VA_ARGS__)
#define epoll_ctl(...) ::zcsim::api::epoll_ctl(__VA_ARGS__)
#define epoll_wait(...) ::zcsim::api::epoll_wait(__VA_ARGS__)
#define close(...) ::zcsim::api::close(__VA_ARGS__)
#define listen(...) ::zcsim::api::listen(__VA_ARGS__)
#define accept(...) ::zcsim::api::accept(__VA_ARGS__)
#define mmap(...) ::zcsim::api::mmap(__VA_ARGS__)
#define munmap(...) ::zcsim::api::munmap(__VA_ARGS__)

using zcsim::api::io_uring;
using zcsim::api::io_uring_cqe_seen;
using zcsim::api::io_uring_get_sqe;
using zcsim::api::io_uring_peek_cqe;
using zcsim::api::io_uring_prep_nop;
using zcsim::api::io_uring_prep_send;
using zcsim::api::io_uring_prep_send_zc;
using zcsim::api::io_uring_prep_send_zc_fixed;
using zcsim::api::io_uring_prep_sendmsg;
using zcsim::api::io_uring_prep_sendmsg_zc;
using zcsim::api::io_uring_prep_notif_update;
using zcsim::api::io_uring_prep_sendzc;
using zcsim::api::io_uring_prep_sendzc_fixed;
using zcsim::api::io_uring_register_notifications;
using zcsim::api::io_uring_unregister_notifications;
using zcsim::api::io_uring_queue_exit;
using zcsim::api::io_uring_queue_init;
using zcsim::api::io_uring_register_buffers;
using zcsim::api::io_uring_sqe_set_data64;
using zcsim::api::io_uring_sqe_set_flags;
using zcsim::api::io_uring_submit;
using zcsim::api::io_uring_submit_and_wait;
using zcsim::api::io_uring_unregister_buffers;
using zcsim::api::io_uring_wait_cqe;
using zcsim::api::io_uring_wait_cqe_nr;

#endif  // ZCSIM_URING_API_PORT_H_
