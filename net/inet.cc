#include "net/inet.h"

#include <arpa/inet.h>

#include <fmt/format.h>

#include "net/uapi.h"

namespace zcsim::net {

bool InetAddr::is_any() const {
  for (size_t i = 0; i < addr_len(); ++i) {
    if (addr[i] != 0) return false;
  }
  return true;
}

bool InetAddr::is_loopback() const {
  if (family == AF_INET) return addr[0] == 127;
  if (family != AF_INET6) return false;
  for (int i = 0; i < 15; ++i) {
    if (addr[i] != 0) return false;
  }
  return addr[15] == 1;
}

std::string InetAddr::ToString(bool with_port) const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (family == AF_INET) {
    inet_ntop(AF_INET, addr.data(), buf, sizeof(buf));
    return with_port ? fmt::format("{}:{}", buf, port) : std::string(buf);
  }
  if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
    return with_port ? fmt::format("[{}]:{}", buf, port) : std::string(buf);
  }
  return "unspec";
}

bool InetPrefix::Contains(const InetAddr& a) const {
  if (a.family != addr.family) return false;
  int bits = len;
  for (size_t i = 0; i < a.addr_len() && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.addr[i] & mask) != (addr.addr[i] & mask)) return false;
  }
  return true;
}

InetAddr MakeInet4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  InetAddr x;
  x.family = AF_INET;
  x.addr[0] = a;
  x.addr[1] = b;
  x.addr[2] = c;
  x.addr[3] = d;
  x.port = port;
  return x;
}

InetAddr Ipv4Loopback() { return MakeInet4(127, 0, 0, 1, 0); }

InetAddr Ipv6Loopback() {
  InetAddr x;
  x.family = AF_INET6;
  x.addr[15] = 1;
  return x;
}

}  // namespace zcsim::net
