#include "tools/scenario/lexer.h"

#include <utility>

#include <fmt/format.h>

#include "tools/scenario/values.h"

namespace zcsim::scenario {
namespace {

// Columns and line numbers are ints; refusing larger inputs keeps every one
// of them in range without checks scattered through the lexer.
constexpr size_t kMaxInputBytes = size_t{1} << 30;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Control bytes are almost always an accident (a binary file, a stray NUL);
// rejecting them keeps them out of words and error messages. Tab is a
// separator; bytes >= 0x80 pass, so UTF-8 text works.
bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ControlMessage(char c) {
  const auto u = static_cast<unsigned char>(c);
  return fmt::format(
      "unexpected control character 0x{:02x} (expected printable text; write \\x{:02x} "
      "inside a quoted string)",
      u, u);
}

// Splits one line (without its line end) into words.
class LineLexer {
 public:
  LineLexer(std::string_view line, int line_no) : line_(line), line_no_(line_no) {}

  // Appends the line's words to *words. False, with *error set, on error.
  bool Run(std::vector<Word>* words, Error* error) {
    for (;;) {
      while (i_ < line_.size() && IsBlank(line_[i_])) ++i_;
      if (i_ == line_.size() || line_[i_] == '#') return true;
      Word word;
      if (!LexWord(&word, error)) return false;
      words->push_back(std::move(word));
    }
  }

 private:
  Pos PosOf(size_t i) const { return Pos{line_no_, static_cast<int>(i) + 1}; }

  bool Fail(size_t i, std::string message, Error* error) const {
    *error = Error{PosOf(i), std::move(message)};
    return false;
  }

  // At a character that starts a word: reads up to a blank or the end of a
  // quoted string. A '#' inside a word is text (object ids: skb#3); only a
  // '#' that starts a word begins a comment, as in the shell.
  bool LexWord(Word* w, Error* error) {
    w->pos = PosOf(i_);
    while (i_ < line_.size() && !IsBlank(line_[i_])) {
      const char c = line_[i_];
      if (c == '"') {
        w->quoted = true;
        w->quote_offset = w->text.size();
        return LexString(&w->text, error) && ExpectWordEnd(error);
      }
      if (IsControl(c)) return Fail(i_, ControlMessage(c), error);
      w->text += c;
      ++i_;
    }
    return true;
  }

  // A string ends its word, so that `"a"b` is not silently `ab`.
  bool ExpectWordEnd(Error* error) const {
    if (i_ == line_.size() || IsBlank(line_[i_]) || line_[i_] == '#') return true;
    return Fail(i_,
                fmt::format("unexpected {} after the closing quote (expected a space, a tab, "
                            "a comment or the end of the line)",
                            QuoteForMessage(line_.substr(i_, 1))),
                error);
  }

  // At the opening quote: decodes the string into *out and moves past the
  // closing quote.
  bool LexString(std::string* out, Error* error) {
    const size_t open = i_++;
    while (i_ < line_.size()) {
      const char c = line_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\') {
        if (!LexEscape(open, out, error)) return false;
        continue;
      }
      if (IsControl(c)) return Fail(i_, ControlMessage(c), error);
      *out += c;
      ++i_;
    }
    return Unterminated(open, error);
  }

  bool Unterminated(size_t open, Error* error) const {
    return Fail(open, "unterminated string (expected a closing '\"' before the end of the line)",
                error);
  }

  // At a backslash inside the string opened at `open`.
  bool LexEscape(size_t open, std::string* out, Error* error) {
    const size_t backslash = i_;
    if (backslash + 1 >= line_.size()) return Unterminated(open, error);
    const char e = line_[backslash + 1];
    i_ = backslash + 2;
    switch (e) {
      case '"':
      case '\\':
        *out += e;
        return true;
      case 'n':
        *out += '\n';
        return true;
      case 't':
        *out += '\t';
        return true;
      case 'x':
        return LexHexEscape(open, out, error);
      default:
        return Fail(backslash,
                    fmt::format("unknown escape '\\{}' (expected \\\", \\\\, \\n, \\t or \\xNN)",
                                QuoteForMessage(line_.substr(backslash + 1, 1), /*quotes=*/false)),
                    error);
    }
  }

  // Just past "\x": exactly two hex digits.
  bool LexHexEscape(size_t open, std::string* out, Error* error) {
    int value = 0;
    for (int k = 0; k < 2; ++k, ++i_) {
      if (i_ >= line_.size()) return Unterminated(open, error);
      const int digit = HexValue(line_[i_]);
      if (digit < 0) {
        return Fail(i_,
                    fmt::format("expected two hex digits after '\\x', found {}",
                                QuoteForMessage(line_.substr(i_, 1))),
                    error);
      }
      value = value * 16 + digit;
    }
    *out += static_cast<char>(value);
    return true;
  }

  std::string_view line_;
  int line_no_;
  size_t i_ = 0;
};

// Moves a leading `@<duration>` or `+<duration>` word into the line's time.
bool TakeTimePrefix(Line* line, Error* error) {
  const Word& first = line->words.front();
  // A quoted word is never a prefix: `"+1"` is text.
  if (first.fully_quoted() || first.text.empty()) return true;
  const char sign = first.text[0];
  if (sign != '@' && sign != '+') return true;
  if (first.text.size() == 1) {
    *error = Error{
        PosAt(first, 1),
        fmt::format("expected a duration after '{}', such as {}10us or {}1.5ms", sign, sign, sign)};
    return false;
  }
  const Parsed<sim::Time> time = ParseDuration(SubWord(first, 1));
  if (!time.ok()) {
    *error = *time.error;
    return false;
  }
  line->time_kind = sign == '@' ? TimeKind::kAbsolute : TimeKind::kRelative;
  line->time = time.value;
  line->time_pos = first.pos;
  const std::string prefix = first.text;
  line->words.erase(line->words.begin());
  if (line->words.empty()) {
    *error = Error{line->time_pos,
                   fmt::format("expected a statement after the time prefix '{}'", prefix)};
    return false;
  }
  return true;
}

}  // namespace

std::string FormatError(std::string_view file, const Error& e) {
  return fmt::format("{}:{}:{}: {}", file, e.pos.line, e.pos.col, e.message);
}

LexResult Lex(std::string_view text) {
  LexResult result;
  if (text.size() > kMaxInputBytes) {
    result.error = Error{
        Pos{1, 1}, fmt::format("input is too large (expected at most {} bytes)", kMaxInputBytes)};
    return result;
  }
  int line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view source = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!source.empty() && source.back() == '\r') source.remove_suffix(1);  // CRLF files

    Line line;
    Error error;
    if (!LineLexer(source, line_no).Run(&line.words, &error) ||
        (!line.words.empty() && !TakeTimePrefix(&line, &error))) {
      result.lines.clear();
      result.error = std::move(error);
      return result;
    }
    if (line.words.empty()) continue;  // blank or comment only
    // The statement starts at its first word, or at its time prefix.
    line.pos = line.time_kind == TimeKind::kNone ? line.words.front().pos : line.time_pos;
    result.lines.push_back(std::move(line));
  }
  return result;
}

}  // namespace zcsim::scenario
