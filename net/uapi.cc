#include "net/uapi.h"

#include <fmt/format.h>

namespace zcsim::net {
namespace {

struct ErrnoEntry {
  int value;
  const char* name;
};

constexpr ErrnoEntry kErrnos[] = {
    {EPERM, "EPERM"},
    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
    {ENOENT, "ENOENT"},
    {EINTR, "EINTR"},
    {ENXIO, "ENXIO"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {ENODEV, "ENODEV"},
    {EINVAL, "EINVAL"},
    {EMFILE, "EMFILE"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {EOVERFLOW, "EOVERFLOW"},
    {ENOTSOCK, "ENOTSOCK"},
    {EDESTADDRREQ, "EDESTADDRREQ"},
    {EMSGSIZE, "EMSGSIZE"},
    {EPROTOTYPE, "EPROTOTYPE"},
    {ENOPROTOOPT, "ENOPROTOOPT"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETUNREACH, "ENETUNREACH"},
    {ENOBUFS, "ENOBUFS"},
    {EISCONN, "EISCONN"},
    {EINPROGRESS, "EINPROGRESS"},
    {EALREADY, "EALREADY"},
    {ECONNRESET, "ECONNRESET"},
    {ECONNREFUSED, "ECONNREFUSED"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ENOTCONN, "ENOTCONN"},
    {EHOSTUNREACH, "EHOSTUNREACH"},
    {ECANCELED, "ECANCELED"},
    {ETIME, "ETIME"},
    {EIO, "EIO"},
    {ENOSYS, "ENOSYS"},
};

}  // namespace

std::string ErrnoName(int err) {
  for (const ErrnoEntry& e : kErrnos) {
    if (e.value == err) return e.name;
  }
  return fmt::format("errno {}", err);
}

int ErrnoFromName(const std::string& name) {
  for (const ErrnoEntry& e : kErrnos) {
    if (name == e.name) return e.value;
  }
  return 0;
}

}  // namespace zcsim::net
