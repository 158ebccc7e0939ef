#include "tools/scenario/values.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <utility>

#include <fmt/format.h>

namespace zcsim::scenario {
namespace {

constexpr std::string_view kDurationHint = "a duration such as 10us, 1.5ms or 0s";
constexpr std::string_view kNumberHint = "a number such as 42, 0x2a or 64K";
constexpr std::string_view kFlagsHint = "flag names joined by '|' (such as A|B), or 0";
constexpr std::string_view kSockAddrHint =
    "an address and port such as 10.0.0.1:9000 or [fd00::1]:9000";
constexpr std::string_view kPrefixHint =
    "an address and prefix length such as 10.0.0.0/24 or fd00::/64";
constexpr std::string_view kPatternHint = "a pattern (0xab, \"text\", seq or seq+N)";
constexpr std::string_view kRangeHint = "a range such as buf, buf[4K:] or buf[0:64]";

template <typename T>
Parsed<T> Fail(Pos pos, std::string message) {
  Parsed<T> p;
  p.error = Error{pos, std::move(message)};
  return p;
}

template <typename T>
Parsed<T> Ok(T value) {
  Parsed<T> p;
  p.value = std::move(value);
  return p;
}

// Carries another parser's error over to a result of a different type.
template <typename T, typename U>
Parsed<T> Forward(const Parsed<U>& failed) {
  Parsed<T> p;
  p.error = failed.error;
  return p;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int DigitValue(char c, int base) {
  if (IsDigit(c)) return c - '0';
  if (base == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (base == 16 && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Found(std::string_view text) {
  return text.empty() ? "found nothing" : "found " + QuoteForMessage(text);
}

// The parsers of bare values refuse quoted text: see values.h.
template <typename T>
std::optional<Parsed<T>> RejectQuoted(const Word& w, std::string_view expected) {
  if (!w.quoted) return std::nullopt;
  return Fail<T>(PosAt(w, w.quote_offset),
                 fmt::format("expected {}, found a quoted string", expected));
}

// An unsigned number as written, before range checks. `overflow` means it
// does not fit 64 bits; `value` is then meaningless.
struct Magnitude {
  uint64_t value = 0;
  bool overflow = false;
};

// The K, M, G suffix of a number, or 0.
uint64_t SuffixMultiplier(char c) {
  switch (c) {
    case 'K':
      return uint64_t{1} << 10;
    case 'M':
      return uint64_t{1} << 20;
    case 'G':
      return uint64_t{1} << 30;
    default:
      return 0;
  }
}

// Reads digits in `base` from t[*i] on, accumulating into *m; stops at the
// first other character.
void ScanDigits(const std::string& t, int base, size_t* i, Magnitude* m) {
  for (; *i < t.size(); ++*i) {
    const int digit = DigitValue(t[*i], base);
    if (digit < 0) return;
    m->overflow |= __builtin_mul_overflow(m->value, static_cast<uint64_t>(base), &m->value);
    m->overflow |= __builtin_add_overflow(m->value, static_cast<uint64_t>(digit), &m->value);
  }
}

// The syntax shared by every number: the whole of w.text is decimal digits
// or 0x and hex digits, then optionally one of K, M, G. No sign.
Parsed<Magnitude> ScanMagnitude(const Word& w, std::string_view expected) {
  const std::string& t = w.text;
  if (t.empty() || !IsDigit(t[0])) {
    return Fail<Magnitude>(w.pos, fmt::format("expected {}, {}", expected, Found(t)));
  }
  size_t i = 0;
  int base = 10;
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    base = 16;
    i = 2;
    if (i == t.size() || DigitValue(t[i], 16) < 0) {
      return Fail<Magnitude>(PosAt(w, i), fmt::format("expected a hex digit after '{}', {}",
                                                      t.substr(0, 2), Found(t.substr(i))));
    }
  }
  Magnitude m;
  ScanDigits(t, base, &i, &m);
  if (i == t.size()) return Ok(m);
  const uint64_t multiplier = SuffixMultiplier(t[i]);
  if (multiplier == 0) {
    return Fail<Magnitude>(
        PosAt(w, i), fmt::format("unexpected {} in number (expected {} digits, then optionally K, "
                                 "M or G)",
                                 QuoteForMessage(t.substr(i, 1)), base == 16 ? "hex" : "decimal"));
  }
  if (i + 1 < t.size()) {
    return Fail<Magnitude>(PosAt(w, i + 1),
                           fmt::format("unexpected {} after '{}' (expected the end of the number)",
                                       QuoteForMessage(t.substr(i + 1, 1)), t[i]));
  }
  m.overflow |= __builtin_mul_overflow(m.value, multiplier, &m.value);
  return Ok(m);
}

// ParseUint with the noun of what is expected ("an offset such as ...").
Parsed<uint64_t> ParseUnsigned(const Word& w, uint64_t max, std::string_view expected) {
  if (auto quoted = RejectQuoted<uint64_t>(w, expected)) return *quoted;
  if (!w.text.empty() && w.text[0] == '-') {
    return Fail<uint64_t>(
        w.pos, fmt::format("expected a non-negative number (0 to {}), {}", max, Found(w.text)));
  }
  const Parsed<Magnitude> m = ScanMagnitude(w, expected);
  if (!m.ok()) return Forward<uint64_t>(m);
  // An overflowed value is quoted as written: still the right number.
  if (m.value.overflow) {
    return Fail<uint64_t>(w.pos, fmt::format("value {} is larger than {}", w.text, max));
  }
  if (m.value.value > max) {
    return Fail<uint64_t>(w.pos, fmt::format("value {} is larger than {}", m.value.value, max));
  }
  return Ok(m.value.value);
}

// A plain decimal field 0..max making up all of `w`: a port or a prefix
// length, where hex and suffixes would only be surprising.
Parsed<uint64_t> ParseDecimalField(const Word& w, uint64_t max, std::string_view noun,
                                   char separator) {
  if (w.text.empty()) {
    return Fail<uint64_t>(w.pos, fmt::format("expected a {} after '{}'", noun, separator));
  }
  for (size_t i = 0; i < w.text.size(); ++i) {
    if (!IsDigit(w.text[i])) {
      return Fail<uint64_t>(
          PosAt(w, i), fmt::format("expected a {} from 0 to {}, {}", noun, max, Found(w.text)));
    }
  }
  size_t end = 0;
  Magnitude m;
  ScanDigits(w.text, 10, &end, &m);
  // An overflowed value is quoted as written: still the right number.
  if (m.overflow) {
    return Fail<uint64_t>(w.pos, fmt::format("{} {} is larger than {}", noun, w.text, max));
  }
  if (m.value > max) {
    return Fail<uint64_t>(w.pos, fmt::format("{} {} is larger than {}", noun, m.value, max));
  }
  return Ok(m.value);
}

// inet_pton on a piece of a word. Characters no address contains are
// refused first, so a NUL inside the word cannot end the C string early.
bool ToAddress(int family, std::string_view text, std::array<uint8_t, 16>* addr) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (DigitValue(c, 16) < 0 && c != '.' && c != ':') return false;
  }
  const std::string s(text);
  std::array<uint8_t, 16> buf{};
  if (inet_pton(family, s.c_str(), buf.data()) != 1) return false;
  *addr = buf;
  return true;
}

// Parses the address part of a sockaddr or prefix, of `family`, into *addr.
std::optional<Error> ParseAddress(const Word& host, int family, std::array<uint8_t, 16>* addr) {
  if (ToAddress(family, host.text, addr)) return std::nullopt;
  const bool v4 = family == AF_INET;
  return Error{host.pos, fmt::format("expected an {} address such as {}, {}", v4 ? "IPv4" : "IPv6",
                                     v4 ? "10.0.0.1" : "fd00::1", Found(host.text))};
}

// "\"text\"" with the lexer's escapes, so that the lexer reads it back.
std::string QuoteForSource(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

bool IsNameChar(char c, bool first) {
  if (IsAlpha(c) || c == '_') return true;
  return !first && (IsDigit(c) || c == '-');
}

std::optional<Error> CheckName(const Word& name) {
  if (name.text.empty()) {
    return Error{name.pos, fmt::format("expected {}, found no name", kRangeHint)};
  }
  for (size_t i = 0; i < name.text.size(); ++i) {
    if (IsNameChar(name.text[i], i == 0)) continue;
    return Error{PosAt(name, i), fmt::format("unexpected {} in name (expected a letter or '_'{})",
                                             QuoteForMessage(name.text.substr(i, 1)),
                                             i == 0 ? "" : ", then letters, digits, '_' or '-'")};
  }
  return std::nullopt;
}

}  // namespace

std::string QuoteForMessage(std::string_view text, bool quotes) {
  std::string out = quotes ? "'" : "";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  if (quotes) out += '\'';
  return out;
}

Pos PosAt(const Word& w, size_t offset) {
  // Past the bare part, bytes no longer map to columns: use the quote.
  if (w.quoted) offset = std::min(offset, w.quote_offset);
  const int64_t col =
      static_cast<int64_t>(w.pos.col) + static_cast<int64_t>(std::min<size_t>(offset, INT_MAX));
  return Pos{w.pos.line, static_cast<int>(std::min<int64_t>(col, INT_MAX))};
}

Word SubWord(const Word& w, size_t offset, size_t len) {
  Word sub;
  offset = std::min(offset, w.text.size());
  len = std::min(len, w.text.size() - offset);
  sub.text = w.text.substr(offset, len);
  sub.pos = PosAt(w, offset);
  if (w.quoted && offset + len > w.quote_offset) {
    sub.quoted = true;
    sub.quote_offset = w.quote_offset > offset ? w.quote_offset - offset : 0;
  }
  return sub;
}

Parsed<sim::Time> ParseDuration(const Word& w) {
  struct Unit {
    std::string_view name;
    uint64_t ns;
  };
  static constexpr Unit kUnits[] = {
      {"ns", 1}, {"us", 1000}, {"ms", 1000 * 1000}, {"s", 1000 * 1000 * 1000}};

  if (auto quoted = RejectQuoted<sim::Time>(w, kDurationHint)) return *quoted;
  const std::string& t = w.text;
  if (!t.empty() && t[0] == '-') {
    return Fail<sim::Time>(w.pos, fmt::format("expected a non-negative duration such as 10us, "
                                              "1.5ms or 0s, {}",
                                              Found(t)));
  }
  if (t.empty() || !IsDigit(t[0])) {
    return Fail<sim::Time>(w.pos, fmt::format("expected {}, {}", kDurationHint, Found(t)));
  }
  size_t i = 0;
  Magnitude whole;
  ScanDigits(t, 10, &i, &whole);
  std::string_view fraction;
  if (i < t.size() && t[i] == '.') {
    const size_t first = ++i;
    while (i < t.size() && IsDigit(t[i])) ++i;
    if (i == first) {
      return Fail<sim::Time>(PosAt(w, i),
                             fmt::format("expected a digit after '.', {}", Found(t.substr(i))));
    }
    fraction = std::string_view(t).substr(first, i - first);
  }
  const std::string_view unit_text = std::string_view(t).substr(i);
  if (unit_text.empty()) {
    return Fail<sim::Time>(PosAt(w, i),
                           fmt::format("expected a unit (ns, us, ms or s) after '{}'", t));
  }
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit_text) unit = &u;
  }
  if (unit == nullptr) {
    return Fail<sim::Time>(PosAt(w, i), fmt::format("unknown unit {} (expected ns, us, ms or s)",
                                                    QuoteForMessage(unit_text)));
  }

