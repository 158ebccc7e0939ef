#include "sim/assert.h"

#include <cstdio>
#include <cstdlib>

namespace zcsim::sim::internal {

void AssertFail(const char* cond, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "%s:%d: zcsim assertion failed: %s (%s)\n", file, line, cond, msg);
  std::fflush(stderr);
  std::abort();
}

}  // namespace zcsim::sim::internal
