// libFuzzer entry point for the TCP zerocopy notifier lifecycle:
//   bazel build --config=fuzz //tests/fuzz:tcp_fuzzer
//   bazel-bin/tests/fuzz/tcp_fuzzer -max_total_time=300
#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/tcp_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string error = zcsim::fuzz::RunTcpProgram(data, size);
  if (!error.empty() && zcsim::fuzz::KnownTcpModelBug(error).empty()) {
    std::fprintf(stderr, "TCP zerocopy lifecycle broken: %s\n", error.c_str());
    std::abort();
  }
  return 0;
}
