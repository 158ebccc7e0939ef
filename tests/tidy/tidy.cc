#include "tests/tidy/tidy.h"

#include <regex>
#include <sstream>

namespace zcsim::tidy {
namespace {

struct Rule {
  const char* name;
  std::regex pattern;
};

const std::vector<Rule>& DeterminismRules() {
  static const std::vector<Rule>* rules = new std::vector<Rule>{
      {"wall-clock", std::regex(R"(\b(system_clock|steady_clock|high_resolution_clock|)"
                                R"(gettimeofday|clock_gettime|absl::Now|std::time)\b)")},
      {"wall-clock", std::regex(R"((^|[^\w.>:])time\s*\()")},
      {"rand", std::regex(R"(\b(s?rand|random|drand48|lrand48)\s*\()")},
      {"rand", std::regex(R"(\b(random_device|mt19937|mt19937_64|default_random_engine|)"
                          R"(uniform_int_distribution|uniform_real_distribution|absl::BitGen)\b)")},
      {"threads", std::regex(R"(\b(std::thread|std::jthread|std::async|pthread_create|)"
                             R"(std::mutex|absl::Mutex)\b)")},
      {"pointer-printing", std::regex(R"(fmt::ptr\s*\(|\{:p\}|%p)")},
  };
  return *rules;
}

// Which top-level directories a file in `layer` must not include.
std::vector<std::string> ForbiddenIncludes(std::string_view file) {
  if (file.rfind("sim/", 0) == 0) return {"net/", "uring/", "tools/", "tests/"};
  if (file.rfind("net/", 0) == 0) return {"uring/", "tools/", "tests/"};
  if (file.rfind("uring/", 0) == 0) return {"tools/", "tests/"};
  return {};
}

template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    const std::string_view line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    fn(++line_no, line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

}  // namespace

std::string StripCommentsAndLiterals(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  enum { kCode, kLine, kBlock, kString, kChar } state = kCode;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    switch (state) {
      case kCode:
        if (c == '/' && next == '/') {
          state = kLine;
          ++i;
        } else if (c == '/' && next == '*') {
          state = kBlock;
          ++i;
        } else if (c == '"') {
          state = kString;
          out += c;
        } else if (c == '\'') {
          state = kChar;
          out += c;
        } else {
          out += c;
        }
        break;
      case kLine:
        if (c == '\n') {
          state = kCode;
          out += c;
        }
        break;
      case kBlock:
        if (c == '*' && next == '/') {
          state = kCode;
          ++i;
        } else if (c == '\n') {
          out += c;
        }
        break;
      case kString:
      case kChar:
        if (c == '\\') {
          ++i;
        } else if ((state == kString && c == '"') || (state == kChar && c == '\'')) {
          out += c;
          state = kCode;
        } else if (c == '\n') {
          out += c;
        }
        break;
    }
  }
  return out;
}

std::vector<Finding> CheckDeterminism(std::string_view file, std::string_view source) {
  std::vector<Finding> findings;
  const std::string code = StripCommentsAndLiterals(source);
  // Pointer formats live inside string literals, so that rule reads the raw line.
  ForEachLine(code, [&](int line_no, std::string_view line) {
    const std::string l(line);
    for (const Rule& rule : DeterminismRules()) {
      if (std::string_view(rule.name) == "pointer-printing") continue;
      if (std::regex_search(l, rule.pattern)) findings.push_back({std::string(file), line_no, rule.name, l});
    }
  });
  ForEachLine(source, [&](int line_no, std::string_view line) {
    const std::string l(line);
    const std::string trimmed = l.substr(l.find_first_not_of(" \t") == std::string::npos ? 0 : l.find_first_not_of(" \t"));
    if (trimmed.rfind("//", 0) == 0) return;
    for (const Rule& rule : DeterminismRules()) {
      if (std::string_view(rule.name) != "pointer-printing") continue;
      if (std::regex_search(l, rule.pattern)) findings.push_back({std::string(file), line_no, rule.name, l});
    }
  });
  return findings;
}

std::vector<Finding> CheckLayering(std::string_view file, std::string_view source) {
  std::vector<Finding> findings;
  const std::vector<std::string> forbidden = ForbiddenIncludes(file);
  static const std::regex include(R"(^\s*#\s*include\s*["<]([^">]+)[">])");
  ForEachLine(source, [&](int line_no, std::string_view line) {
    const std::string l(line);
    std::smatch m;
    if (!std::regex_search(l, m, include)) return;
    const std::string path = m[1];
    for (const std::string& prefix : forbidden) {
      if (path.rfind(prefix, 0) == 0) {
        findings.push_back({std::string(file), line_no, "upward-include", l});
      }
    }
  });
  return findings;
}

}  // namespace zcsim::tidy