  // Exactness: strip the fraction's trailing zeros; what remains must be a
  // whole number of nanoseconds. With a non-zero last digit that needs at
  // most nine digits (1e9 ns is the largest unit), so it fits 64 bits.
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > 9) {
    return Fail<sim::Time>(w.pos, "duration is not a whole number of nanoseconds");
  }
  uint64_t numerator = 0;
  uint64_t denominator = 1;
  for (char c : fraction) {
    numerator = numerator * 10 + static_cast<uint64_t>(c - '0');
    denominator *= 10;
  }
  const uint64_t scaled = numerator * unit->ns;  // < 1e9 * 1e9: no overflow
  if (scaled % denominator != 0) {
    return Fail<sim::Time>(w.pos, "duration is not a whole number of nanoseconds");
  }
  uint64_t ns = 0;
  bool overflow = whole.overflow;
  overflow |= __builtin_mul_overflow(whole.value, unit->ns, &ns);
  overflow |= __builtin_add_overflow(ns, scaled / denominator, &ns);
  if (overflow || ns > static_cast<uint64_t>(sim::kTimeMax)) {
    return Fail<sim::Time>(
        w.pos, fmt::format("duration {} is too large (the largest is {}ns)", t, sim::kTimeMax));
  }
  return Ok(static_cast<sim::Time>(ns));
}

