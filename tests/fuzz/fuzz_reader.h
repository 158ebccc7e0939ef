// The fuzz harnesses' view of their input: bytes read in order, zeros once
// they run out, so any input (even an empty one) is a complete program.
#ifndef ZCSIM_TESTS_FUZZ_FUZZ_READER_H_
#define ZCSIM_TESTS_FUZZ_FUZZ_READER_H_

#include <cstddef>
#include <cstdint>

namespace zcsim::fuzz {

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool done() const { return i_ >= n_; }
  uint8_t Byte() { return i_ < n_ ? d_[i_++] : 0; }
  uint32_t U16() { return static_cast<uint32_t>(Byte()) | (static_cast<uint32_t>(Byte()) << 8); }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

}  // namespace zcsim::fuzz

#endif  // ZCSIM_TESTS_FUZZ_FUZZ_READER_H_
