// A small world for net/ unit tests: one host with a dummy device, a mapped
// user buffer and a UDP socket, on a simulator in report mode so that tests
// can assert on the violations the checker records.
#ifndef ZCSIM_TESTS_NET_FIXTURE_H_
#define ZCSIM_TESTS_NET_FIXTURE_H_

#include <gtest/gtest.h>

#include "net/host.h"
#include "net/socket.h"
#include "net/world.h"
#include "sim/simulator.h"

namespace zcsim::net {

class NetFixture : public testing::Test {
 protected:
  NetFixture() : sim_(1, sim::CheckMode::kReport), world_(sim_) {
    host_ = world_.AddHost("a");
    dummy_ = host_->AddDummy("dummy0");
    InetPrefix p;
    p.addr = MakeInet4(10, 0, 0, 1, 0);
    p.len = 24;
    dummy_->addrs.push_back(p);
    dummy_->mtu = 9000;
    EXPECT_EQ(host_->mm().Map("buf", kBuf, 4 * PAGE_SIZE, [](uint64_t i) { return static_cast<uint8_t>(i); }), 0);
  }

  // A UDP socket connected to 10.0.0.2:9000 through the dummy device.
  int ConnectedSocket(bool zerocopy) {
    const int fd = sys_socket(host_, AF_INET, SOCK_DGRAM, 0);
    EXPECT_GE(fd, 0);
    if (zerocopy) {
      EXPECT_EQ(sys_setsockopt(host_, fd, SOL_SOCKET, SO_ZEROCOPY, 1), 0);
    }
    EXPECT_EQ(sys_connect(host_, fd, MakeInet4(10, 0, 0, 2, 9000)), 0);
    return fd;
  }

  long Send(int fd, uint64_t offset, uint64_t len, unsigned flags) {
    UserMsg msg;
    msg.iov = {{kBuf + offset, len}};
    return sys_sendmsg(host_, fd, msg, flags);
  }

  Page* UserPage(int index) {
    uint32_t off;
    return host_->mm().Translate(kBuf + uint64_t{PAGE_SIZE} * index, &off);
  }

  static constexpr uint64_t kBuf = 0x100000;
  sim::Simulator sim_;
  World world_;
  Host* host_ = nullptr;
  NetDevice* dummy_ = nullptr;
};

}  // namespace zcsim::net

#endif  // ZCSIM_TESTS_NET_FIXTURE_H_