Parsed<uint64_t> ParseUint(const Word& w, uint64_t max) {
  return ParseUnsigned(w, max, kNumberHint);
}

Parsed<int64_t> ParseInt(const Word& w, int64_t min, int64_t max) {
  if (auto quoted = RejectQuoted<int64_t>(w, kNumberHint)) return *quoted;
  const bool negative = !w.text.empty() && w.text[0] == '-';
  const Parsed<Magnitude> m = ScanMagnitude(SubWord(w, negative ? 1 : 0), kNumberHint);
  if (!m.ok()) return Forward<int64_t>(m);
  const uint64_t magnitude = m.value.value;
  // 2^63: the magnitude of INT64_MIN, one more than INT64_MAX.
  constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
  if (negative && (m.value.overflow || magnitude > kMinMagnitude)) {
    return Fail<int64_t>(w.pos, fmt::format("value {} is smaller than {}", w.text, min));
  }
  if (!negative && (m.value.overflow || magnitude >= kMinMagnitude)) {
    return Fail<int64_t>(w.pos, fmt::format("value {} is larger than {}", w.text, max));
  }
  // Negating in unsigned arithmetic keeps INT64_MIN well defined.
  const int64_t value =
      negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  if (value < min) {
    return Fail<int64_t>(w.pos, fmt::format("value {} is smaller than {}", value, min));
  }
  if (value > max) {
    return Fail<int64_t>(w.pos, fmt::format("value {} is larger than {}", value, max));
  }
  return Ok(value);
}

