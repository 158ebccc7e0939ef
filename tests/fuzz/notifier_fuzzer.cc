// libFuzzer entry point for the notifier lifecycle:
//   bazel build --config=fuzz //tests/fuzz:notifier_fuzzer
//   bazel-bin/tests/fuzz/notifier_fuzzer -runs=100000
#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/notifier_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string error = zcsim::fuzz::RunNotifierProgram(data, size);
  if (!error.empty()) {
    std::fprintf(stderr, "notifier lifecycle broken: %s\n", error.c_str());
    std::abort();
  }
  return 0;
}
