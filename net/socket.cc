#include "net/socket.h"

#include <algorithm>

#include "net/app_reader.h"
#include "net/datagram.h"
#include "net/eventpoll.h"
#include "net/host.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

int SockaddrLen(int family) { return family == AF_INET6 ? 28 : 16; }

// inet_autobind(): an unbound socket gets an ephemeral port at first use.
int inet_autobind(Sock* sk) {
  if (sk->bound) return 0;
  const uint16_t port = sk->host->PickEphemeralPort(sk->family);
  if (port == 0) return -EAGAIN;
  sk->saddr = InetAddr{};
  sk->saddr.family = sk->family;
  sk->saddr.port = port;
  sk->bound = true;
  return 0;
}

template <typename... Args>
void TraceCall(Host* host, Sock* sk, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(host->world().tracer(), "sys", func)
      .Obj(sk != nullptr ? sk->id : sim::ObjectId{})
      .Msg("{}: {}", host->name(), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace

Sock* sockfd_lookup(Host* host, int fd) { return host->LookupFd(fd); }

uint32_t sock_poll(Sock* sk) { return sk->protocol == IPPROTO_TCP ? tcp_poll(sk) : datagram_poll(sk); }

int sys_socket(Host* host, int family, int type, int protocol) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  if (family != AF_INET && family != AF_INET6) return -EAFNOSUPPORT;
  if (type != SOCK_DGRAM && type != SOCK_STREAM) return -EINVAL;
  const int proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (protocol != 0 && protocol != proto) return -EPROTONOSUPPORT;
  World& world = host->world();
  Sock* sk = world.socks().New();
  sk->world = &world;
  sk->host = host;
  sk->family = family;
  sk->type = type;
  sk->protocol = proto;
  sk->sk_sndbuf = host->sysctl().wmem_default;
  sk->sk_rcvbuf = host->sysctl().rmem_default;
  if (proto == IPPROTO_TCP) {
    sk->tcp = std::make_shared<TcpSock>();
    sk->sk_sndbuf = 16384;  // tcp_wmem[1]; tcp_sndbuf_expand() grows it once connected
    sk->sk_rcvbuf = 131072;  // tcp_rmem[1]
  }
  const int fd = host->InstallFd(sk);
  TraceCall(host, sk, "socket", "{} {} -> fd {}", family == AF_INET6 ? "AF_INET6" : "AF_INET",
            proto == IPPROTO_TCP ? "tcp" : "udp", fd);
  return fd;
}

int sys_bind(Host* host, int fd, const InetAddr& addr) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (addr.family != sk->family) return sk->family == AF_INET ? -EAFNOSUPPORT : -EINVAL;
  if (sk->bound) return -EINVAL;
  if (!addr.is_any() && !host->IsLocalAddress(addr)) return -EADDRNOTAVAIL;
  InetAddr local = addr;
  if (local.port == 0) {
    local.port = host->PickEphemeralPort(sk->family);
    if (local.port == 0) return -EADDRINUSE;
  } else if (host->PortInUse(local)) {
    return -EADDRINUSE;
  }
  sk->saddr = local;
  sk->bound = true;
  TraceCall(host, sk, "bind", "{}", local.ToString());
  return 0;
}

int sys_connect(Host* host, int fd, const InetAddr& addr, bool nonblock) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (addr.family == AF_UNSPEC) {  // udp_disconnect()
    sk->connected = false;
    sk->daddr = InetAddr{};
    return 0;
  }
  if (sk->protocol == IPPROTO_TCP) {  // inet_stream_connect()
    if (addr.family != sk->family) return -EAFNOSUPPORT;
    if (inet_autobind(sk) != 0) return -EAGAIN;
    TraceCall(host, sk, "connect", "{} -> {}", sk->saddr.ToString(), addr.ToString());
    return tcp_v4_connect(sk, addr, nonblock);
  }
  // inet_dgram_connect(): autobind before the protocol looks at the address.
  if (inet_autobind(sk) != 0) return -EAGAIN;
  if (addr.family != sk->family) return sk->family == AF_INET ? -EAFNOSUPPORT : -EINVAL;
  NetDevice* dev;
  InetAddr saddr;
  const int err = host->RouteOutput(addr, &dev, &saddr);
  if (err != 0) return err;
  sk->daddr = addr;
  sk->connected = true;
  TraceCall(host, sk, "connect", "{} -> {} via {}", sk->saddr.ToString(), addr.ToString(), dev->name);
  return 0;
}

