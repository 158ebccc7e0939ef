#include "net/checksum.h"

#include "net/uapi.h"

namespace zcsim::net {

uint32_t csum_partial(const uint8_t* data, size_t len, uint32_t sum) {
  uint64_t acc = sum;
  size_t i = 0;
  for (; i + 1 < len; i += 2) acc += (uint32_t{data[i]} << 8) | data[i + 1];
  if (i < len) acc += uint32_t{data[i]} << 8;
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint32_t csum_pseudo(const InetAddr& saddr, const InetAddr& daddr, uint32_t len, int proto) {
  uint32_t sum = csum_partial(saddr.addr.data(), saddr.addr_len(), 0);
  sum = csum_partial(daddr.addr.data(), daddr.addr_len(), sum);
  uint8_t tail[8];
  if (saddr.family == AF_INET6) {
    put_be32(tail, len);
    put_be32(tail + 4, static_cast<uint32_t>(proto));
    return csum_partial(tail, 8, sum);
  }
  put_be16(tail, static_cast<uint16_t>(proto));
  put_be16(tail + 2, static_cast<uint16_t>(len));
  return csum_partial(tail, 4, sum);
}

uint16_t csum_magic(const InetAddr& saddr, const InetAddr& daddr, uint32_t len, int proto,
                    uint32_t sum) {
  uint64_t acc = uint64_t{csum_pseudo(saddr, daddr, len, proto)} + sum;
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return csum_fold(static_cast<uint32_t>(acc));
}

}  // namespace zcsim::net
