// The scenario language, version 1: parsers for the values inside words.
//
// Each parser takes a Word, not a string, so that its error points at the
// exact column of the bad part ("line 4, col 17: unknown flag 'MSG_ZEROCOPYY'")
// rather than at the start of the statement. Every parser returns a
// Parsed<T>: a value, or an error that says what was expected. None of them
// throws, asserts or reads out of bounds, whatever the word holds.
//
// Only patterns take quoted text; every other parser rejects a word holding
// a quoted string (at the opening quote), so that `"10us"` is never silently
// a duration and error columns are always exact.
#ifndef ZCSIM_TOOLS_SCENARIO_VALUES_H_
#define ZCSIM_TOOLS_SCENARIO_VALUES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim/time.h"
#include "tools/scenario/lexer.h"

namespace zcsim::scenario {

// A parsed value, or the first error found in the word. `value` is
// value-initialised when there is an error.
template <typename T>
struct [[nodiscard]] Parsed {
  T value{};
  std::optional<Error> error;

  bool ok() const { return !error.has_value(); }
};

// `text` for an error message: in single quotes (unless `quotes` is false),
// control bytes written as \xNN so that a message is always one readable
// line.
std::string QuoteForMessage(std::string_view text, bool quotes = true);

// The position of byte `offset` of w.text. Exact in the bare part of the
// word; inside its quoted part (where escapes make bytes and columns differ)
// it is the opening quote.
Pos PosAt(const Word& w, size_t offset);

// The part of `w` starting at byte `offset` of its text, at most `len` bytes
// long, with its own position and quoting: parsers hand pieces of a word to
// other parsers and errors still point at the right column.
Word SubWord(const Word& w, size_t offset, size_t len = std::string::npos);

// A duration: an integer or decimal number immediately followed by a unit,
// ns, us, ms or s: `250ns`, `10us`, `1.5ms`, `0s`. Exact (`1.0005ns` is an
// error), non-negative, at most INT64_MAX nanoseconds.
Parsed<sim::Time> ParseDuration(const Word& w);

// An unsigned number at most `max`: decimal (`42`) or hex (`0x2a`), with an
// optional binary suffix K, M or G (x1024, x1024^2, x1024^3): `64K`.
Parsed<uint64_t> ParseUint(const Word& w, uint64_t max);

// A signed number in [min, max]: as ParseUint, with an optional leading '-'
// (`-1`, `-0x10`, `-4K`).
Parsed<int64_t> ParseInt(const Word& w, int64_t min, int64_t max);

struct KeyValue {
  Word key;
  Word value;  // may be empty (`len=`); its parser then says what it expected
};

// `key=value`, split at the first '=' of the word's bare part: the key is
// never quoted and not empty, the value may be (`data="a=b"`).
Parsed<KeyValue> SplitKeyValue(const Word& w);

struct FlagName {
  const char* name;
  uint64_t bit;
};

// `A|B|C` gives the OR of the named bits; `0` gives 0. Names are matched
// exactly (case matters) against `table`.
Parsed<uint64_t> ParseFlags(const Word& w, std::span<const FlagName> table);

// An IP address in network byte order: AF_INET uses addr[0..3] (the rest
// is zero), AF_INET6 all 16 bytes.
struct SockAddr {
  int family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> addr{};
  uint16_t port = 0;
};

// `10.0.0.1:9000` or `[fd00::1]:9000`; the port is decimal, 0 to 65535.
Parsed<SockAddr> ParseSockAddr(const Word& w);

struct Prefix {
  int family = 0;                  // AF_INET or AF_INET6
  std::array<uint8_t, 16> addr{};  // as in SockAddr; host bits are kept
  int length = 0;                  // 0..32 or 0..128
};

// `10.0.0.1/24` or `fd00::1/64`; the length is decimal.
Parsed<Prefix> ParsePrefix(const Word& w);

// The contents of a payload: byte i of the stream is At(i).
class Pattern {
 public:
  enum class Kind { kByte, kText, kSeq };

  // All bytes zero.
  Pattern() = default;

  // Every byte is `b`.
  static Pattern Byte(uint8_t b);
  // `text` repeated. An empty text gives zero bytes (the parser refuses it).
  static Pattern Text(std::string text);
  // Byte i is (i + start) & 0xff.
  static Pattern Seq(uint64_t start = 0);

  Kind kind() const { return kind_; }
  uint8_t At(uint64_t i) const;
  // The source form, which ParsePattern reads back to an equal pattern:
  // `0xab`, `"text"` (escaped), `seq`, `seq+N`.
  std::string ToString() const;

  bool operator==(const Pattern& other) const = default;

 private:
  Kind kind_ = Kind::kByte;
  uint8_t byte_ = 0;
  std::string text_;
  uint64_t start_ = 0;
};

// `0xab` or a decimal 0..255 (a repeated byte), a fully quoted non-empty
// string (repeated text), `seq`, or `seq+N` (N as for ParseUint).
Parsed<Pattern> ParsePattern(const Word& w);

// A byte range of a named object: `NAME` (all of it), `NAME[OFF:]` (from
// OFF to its end) or `NAME[OFF:LEN]`; OFF and LEN as for ParseUint, and
// OFF + LEN must not overflow. A name is a letter or '_' followed by
// letters, digits, '_' or '-'.
struct Range {
  std::string name;
  uint64_t offset = 0;
  std::optional<uint64_t> length;  // none: to the end
};

Parsed<Range> ParseRange(const Word& w);

}  // namespace zcsim::scenario

#endif  // ZCSIM_TOOLS_SCENARIO_VALUES_H_
