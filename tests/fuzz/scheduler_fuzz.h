// A fuzz harness for the scheduler: the input bytes are a program of
// schedule / cancel / run operations, and a reference model checks that
// events run in (time, sequence) order, never before their time, exactly
// once, and never after being cancelled.
#ifndef ZCSIM_TESTS_FUZZ_SCHEDULER_FUZZ_H_
#define ZCSIM_TESTS_FUZZ_SCHEDULER_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace zcsim::fuzz {

// Returns "" when every property held, else a description of the first
// broken one.
std::string RunSchedulerProgram(const uint8_t* data, size_t size);

}  // namespace zcsim::fuzz

#endif  // ZCSIM_TESTS_FUZZ_SCHEDULER_FUZZ_H_
