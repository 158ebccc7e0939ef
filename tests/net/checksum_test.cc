#include "net/checksum.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/uapi.h"

namespace zcsim::net {
namespace {

// The classic IPv4 header example (RFC 1071 style), checksum 0xb861.
TEST(ChecksumTest, Ipv4HeaderMatchesTheKnownValue) {
  const std::vector<uint8_t> hdr = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                    0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(csum_fold(csum_partial(hdr.data(), hdr.size(), 0)), 0xb861);
}

// UDP over IPv4 with its pseudo-header; value computed independently.
TEST(ChecksumTest, UdpPseudoHeaderChecksum) {
  const std::string payload = "hello, zerocopy!";
  std::vector<uint8_t> udp(8);
  put_be16(&udp[0], 1234);
  put_be16(&udp[2], 9000);
  put_be16(&udp[4], static_cast<uint16_t>(8 + payload.size()));
  udp.insert(udp.end(), payload.begin(), payload.end());
  const InetAddr src = MakeInet4(10, 0, 0, 1, 0), dst = MakeInet4(10, 0, 0, 2, 0);
  const uint16_t check = csum_magic(src, dst, static_cast<uint32_t>(udp.size()), IPPROTO_UDP,
                                    csum_partial(udp.data(), udp.size(), 0));
  EXPECT_EQ(check, 0xa1e1);
  put_be16(&udp[6], check);
  EXPECT_EQ(csum_magic(src, dst, static_cast<uint32_t>(udp.size()), IPPROTO_UDP, csum_partial(udp.data(), udp.size(), 0)), 0)
      << "a segment with its checksum in place sums to zero";
}

TEST(ChecksumTest, OddLengthPadsWithZero) {
  const uint8_t odd[] = {0x01};
  EXPECT_EQ(csum_partial(odd, 1, 0), 0x0100u);
}

}  // namespace
}  // namespace zcsim::net