int sys_setsockopt(Host* host, int fd, int level, int optname, int val) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (level == SOL_UDP) return udp_lib_setsockopt(sk, optname, val);
  if (level == SOL_TCP) return sk->protocol == IPPROTO_TCP ? tcp_setsockopt(sk, optname, val) : -ENOPROTOOPT;
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  switch (optname) {
    case SO_ZEROCOPY:
      // Only TCP stream and UDP datagram inet sockets (checked first).
      if (!((sk->type == SOCK_STREAM && sk->protocol == IPPROTO_TCP) ||
            (sk->type == SOCK_DGRAM && sk->protocol == IPPROTO_UDP))) {
        return -EOPNOTSUPP;
      }
      if (val < 0 || val > 1) return -EINVAL;
      sk->sock_zerocopy = val == 1;
      TraceCall(host, sk, "setsockopt", "SO_ZEROCOPY {}", val);
      return 0;
    case SO_SNDBUF: {
      // Clamped as unsigned to wmem_max, then doubled, at least SOCK_MIN_SNDBUF.
      uint32_t v = static_cast<uint32_t>(val);
      v = std::min<uint32_t>(v, static_cast<uint32_t>(host->sysctl().wmem_max));
      v = std::min<uint32_t>(v, 0x7fffffff / 2);
      sk->sk_sndbuf = std::max<int>(static_cast<int>(v) * 2, SOCK_MIN_SNDBUF);
      sk->sndbuf_locked = true;  // sk_userlocks |= SOCK_SNDBUF_LOCK
      TraceCall(host, sk, "setsockopt", "SO_SNDBUF {} -> sk_sndbuf {}", val, sk->sk_sndbuf);
      return 0;
    }
    case SO_RCVBUF: {
      uint32_t v = static_cast<uint32_t>(val);
      v = std::min<uint32_t>(v, static_cast<uint32_t>(host->sysctl().rmem_max));
      v = std::min<uint32_t>(v, 0x7fffffff / 2);
      sk->sk_rcvbuf = std::max<int>(static_cast<int>(v) * 2, SOCK_MIN_RCVBUF);
      sk->rcvbuf_locked = true;  // sk_userlocks |= SOCK_RCVBUF_LOCK
      return 0;
    }
    default:
      return -ENOPROTOOPT;
  }
}

