// The tidy rules: what would break determinism or the layering in model code.
// Each finding names the file, the line and the rule.
#ifndef ZCSIM_TESTS_TIDY_TIDY_H_
#define ZCSIM_TESTS_TIDY_TIDY_H_

#include <string>
#include <string_view>
#include <vector>

namespace zcsim::tidy {

struct Finding {
  std::string file;
  int line;
  std::string rule;
  std::string text;
};

// Removes comments and the contents of string and character literals, keeping
// line breaks, so that rules match code only.
std::string StripCommentsAndLiterals(std::string_view source);

// Determinism rules: wall-clock reads, rand()/time(), threads, pointer
// printing, unordered iteration sources.
std::vector<Finding> CheckDeterminism(std::string_view file, std::string_view source);

// Layering: sim/ includes nothing of net/, uring/, tools/; net/ nothing of
// uring/ or tools/; uring/ nothing of tools/. Applied to the raw source (an
// include's path is a string literal).
std::vector<Finding> CheckLayering(std::string_view file, std::string_view source);

}  // namespace zcsim::tidy

#endif  // ZCSIM_TESTS_TIDY_TIDY_H_
