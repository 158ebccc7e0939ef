// Socket addresses (struct sockaddr_in / sockaddr_in6 reduced to what the
// model needs) and address prefixes.
#ifndef ZCSIM_NET_INET_H_
#define ZCSIM_NET_INET_H_

#include <array>
#include <cstdint>
#include <string>

namespace zcsim::net {

struct InetAddr {
  int family = 0;  // AF_INET or AF_INET6; 0 = unset
  std::array<uint8_t, 16> addr{};  // IPv4 uses the first 4 bytes
  uint16_t port = 0;

  bool is_any() const;
  bool is_loopback() const;
  bool SameHost(const InetAddr& o) const { return family == o.family && addr == o.addr; }
  bool operator==(const InetAddr& o) const { return SameHost(o) && port == o.port; }
  // "10.0.0.1:9000", "[fd00::1]:9000"; without the port when it is 0 and
  // `with_port` is false.
  std::string ToString(bool with_port = true) const;
  size_t addr_len() const { return family == 2 ? 4 : 16; }
};

struct InetPrefix {
  InetAddr addr;
  int len = 0;
  bool Contains(const InetAddr& a) const;
};

InetAddr MakeInet4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
InetAddr Ipv6Loopback();
InetAddr Ipv4Loopback();

}  // namespace zcsim::net

#endif  // ZCSIM_NET_INET_H_
