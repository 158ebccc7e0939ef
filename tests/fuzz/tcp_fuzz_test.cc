// Runs the TCP zerocopy fuzz harness in the normal suite: 300 programs from
// a fixed SplitMix seed (a failing one is printed so that it can be
// replayed) and the regression inputs the libFuzzer binary found.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/rng.h"
#include "tests/fuzz/tcp_fuzz.h"

namespace zcsim::fuzz {
namespace {

constexpr uint64_t kSeed = 20261129;
constexpr int kPrograms = 300;

std::vector<uint8_t> Program(sim::Rng& rng) {
  std::vector<uint8_t> bytes(rng.Below(700));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
  return bytes;
}

TEST(TcpFuzzTest, RandomProgramsKeepEveryRule) {
  sim::Rng rng(kSeed);
  std::map<std::string, std::pair<int, int>> known;  // bug -> programs, first program
  TcpRunStats total;
  for (int program = 0; program < kPrograms; ++program) {
    const std::vector<uint8_t> bytes = Program(rng);
    TcpRunStats stats;
    const std::string error = RunTcpProgram(bytes.data(), bytes.size(), &stats);
    total.bytes_received += stats.bytes_received;
    total.zerocopy_ids += stats.zerocopy_ids;
    total.requests += stats.requests;
    if (const std::string bug = KnownTcpModelBug(error); !error.empty() && !bug.empty()) {
      auto [it, added] = known.try_emplace(bug, 0, program);
      ++it->second.first;
      continue;
    }
    ASSERT_EQ(error, "") << "program " << program;
  }
  std::printf("%d programs: %llu bytes received, %u MSG_ZEROCOPY ids, %u SEND_ZC requests\n", kPrograms,
              static_cast<unsigned long long>(total.bytes_received), total.zerocopy_ids, total.requests);
  EXPECT_GT(total.bytes_received, 1000000u);
  EXPECT_GT(total.zerocopy_ids, 1000u);
  EXPECT_GT(total.requests, 1000u);
  for (const auto& [bug, seen] : known) {
    std::printf("known model bug in %d program(s), first program %d: %s\n", seen.first, seen.second, bug.c_str());
  }
}

// ZCSIM_FUZZ_PROGRAM=N runs only program N (with ZCSIM_FUZZ_TRACE=1: traced;
// with ZCSIM_FUZZ_DUMP=FILE: its bytes written there, for the fuzzer's
// -minimize_crash).
TEST(TcpFuzzTest, OneProgram) {
  const char* which = std::getenv("ZCSIM_FUZZ_PROGRAM");
  if (which == nullptr) return;
  sim::Rng rng(kSeed);
  std::vector<uint8_t> bytes;
  for (int program = 0; program <= std::atoi(which); ++program) bytes = Program(rng);
  if (const char* dump = std::getenv("ZCSIM_FUZZ_DUMP")) {
    if (std::FILE* f = std::fopen(dump, "wb")) {
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
  }
  EXPECT_EQ(RunTcpProgram(bytes.data(), bytes.size()), "");
}

// Seeded programs that show a known model gap (tcp_fuzz.h,
// KnownTcpModelBug): when net/tcp.cc or uring/ is fixed, the expectation
// becomes "" and the program stays as a regression case. Inputs the fuzzer
// finds join this list the same way (as bytes, see README.md here).
struct Regression {
  int program;        // index in the seeded sequence
  const char* known;  // KnownTcpModelBug() of the result, "" when fixed
};

std::vector<uint8_t> SeededProgram(int index) {
  sim::Rng rng(kSeed);
  std::vector<uint8_t> bytes;
  for (int program = 0; program <= index; ++program) bytes = Program(rng);
  return bytes;
}

TEST(TcpFuzzTest, RegressionPrograms) {
  const Regression regressions[] = {
      // Found by the fuzzer, fixed since: close() with unread data resets
      // (tcp_close_unread) and data after close() is answered with a reset;
      // MSG_MORE pushes all but a short tail (so the SEND_ZC behind it gets
      // its POLLOUT). Each must now run clean.
      {20, ""},
      {132, ""},
      {166, ""},
      // Still open: the receiver closes while the sender has a ring exiting.
      {39, "receiver close leaves notifiers"},
  };
  for (const Regression& r : regressions) {
    const std::vector<uint8_t> bytes = SeededProgram(r.program);
    const std::string error = RunTcpProgram(bytes.data(), bytes.size());
    EXPECT_EQ(KnownTcpModelBug(error), r.known) << "program " << r.program << ": " << error;
    if (r.known[0] != '\0') {
      EXPECT_NE(error, "") << "program " << r.program;
    }
  }
}

TEST(TcpFuzzTest, EmptyInputIsFine) { EXPECT_EQ(RunTcpProgram(nullptr, 0), ""); }

// Hand-written inputs: each world shape with a little of everything.
TEST(TcpFuzzTest, EveryPathAndFamily) {
  for (uint8_t shape = 0; shape < 8; ++shape) {
    // Era 6.10, the shape, TSO, MTU 1500, NIC timings, two clean wires,
    // RLIMIT_MEMLOCK, then SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, COOP_TASKRUN
    // and a registered buffer.
    std::vector<uint8_t> bytes = {1, shape, 0, 0, 3, 3, 7, 7, 3, 0x10, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 40, 0x1f, 100, 100};
    // A linked pair of SEND_ZC requests (the second with MSG_MORE), a reap,
    // then sends of all kinds, reads, time, NODELAY, a rate reader.
    const uint8_t program[] = {3, 1, 0x00, 0x10, 50, 0, 0x00, 0x20, 60, 1, 5, 0, 0, 0x10, 0x00, 200, 0x34, 0x12, 3,  1, 0x00, 0x20, 150, 0,  8, 100, 0,
                               6, 0xff, 0xff, 5,   1,    7,    12, 0, 0x00, 0x30, 50,  9, 10, 1,   2,
                               0, 0x00, 0x40, 210, 0xff, 0x7f, 8,  5, 0,    6,    0,   1, 13, 0,   1};
    bytes.insert(bytes.end(), std::begin(program), std::end(program));
    TcpRunStats stats;
    EXPECT_EQ(RunTcpProgram(bytes.data(), bytes.size(), &stats), "") << "shape " << int{shape};
    // The harness really ran the program: a connection, bytes across it,
    // MSG_ZEROCOPY ids and SEND_ZC requests.
    EXPECT_TRUE(stats.connected) << "shape " << int{shape};
    EXPECT_GT(stats.bytes_received, 100u) << "shape " << int{shape};
    EXPECT_EQ(stats.bytes_received, stats.bytes_sent) << "shape " << int{shape};
    EXPECT_GT(stats.zerocopy_ids, 0u) << "shape " << int{shape};
    EXPECT_GT(stats.requests, 0u) << "shape " << int{shape};
  }
}

}  // namespace
}  // namespace zcsim::fuzz