Parsed<KeyValue> SplitKeyValue(const Word& w) {
  const size_t bare_end = w.quoted ? w.quote_offset : w.text.size();
  const size_t eq = w.text.find('=');
  if (eq == std::string::npos || eq >= bare_end) {
    return Fail<KeyValue>(w.pos, fmt::format("expected key=value, {}", Found(w.text)));
  }
  if (eq == 0) return Fail<KeyValue>(w.pos, "expected key=value, found no key before '='");
  return Ok(KeyValue{SubWord(w, 0, eq), SubWord(w, eq + 1)});
}

Parsed<uint64_t> ParseFlags(const Word& w, std::span<const FlagName> table) {
  if (auto quoted = RejectQuoted<uint64_t>(w, kFlagsHint)) return *quoted;
  const std::string& t = w.text;
  if (t.empty()) {
    return Fail<uint64_t>(w.pos, fmt::format("expected {}, found nothing", kFlagsHint));
  }
  if (t == "0") return Ok(uint64_t{0});
  uint64_t bits = 0;
  size_t start = 0;
  for (;;) {
    const size_t bar = std::min(t.find('|', start), t.size());
    const std::string_view name = std::string_view(t).substr(start, bar - start);
    if (name.empty()) {
      return Fail<uint64_t>(PosAt(w, start), start == 0 ? "expected a flag name before '|'"
                                                        : "expected a flag name after '|'");
    }
    const auto it = std::find_if(table.begin(), table.end(), [&](const FlagName& f) {
      return f.name != nullptr && name == f.name;
    });
    if (it == table.end()) {
      return Fail<uint64_t>(PosAt(w, start), fmt::format("unknown flag {}", QuoteForMessage(name)));
    }
    bits |= it->bit;
    if (bar == t.size()) return Ok(bits);
    start = bar + 1;
  }
}

