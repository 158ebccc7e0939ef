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
  std::map<std::string, int> known;
  for (int program = 0; program < kPrograms; ++program) {
    const std::vector<uint8_t> bytes = Program(rng);
    const std::string error = RunTcpProgram(bytes.data(), bytes.size());
    if (const std::string bug = KnownTcpModelBug(error); !error.empty() && !bug.empty()) {
      ++known[bug];
      continue;
    }
    ASSERT_EQ(error, "") << "program " << program;
  }
  for (const auto& [bug, n] : known) std::printf("known model bug in %d program(s): %s\n", n, bug.c_str());
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

// Inputs the fuzzer found (minimised with -minimize_crash), each with the
// known model gap it shows (tcp_fuzz.h, KnownTcpModelBug): when net/tcp.cc
// or uring/ is fixed, the expectation becomes "" and the input stays as a
// regression case.
struct Regression {
  const char* what;
  std::vector<uint8_t> bytes;
  const char* known;  // KnownTcpModelBug() of the result, "" when fixed
};

std::vector<Regression> Regressions() {
  return {
      {"veth, receiver closed, one MSG_ZEROCOPY byte left unsent",
       {157, 94, 81, 248, 89, 100, 38, 239, 69, 93, 122, 122, 0, 75},
       "receiver close sends no RST"},
      {"veth ipv6, both ends closed, retransmit timer after the final ACK",
       {198, 31, 174, 0, 110, 141, 147, 173, 195, 68, 134, 236, 123, 123, 0, 181, 230, 181},
       "segment processed after sk_free"},
  };
}

TEST(TcpFuzzTest, RegressionInputs) {
  for (const Regression& r : Regressions()) {
    const std::string error = RunTcpProgram(r.bytes.data(), r.bytes.size());
    EXPECT_EQ(KnownTcpModelBug(error), r.known) << r.what << ": " << error;
    if (r.known[0] != '\0') {
      EXPECT_NE(error, "") << r.what;
    }
  }
}

// Seeded program 166 ends with a SEND_ZC request still polling behind
// MSG_MORE data that is never pushed, and io_ring_exit() cancels nothing.
TEST(TcpFuzzTest, SeededProgramWithPendingRequestAtExit) {
  sim::Rng rng(kSeed);
  std::vector<uint8_t> bytes;
  for (int program = 0; program <= 166; ++program) bytes = Program(rng);
  const std::string error = RunTcpProgram(bytes.data(), bytes.size());
  EXPECT_EQ(KnownTcpModelBug(error), "io_ring_exit cancels no pending request") << error;
}

TEST(TcpFuzzTest, EmptyInputIsFine) { EXPECT_EQ(RunTcpProgram(nullptr, 0), ""); }

// Hand-written inputs: each world shape with a little of everything.
TEST(TcpFuzzTest, EveryPathAndFamily) {
  for (uint8_t shape = 0; shape < 8; ++shape) {
    std::vector<uint8_t> bytes = {1, shape, 1, 0, 3, 3, 7, 7, 3, 0xff, 0xff, 0x10, 0x10, 40, 0x1f};
    const uint8_t program[] = {0, 0x10, 0x00, 200, 0x34, 0x12, 3,  1, 0x00, 0x20, 150, 0,  8, 100, 0,
                               6, 0xff, 0xff, 5,   1,    7,    12, 0, 0x00, 0x30, 50,  9, 10, 1,   2,
                               0, 0x00, 0x40, 210, 0xff, 0x7f, 8,  5, 0,    6,    0,   1, 13, 0,   1};
    bytes.insert(bytes.end(), std::begin(program), std::end(program));
    EXPECT_EQ(RunTcpProgram(bytes.data(), bytes.size()), "") << "shape " << int{shape};
  }
}

}  // namespace
}  // namespace zcsim::fuzz
