// User-visible constants: errnos, address families, socket and message
// flags, socket options, the zerocopy error-queue codes.
//
// These are the Linux ABI, and glibc's headers carry the kernel's values on
// Linux, so the model uses the very same names (-EINVAL, MSG_ZEROCOPY, ...)
// from the system headers. The static_asserts pin the values the model and
// its scenarios depend on, so a mismatch fails the build, not a run.
#ifndef ZCSIM_NET_UAPI_H_
#define ZCSIM_NET_UAPI_H_

#include <netinet/in.h>
#include <netinet/tcp.h>  // TCP_NODELAY
#include <netinet/udp.h>
#include <sys/socket.h>
#include <time.h>  // linux/errqueue.h needs struct timespec

#include <linux/errqueue.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace zcsim::net {

static_assert(EAGAIN == 11 && ENOBUFS == 105 && EMSGSIZE == 90 && EINVAL == 22, "Linux errnos");
static_assert(EFAULT == 14 && EOPNOTSUPP == 95 && EDESTADDRREQ == 89 && ENETUNREACH == 101);
static_assert(AF_INET == 2 && AF_INET6 == 10 && SOCK_DGRAM == 2 && SOCK_STREAM == 1);
static_assert(MSG_DONTWAIT == 0x40 && MSG_MORE == 0x8000 && MSG_ZEROCOPY == 0x4000000);
static_assert(MSG_ERRQUEUE == 0x2000 && MSG_TRUNC == 0x20 && MSG_OOB == 0x1);
static_assert(SOL_SOCKET == 1 && SO_ZEROCOPY == 60 && SO_SNDBUF == 7 && SO_RCVBUF == 8);
static_assert(SOL_UDP == 17 && UDP_CORK == 1 && IP_RECVERR == 11 && IPV6_RECVERR == 25);
static_assert(SO_EE_ORIGIN_ZEROCOPY == 5 && SO_EE_CODE_ZEROCOPY_COPIED == 1);

// SOL_IP / SOL_IPV6 (the cmsg levels of the error queue).
inline constexpr int kSolIp = 0;
inline constexpr int kSolIpv6 = 41;

// "EAGAIN", or "errno 123" for one without a name here.
std::string ErrnoName(int err);
// The inverse, for scenario files; 0 when unknown.
int ErrnoFromName(const std::string& name);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_UAPI_H_
