// libFuzzer entry point: bazel build --config=fuzz //tests/fuzz:scheduler_fuzzer
//   bazel-bin/tests/fuzz/scheduler_fuzzer -runs=100000
#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/scheduler_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string error = zcsim::fuzz::RunSchedulerProgram(data, size);
  if (!error.empty()) {
    std::fprintf(stderr, "scheduler property broken: %s\n", error.c_str());
    std::abort();
  }
  return 0;
}
