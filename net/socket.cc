#include "net/socket.h"

#include "net/host.h"
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

int sys_socket(Host* host, int family, int type, int protocol) {
  World::SyscallScope in_kernel(host->world());
  if (family != AF_INET && family != AF_INET6) return -EAFNOSUPPORT;
  if (type == SOCK_STREAM) return -EPROTONOSUPPORT;  // TCP arrives with its own issue
  if (type != SOCK_DGRAM) return -EINVAL;
  if (protocol != 0 && protocol != IPPROTO_UDP) return -EPROTONOSUPPORT;
  World& world = host->world();
  Sock* sk = world.socks().New();
  sk->world = &world;
  sk->host = host;
  sk->family = family;
  sk->type = type;
  sk->protocol = IPPROTO_UDP;
  sk->sk_sndbuf = host->sysctl().wmem_default;
  sk->sk_rcvbuf = host->sysctl().rmem_default;
  const int fd = host->InstallFd(sk);
  TraceCall(host, sk, "socket", "{} udp -> fd {}", family == AF_INET6 ? "AF_INET6" : "AF_INET", fd);
  return fd;
}

int sys_bind(Host* host, int fd, const InetAddr& addr) {
  World::SyscallScope in_kernel(host->world());
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

int sys_connect(Host* host, int fd, const InetAddr& addr) {
  World::SyscallScope in_kernel(host->world());
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (addr.family == AF_UNSPEC) {  // udp_disconnect()
    sk->connected = false;
    sk->daddr = InetAddr{};
    return 0;
  }
  if (addr.family != sk->family) return sk->family == AF_INET ? -EAFNOSUPPORT : -EINVAL;
  NetDevice* dev;
  InetAddr saddr;
  const int err = host->RouteOutput(addr, &dev, &saddr);
  if (err != 0) return err;
  const int bind_err = inet_autobind(sk);
  if (bind_err != 0) return bind_err;
  sk->daddr = addr;
  sk->connected = true;
  TraceCall(host, sk, "connect", "{} -> {} via {}", sk->saddr.ToString(), addr.ToString(), dev->name);
  return 0;
}

int sys_setsockopt(Host* host, int fd, int level, int optname, int val) {
  World::SyscallScope in_kernel(host->world());
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (level == SOL_UDP) return udp_lib_setsockopt(sk, optname, val);
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
      TraceCall(host, sk, "setsockopt", "SO_SNDBUF {} -> sk_sndbuf {}", val, sk->sk_sndbuf);
      return 0;
    }
    case SO_RCVBUF: {
      uint32_t v = static_cast<uint32_t>(val);
      v = std::min<uint32_t>(v, static_cast<uint32_t>(host->sysctl().rmem_max));
      v = std::min<uint32_t>(v, 0x7fffffff / 2);
      sk->sk_rcvbuf = std::max<int>(static_cast<int>(v) * 2, SOCK_MIN_RCVBUF);
      return 0;
    }
    default:
      return -ENOPROTOOPT;
  }
}

int sys_getsockopt(Host* host, int fd, int level, int optname, int* val) {
  World::SyscallScope in_kernel(host->world());
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (level == SOL_UDP) return udp_lib_getsockopt(sk, optname, val);
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

long sys_sendmsg(Host* host, int fd, const UserMsg& umsg, unsigned flags) {
  World::SyscallScope in_kernel(host->world());
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  MsgHdr msg;
  msg.has_name = umsg.has_name;
  msg.name = umsg.name;
  msg.namelen = umsg.has_name ? (umsg.namelen != 0 ? umsg.namelen : SockaddrLen(umsg.name.family)) : 0;
  msg.msg_iter = iov_iter_iovec(&host->mm(), umsg.iov);
  msg.msg_flags = flags;
  const size_t len = iov_iter_count(&msg.msg_iter);
  // inet_send_prepare(): autobind first.
  if (inet_autobind(sk) != 0) return -EAGAIN;
  TraceCall(host, sk, "sendmsg", "fd {} {} bytes in {} iovec(s), flags {:#x}", fd, len, umsg.iov.size(), flags);
  const long ret = sk->family == AF_INET6 ? udpv6_sendmsg(sk, &msg, len) : udp_sendmsg(sk, &msg, len);
  return ret;
}

long sys_recvmsg(Host* host, int fd, RecvMsg* out, size_t len, unsigned flags) {
  World::SyscallScope in_kernel(host->world());
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  *out = RecvMsg{};
  return udp_recvmsg(sk, out, len, flags);
}

int sys_close(Host* host, int fd) {
  World::SyscallScope in_kernel(host->world());
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  host->ReleaseFd(fd);
  TraceCall(host, sk, "close", "fd {}", fd);
  // udp_lib_close -> sk_common_release: flush, mark dead, purge queues.
  udp_flush_pending_frames(sk);
  sk->sock_dead = true;
  while (!sk->sk_receive_queue.empty()) {
    SkBuff* skb = sk->sk_receive_queue.front();
    sk->sk_receive_queue.pop_front();
    kfree_skb(skb, "close: receive queue");
  }
  while (!sk->sk_error_queue.empty()) {
    SkBuff* skb = sk->sk_error_queue.front();
    sk->sk_error_queue.pop_front();
    kfree_skb(skb, "close: error queue");
  }
  sk->bound = false;
  sock_put(sk);
  return 0;
}

}  // namespace zcsim::net