Parsed<SockAddr> ParseSockAddr(const Word& w) {
  if (auto quoted = RejectQuoted<SockAddr>(w, kSockAddrHint)) return *quoted;
  const std::string& t = w.text;
  SockAddr out;
  size_t colon;  // the ':' before the port
  if (!t.empty() && t[0] == '[') {
    const size_t close = t.find(']');
    if (close == std::string::npos) {
      return Fail<SockAddr>(PosAt(w, t.size()), "expected ']' after the IPv6 address");
    }
    if (auto e = ParseAddress(SubWord(w, 1, close - 1), AF_INET6, &out.addr)) {
      return Fail<SockAddr>(e->pos, e->message);
    }
    out.family = AF_INET6;
    colon = close + 1;
    if (colon == t.size() || t[colon] != ':') {
      return Fail<SockAddr>(PosAt(w, colon), fmt::format("expected ':' and a port after ']', {}",
                                                         Found(t.substr(colon))));
    }
  } else {
    colon = t.rfind(':');
    if (colon == std::string::npos) {
      return Fail<SockAddr>(w.pos, fmt::format("expected {}, {}", kSockAddrHint, Found(t)));
    }
    if (t.find(':') != colon) {
      return Fail<SockAddr>(w.pos, fmt::format("expected [address]:port for IPv6, such as "
                                               "[fd00::1]:9000, {}",
                                               Found(t)));
    }
    if (auto e = ParseAddress(SubWord(w, 0, colon), AF_INET, &out.addr)) {
      return Fail<SockAddr>(e->pos, e->message);
    }
    out.family = AF_INET;
  }
  const Parsed<uint64_t> port = ParseDecimalField(SubWord(w, colon + 1), 65535, "port", ':');
  if (!port.ok()) return Forward<SockAddr>(port);
  out.port = static_cast<uint16_t>(port.value);
  return Ok(out);
}

Parsed<Prefix> ParsePrefix(const Word& w) {
  if (auto quoted = RejectQuoted<Prefix>(w, kPrefixHint)) return *quoted;
  const std::string& t = w.text;
  const size_t slash = t.rfind('/');
  if (slash == std::string::npos) {
    return Fail<Prefix>(w.pos, fmt::format("expected {}, {}", kPrefixHint, Found(t)));
  }
  Prefix out;
  const Word host = SubWord(w, 0, slash);
  out.family = host.text.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (auto e = ParseAddress(host, out.family, &out.addr)) return Fail<Prefix>(e->pos, e->message);
  const int max = out.family == AF_INET ? 32 : 128;
  const Parsed<uint64_t> length =
      ParseDecimalField(SubWord(w, slash + 1), static_cast<uint64_t>(max), "prefix length", '/');
  if (!length.ok()) return Forward<Prefix>(length);
  out.length = static_cast<int>(length.value);
  return Ok(out);
}

Pattern Pattern::Byte(uint8_t b) {
  Pattern p;
  p.kind_ = Kind::kByte;
  p.byte_ = b;
  return p;
}

Pattern Pattern::Text(std::string text) {
  Pattern p;
  p.kind_ = Kind::kText;
  p.text_ = std::move(text);
  return p;
}

Pattern Pattern::Seq(uint64_t start) {
  Pattern p;
  p.kind_ = Kind::kSeq;
  p.start_ = start;
  return p;
}

uint8_t Pattern::At(uint64_t i) const {
  switch (kind_) {
    case Kind::kByte:
      return byte_;
    case Kind::kText:
      return text_.empty() ? 0 : static_cast<uint8_t>(text_[i % text_.size()]);
    case Kind::kSeq:
      return static_cast<uint8_t>((i + start_) & 0xff);  // unsigned: wraps, never overflows
  }
  return 0;
}

