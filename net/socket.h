// The system-call layer for sockets (net/socket.c, net/ipv4/af_inet.c,
// net/core/sock.c sk_setsockopt, 6.1): what a simulated program calls on
// one host. Results are the kernel's: a value >= 0 or -errno.
#ifndef ZCSIM_NET_SOCKET_H_
#define ZCSIM_NET_SOCKET_H_

#include <cstdint>
#include <vector>

#include "net/inet.h"
#include "net/iov_iter.h"

namespace zcsim::net {

class Host;

// A user-space struct msghdr for sendmsg (iovecs point into the host's
// address space).
struct UserMsg {
  std::vector<Iovec> iov;
  bool has_name = false;
  InetAddr name;
  int namelen = 0;  // defaults to the family's sockaddr size when has_name
};

int sys_socket(Host* host, int family, int type, int protocol);
int sys_bind(Host* host, int fd, const InetAddr& addr);
// `nonblock`: the file's O_NONBLOCK; a TCP connect then returns -EINPROGRESS
// once its SYN is out.
int sys_connect(Host* host, int fd, const InetAddr& addr, bool nonblock = false);
int sys_setsockopt(Host* host, int fd, int level, int optname, int val);
int sys_getsockopt(Host* host, int fd, int level, int optname, int* val);
long sys_sendmsg(Host* host, int fd, const UserMsg& msg, unsigned flags);
long sys_recvmsg(Host* host, int fd, RecvMsg* out, size_t len, unsigned flags);
int sys_listen(Host* host, int fd, int backlog);
// accept(): the new connection's fd (blocks in virtual time), or -errno.
int sys_accept(Host* host, int fd);
int sys_close(Host* host, int fd);

// sock_poll(): the protocol's poll mask (EPOLL* bits): tcp_poll(), or
// udp_poll() -> datagram_poll().
uint32_t sock_poll(Sock* sk);

// The socket behind `fd`, or null.
struct Sock* sockfd_lookup(Host* host, int fd);

// sock_sendmsg(): the protocol's sendmsg for an in-kernel msghdr (what
// io_uring calls). Bytes or -errno.
long sock_sendmsg(Sock* sk, MsgHdr* msg);
// move_addr_to_kernel(): a struct sockaddr_in / sockaddr_in6 read from user
// memory. 0, -EINVAL (bad length or family) or -EFAULT.
int move_addr_to_kernel(Host* host, uint64_t uaddr, int addrlen, InetAddr* out);
// Writes `addr` as a struct sockaddr_in / sockaddr_in6 into `out` (for
// programs that build one); returns its length.
int sockaddr_from_inet(const InetAddr& addr, uint8_t out[28]);
// copy_msghdr_from_user(): a struct user_msghdr (x86_64 layout, 56 bytes)
// and its iovec array read from user memory. 0, -EFAULT, -EMSGSIZE
// (msg_iovlen > UIO_MAXIOV) or -EINVAL.
int copy_msghdr_from_user(Host* host, uint64_t uaddr, UserMsg* out, unsigned* flags);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_SOCKET_H_
