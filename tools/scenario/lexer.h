// The scenario language, version 1: the lexer.
//
// A scenario is plain text, one statement per line (the runner defines the
// statements; tests/scenarios/README.md documents them):
//
//   # a comment: from a '#' that starts a word to the end of the line
//   @0s     socket a tx udp6
//   +10us   send tx buf[0:4000] flags=MSG_ZEROCOPY -> 4000   # relative time
//   @1.5ms  expect ubuf#1 refcnt=2       # a '#' inside a word is text
//
// A line may start with a time prefix, `@<duration>` (absolute virtual time)
// or `+<duration>` (relative to the previous statement's time); the lexer
// only records which one it saw, the runner resolves relative times. Words
// are separated by spaces and tabs. A double-quoted string is part of one
// word and may follow a bare prefix (`data="a b"`, handy for key=value); it
// ends the word. Escapes inside quotes: \" \\ \n \t \xNN.
//
// The lexer stops at the first error and reports its exact position, so a
// scenario author sees "file:line:col: message" like from a compiler. It
// never crashes on bad input: every byte sequence gives lines or an error.
#ifndef ZCSIM_TOOLS_SCENARIO_LEXER_H_
#define ZCSIM_TOOLS_SCENARIO_LEXER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace zcsim::scenario {

// A position in the source: 1-based line and column; the column counts
// bytes (a tab is one column), which is what editors' "go to column" use
// for ASCII and what stays exact for any input.
struct Pos {
  int line = 0;
  int col = 0;
};

inline bool operator==(const Pos& a, const Pos& b) { return a.line == b.line && a.col == b.col; }

// One word of a statement, escapes already decoded.
struct Word {
  std::string text;
  Pos pos;  // of its first character (the opening quote if it starts with one)
  // The word contains a double-quoted string. The quoted part is
  // text[quote_offset..end]: a string always ends its word, and what comes
  // before it (`key=` in `key="v"`) was bare. Value parsers use this to
  // accept quoted text only where text belongs (patterns), and to keep
  // error columns exact: they are exact in the bare part only.
  bool quoted = false;
  size_t quote_offset = 0;

  // The whole word is one quoted string: `"abc"`, not `x="abc"`.
  bool fully_quoted() const { return quoted && quote_offset == 0; }
};

enum class TimeKind { kNone, kAbsolute, kRelative };

struct Line {
  Pos pos;  // first non-blank character of the statement
  TimeKind time_kind = TimeKind::kNone;
  sim::Time time = 0;       // the duration as written (absolute or relative)
  Pos time_pos;             // of the '@' or '+' (when time_kind != kNone)
  std::vector<Word> words;  // after the time prefix; never empty
};

struct Error {
  Pos pos;
  std::string message;
};

// "file:line:col: message", the format editors and CI logs recognise.
std::string FormatError(std::string_view file, const Error& e);

struct LexResult {
  std::vector<Line> lines;     // empty when there is an error
  std::optional<Error> error;  // the first error, if any
};

// Lexes a whole file. Blank and comment-only lines give no Line. Accepts
// '\n' and "\r\n" line ends.
LexResult Lex(std::string_view text);

}  // namespace zcsim::scenario

#endif  // ZCSIM_TOOLS_SCENARIO_LEXER_H_