int sys_getsockopt(Host* host, int fd, int level, int optname, int* val) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (level == SOL_UDP) return udp_lib_getsockopt(sk, optname, val);
  if (level == SOL_TCP) return sk->protocol == IPPROTO_TCP ? tcp_getsockopt(sk, optname, val) : -ENOPROTOOPT;
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  switch (optname) {
    case SO_ZEROCOPY:
      *val = sk->sock_zerocopy ? 1 : 0;
      return 0;
    case SO_SNDBUF:
      *val = sk->sk_sndbuf;
      return 0;
    case SO_RCVBUF:
      *val = sk->sk_rcvbuf;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

long sock_sendmsg(Sock* sk, MsgHdr* msg) {
  const size_t len = iov_iter_count(&msg->msg_iter);
  if (sk->protocol == IPPROTO_TCP) return tcp_sendmsg(sk, msg, len);
  if (inet_autobind(sk) != 0) return -EAGAIN;
  return sk->family == AF_INET6 ? udpv6_sendmsg(sk, msg, len) : udp_sendmsg(sk, msg, len);
}

int sockaddr_from_inet(const InetAddr& addr, uint8_t out[28]) {
  std::fill(out, out + 28, 0);
  const uint16_t family = static_cast<uint16_t>(addr.family);
  out[0] = static_cast<uint8_t>(family);  // sa_family is host order (little endian)
  out[1] = static_cast<uint8_t>(family >> 8);
  out[2] = static_cast<uint8_t>(addr.port >> 8);  // sin_port is network order
  out[3] = static_cast<uint8_t>(addr.port);
  if (addr.family == AF_INET6) {
    std::copy(addr.addr.begin(), addr.addr.end(), out + 8);
    return 28;
  }
  std::copy(addr.addr.begin(), addr.addr.begin() + 4, out + 4);
  return 16;
}

int move_addr_to_kernel(Host* host, uint64_t uaddr, int addrlen, InetAddr* out) {
  if (addrlen < 0 || addrlen > 128) return -EINVAL;
  if (addrlen == 0) return 0;
  uint8_t buf[128];
  if (host->mm().Read(uaddr, static_cast<uint64_t>(addrlen), buf) != 0) return -EFAULT;
  *out = InetAddr{};
  if (addrlen < 2) return 0;
  out->family = buf[0] | (buf[1] << 8);
  if (addrlen >= 4) out->port = static_cast<uint16_t>((buf[2] << 8) | buf[3]);
  if (out->family == AF_INET && addrlen >= 8) std::copy(buf + 4, buf + 8, out->addr.begin());
  if (out->family == AF_INET6 && addrlen >= 24) std::copy(buf + 8, buf + 24, out->addr.begin());
  return 0;
}

namespace {
uint64_t Load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

int copy_msghdr_from_user(Host* host, uint64_t uaddr, UserMsg* out, unsigned* flags) {
  uint8_t m[56];
  if (host->mm().Read(uaddr, sizeof(m), m) != 0) return -EFAULT;
  const uint64_t name = Load64(m), namelen = Load64(m + 8) & 0xffffffff, iov = Load64(m + 16),
                 iovlen = Load64(m + 24);
  *flags = static_cast<unsigned>(Load64(m + 48) & 0xffffffff);
  *out = UserMsg{};
  if (name != 0) {
    out->has_name = true;
    out->namelen = static_cast<int>(namelen);
    const int err = move_addr_to_kernel(host, name, static_cast<int>(namelen), &out->name);
    if (err != 0) return err;
  }
  if (iovlen > 1024) return -EMSGSIZE;  // UIO_MAXIOV
  for (uint64_t i = 0; i < iovlen; ++i) {
    uint8_t v[16];
    if (host->mm().Read(iov + 16 * i, 16, v) != 0) return -EFAULT;
    out->iov.push_back({Load64(v), Load64(v + 8)});
  }
  return 0;
}

long sys_sendmsg(Host* host, int fd, const UserMsg& umsg, unsigned flags) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  MsgHdr msg;
  msg.has_name = umsg.has_name;
  msg.name = umsg.name;
  msg.namelen = umsg.has_name ? (umsg.namelen != 0 ? umsg.namelen : SockaddrLen(umsg.name.family)) : 0;
  msg.msg_iter = iov_iter_iovec(&host->mm(), umsg.iov);
  msg.msg_flags = flags;
  TraceCall(host, sk, "sendmsg", "fd {} {} bytes in {} iovec(s), flags {:#x}", fd, iov_iter_count(&msg.msg_iter),
            umsg.iov.size(), flags);
  return sock_sendmsg(sk, &msg);  // inet_send_prepare() autobinds first
}

long sys_recvmsg(Host* host, int fd, RecvMsg* out, size_t len, unsigned flags) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  *out = RecvMsg{};
  if (sk->protocol == IPPROTO_TCP && !(flags & MSG_ERRQUEUE)) return tcp_recvmsg(sk, out, len, flags);
  return udp_recvmsg(sk, out, len, flags);
}

int sys_listen(Host* host, int fd, int backlog) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (sk->protocol != IPPROTO_TCP) return -EOPNOTSUPP;
  TraceCall(host, sk, "listen", "{}", sk->saddr.ToString());
  return tcp_listen(sk, backlog);
}

int sys_accept(Host* host, int fd) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (sk->protocol != IPPROTO_TCP) return -EOPNOTSUPP;
  int err;
  Sock* child = tcp_accept(sk, &err);
  if (child == nullptr) return err;
  sock_hold(child);  // the new file's reference
  const int nfd = host->InstallFd(child);
  TraceCall(host, child, "accept", "fd {} from {}", nfd, child->daddr.ToString());
  return nfd;
}

int sys_close(Host* host, int fd) {
  World::SyscallScope in_kernel(host->world());
  Host::TaskScope task(*host);
  if (std::unique_ptr<EventPoll> ep = host->ReleaseEpollFd(fd)) {
    TraceCall(host, nullptr, "close", "fd {} (epoll)", fd);
    ep_free(std::move(ep));
    return 0;
  }
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  host->ReleaseFd(fd);
  TraceCall(host, sk, "close", "fd {}", fd);
  if (AppReader* reader = host->FindAppReader(fd)) {
    app_reader_stop(reader);  // the application closed its fd
    host->RemoveAppReader(fd);
  }
  eventpoll_release(sk);  // __fput(): the file's epoll items go first
  if (sk->protocol == IPPROTO_TCP) {
    // tcp_close(): queued data still goes out, then the FIN; the connection
    // keeps its own reference until it is done.
    sk->sock_dead = true;
    tcp_close(sk);
    sock_put(sk);
    return 0;
  }
  // udp_lib_close -> sk_common_release: udp_destroy_sock() marks the socket
  // dead and flushes a corked datagram; the queues are purged when the last
  // reference goes (sock_put -> inet_sock_destruct).
  sk->sock_dead = true;
  udp_flush_pending_frames(sk);
  sk->bound = false;
  sock_put(sk);
  return 0;
}

}  // namespace zcsim::net