std::string Pattern::ToString() const {
  switch (kind_) {
    case Kind::kByte:
      return fmt::format("0x{:02x}", byte_);
    case Kind::kText:
      return QuoteForSource(text_);
    case Kind::kSeq:
      return start_ == 0 ? "seq" : fmt::format("seq+{}", start_);
  }
  return "";
}

Parsed<Pattern> ParsePattern(const Word& w) {
  if (w.fully_quoted()) {
    if (w.text.empty()) {
      return Fail<Pattern>(w.pos, "expected a non-empty string for a text pattern, found \"\"");
    }
    return Ok(Pattern::Text(w.text));
  }
  if (w.quoted) {
    return Fail<Pattern>(
        w.pos, fmt::format("expected {}, found text before a quoted string", kPatternHint));
  }
  const std::string& t = w.text;
  if (t == "seq") return Ok(Pattern::Seq(0));
  if (t.rfind("seq+", 0) == 0) {
    const Parsed<uint64_t> start = ParseUint(SubWord(w, 4), UINT64_MAX);
    if (!start.ok()) return Forward<Pattern>(start);
    return Ok(Pattern::Seq(start.value));
  }
  if (!t.empty() && IsDigit(t[0])) {
    const Parsed<uint64_t> byte = ParseUint(w, 0xff);
    if (!byte.ok()) return Forward<Pattern>(byte);
    return Ok(Pattern::Byte(static_cast<uint8_t>(byte.value)));
  }
  return Fail<Pattern>(w.pos, fmt::format("expected {}, {}", kPatternHint, Found(t)));
}

Parsed<Range> ParseRange(const Word& w) {
  if (auto quoted = RejectQuoted<Range>(w, kRangeHint)) return *quoted;
  const std::string& t = w.text;
  if (t.empty()) return Fail<Range>(w.pos, fmt::format("expected {}, found nothing", kRangeHint));
  const size_t open = std::min(t.find('['), t.size());
  Range out;
  const Word name = SubWord(w, 0, open);
  if (auto e = CheckName(name)) return Fail<Range>(e->pos, e->message);
  out.name = name.text;
  if (open == t.size()) return Ok(out);

  // Left to right: OFF, ':', LEN, ']', so the first error is the leftmost.
  const size_t colon = t.find(':', open + 1);
  if (colon == std::string::npos) {
    return Fail<Range>(PosAt(w, open + 1),
                       "expected OFF:LEN or OFF: inside [], such as buf[0:4K] or buf[4K:]");
  }
  const Parsed<uint64_t> offset = ParseUnsigned(SubWord(w, open + 1, colon - open - 1), UINT64_MAX,
                                                "an offset such as 0, 0x100 or 4K");
  if (!offset.ok()) return Forward<Range>(offset);
  out.offset = offset.value;
  const size_t close = t.find(']', colon + 1);
  if (close == std::string::npos) {
    return Fail<Range>(PosAt(w, t.size()), "expected ']' to close the range");
  }
  if (close > colon + 1) {
    const Parsed<uint64_t> length = ParseUnsigned(SubWord(w, colon + 1, close - colon - 1),
                                                  UINT64_MAX, "a length such as 64, 0x100 or 4K");
    if (!length.ok()) return Forward<Range>(length);
    uint64_t end;
    if (__builtin_add_overflow(out.offset, length.value, &end)) {
      return Fail<Range>(PosAt(w, open), fmt::format("range end {} + {} is larger than {}",
                                                     out.offset, length.value, UINT64_MAX));
    }
    out.length = length.value;
  }
  if (close + 1 < t.size()) {
    return Fail<Range>(PosAt(w, close + 1),
                       fmt::format("unexpected {} after ']' (expected the end of the range)",
                                   QuoteForMessage(t.substr(close + 1, 1))));
  }
  return Ok(out);
}

}  // namespace zcsim::scenario
