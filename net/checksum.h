// The Internet checksum (RFC 1071) as the kernel computes it
// (include/net/checksum.h, lib/checksum.c): partial sums, folding, and the
// UDP pseudo-headers for IPv4 and IPv6. Byte strings are in network order.
#ifndef ZCSIM_NET_CHECKSUM_H_
#define ZCSIM_NET_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

#include "net/inet.h"

namespace zcsim::net {

// One's-complement sum of 16-bit big-endian words, added to `sum`.
uint32_t csum_partial(const uint8_t* data, size_t len, uint32_t sum);
// Folds to 16 bits and complements.
uint16_t csum_fold(uint32_t sum);
// The pseudo-header sum (unfolded) for UDP over IPv4 or IPv6.
uint32_t csum_pseudo(const InetAddr& saddr, const InetAddr& daddr, uint32_t len, int proto);
// csum_tcpudp_magic / csum_ipv6_magic: the final checksum of a segment
// whose own sum is `sum`.
uint16_t csum_magic(const InetAddr& saddr, const InetAddr& daddr, uint32_t len, int proto,
                    uint32_t sum);

inline void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint16_t get_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline void put_be32(uint8_t* p, uint32_t v) {
  put_be16(p, static_cast<uint16_t>(v >> 16));
  put_be16(p + 2, static_cast<uint16_t>(v));
}
inline uint32_t get_be32(const uint8_t* p) { return (uint32_t{get_be16(p)} << 16) | get_be16(p + 2); }

}  // namespace zcsim::net

#endif  // ZCSIM_NET_CHECKSUM_H_
