#include "tools/scenario/values.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "sim/rng.h"
#include "sim/time.h"
#include "tools/scenario/lexer.h"

namespace zcsim::scenario {
namespace {

// A bare word on line 1 at column `col`.
Word W(std::string_view text, int col = 1) { return Word{std::string(text), Pos{1, col}}; }

// The first word of `source` as the lexer produces it (for quoted words).
Word Lexed(std::string_view source) {
  const LexResult r = Lex(source);
  EXPECT_FALSE(r.error.has_value()) << FormatError("test", *r.error);
  if (r.error || r.lines.empty()) return Word{};
  return r.lines[0].words[0];
}

// Asserts that `parsed` failed at 1:col with exactly `message`.
template <typename T>
void ExpectError(const Parsed<T>& parsed, int col, std::string_view message) {
  ASSERT_FALSE(parsed.ok()) << "expected: " << message;
  EXPECT_EQ(parsed.error->pos, (Pos{1, col}))
      << "col " << parsed.error->pos.col << ": " << parsed.error->message;
  EXPECT_EQ(parsed.error->message, message);
}

template <typename T>
T Value(const Parsed<T>& parsed) {
  EXPECT_TRUE(parsed.ok()) << parsed.error->message;
  return parsed.value;
}

// ---- Word helpers -------------------------------------------------------

TEST(WordTest, PosAtIsExactInTheBarePartAndTheQuoteBeyond) {
  const Word w = Lexed("  key=\"a\\tb\"");
  ASSERT_EQ(w.text, "key=a\tb");
  EXPECT_EQ(PosAt(w, 0), (Pos{1, 3}));
  EXPECT_EQ(PosAt(w, 4), (Pos{1, 7}));  // the opening quote
  EXPECT_EQ(PosAt(w, 6), (Pos{1, 7}));  // inside the string: still the quote
  EXPECT_EQ(PosAt(W("abc", 5), 2), (Pos{1, 7}));
}

TEST(WordTest, SubWordKeepsPositionAndQuoting) {
  const Word w = Lexed(" ab=\"xyz\"");
  const Word key = SubWord(w, 0, 2);
  EXPECT_EQ(key.text, "ab");
  EXPECT_EQ(key.pos, (Pos{1, 2}));
  EXPECT_FALSE(key.quoted);
  const Word value = SubWord(w, 3);
  EXPECT_EQ(value.text, "xyz");
  EXPECT_EQ(value.pos, (Pos{1, 5}));
  EXPECT_TRUE(value.fully_quoted());
  const Word tail = SubWord(w, 1);
  EXPECT_EQ(tail.text, "b=xyz");
  EXPECT_TRUE(tail.quoted);
  EXPECT_EQ(tail.quote_offset, 2u);
  // Out-of-range offsets clamp instead of reading past the text.
  EXPECT_EQ(SubWord(W("abc"), 10).text, "");
  EXPECT_EQ(SubWord(W("abc"), 1, 100).text, "bc");
}

TEST(WordTest, QuoteForMessageEscapesControlBytes) {
  EXPECT_EQ(QuoteForMessage("abc"), "'abc'");
  EXPECT_EQ(QuoteForMessage(std::string_view("a\n\0b", 4)), "'a\\x0a\\x00b'");
  EXPECT_EQ(QuoteForMessage("q", /*quotes=*/false), "q");
}

// ---- ParseDuration ------------------------------------------------------

TEST(DurationTest, ParsesEveryUnitExactly) {
  EXPECT_EQ(Value(ParseDuration(W("0s"))), 0);
  EXPECT_EQ(Value(ParseDuration(W("250ns"))), 250);
  EXPECT_EQ(Value(ParseDuration(W("10us"))), 10 * sim::kMicrosecond);
  EXPECT_EQ(Value(ParseDuration(W("1.5ms"))), 1500 * sim::kMicrosecond);
  EXPECT_EQ(Value(ParseDuration(W("2s"))), 2 * sim::kSecond);
  EXPECT_EQ(Value(ParseDuration(W("0.5us"))), 500);
  EXPECT_EQ(Value(ParseDuration(W("1.000000001s"))), sim::kSecond + 1);
  EXPECT_EQ(Value(ParseDuration(W("007us"))), 7000);
  EXPECT_EQ(Value(ParseDuration(W("1.50ms"))), 1500 * sim::kMicrosecond);
  EXPECT_EQ(Value(ParseDuration(W("3.000000000000000000000000s"))), 3 * sim::kSecond);
  EXPECT_EQ(Value(ParseDuration(W("0.000000001s"))), 1);
  EXPECT_EQ(Value(ParseDuration(W("2.0ns"))), 2);
}

TEST(DurationTest, LargestDurationIsInt64Max) {
  EXPECT_EQ(Value(ParseDuration(W("9223372036854775807ns"))), sim::kTimeMax);
  EXPECT_EQ(Value(ParseDuration(W("9223372036.854775807s"))), sim::kTimeMax);
  ExpectError(ParseDuration(W("9223372036854775808ns")), 1,
              "duration 9223372036854775808ns is too large (the largest is 9223372036854775807ns)");
  ExpectError(ParseDuration(W("9223372036.854775808s")), 1,
              "duration 9223372036.854775808s is too large (the largest is 9223372036854775807ns)");
  ExpectError(ParseDuration(W("9223372037s")), 1,
              "duration 9223372037s is too large (the largest is 9223372036854775807ns)");
  ExpectError(ParseDuration(W("99999999999999999999s", 3)), 3,
              "duration 99999999999999999999s is too large (the largest is 9223372036854775807ns)");
  ExpectError(ParseDuration(W("99999999999999999999999999999999ns")), 1,
              "duration 99999999999999999999999999999999ns is too large (the largest is "
              "9223372036854775807ns)");
}

TEST(DurationTest, RejectsFractionsOfANanosecond) {
  for (std::string_view text : {"1.0005ns", "0.1ns", "1.0000000001s", "0.0005us", "1.0000001ms",
                                "0.00000000000000000000001s"}) {
    ExpectError(ParseDuration(W(text, 4)), 4, "duration is not a whole number of nanoseconds");
  }
}

TEST(DurationTest, SyntaxErrorsPointAtTheBadPart) {
  ExpectError(ParseDuration(W("", 5)), 5,
              "expected a duration such as 10us, 1.5ms or 0s, found nothing");
  ExpectError(ParseDuration(W("abc", 5)), 5,
              "expected a duration such as 10us, 1.5ms or 0s, found 'abc'");
  ExpectError(ParseDuration(W(".5ms", 5)), 5,
              "expected a duration such as 10us, 1.5ms or 0s, found '.5ms'");
  ExpectError(ParseDuration(W("-5us", 5)), 5,
              "expected a non-negative duration such as 10us, 1.5ms or 0s, found '-5us'");
  ExpectError(ParseDuration(W("10", 5)), 7, "expected a unit (ns, us, ms or s) after '10'");
  ExpectError(ParseDuration(W("1.5", 5)), 8, "expected a unit (ns, us, ms or s) after '1.5'");
  ExpectError(ParseDuration(W("10xs", 5)), 7, "unknown unit 'xs' (expected ns, us, ms or s)");
  ExpectError(ParseDuration(W("10US", 5)), 7, "unknown unit 'US' (expected ns, us, ms or s)");
  ExpectError(ParseDuration(W("10 us", 5)), 7, "unknown unit ' us' (expected ns, us, ms or s)");
  ExpectError(ParseDuration(W("1e3us", 5)), 6, "unknown unit 'e3us' (expected ns, us, ms or s)");
  ExpectError(ParseDuration(W("5.us", 5)), 7, "expected a digit after '.', found 'us'");
  ExpectError(ParseDuration(W("5.", 5)), 7, "expected a digit after '.', found nothing");
  ExpectError(ParseDuration(W("1.2.3s", 5)), 8, "unknown unit '.3s' (expected ns, us, ms or s)");
  ExpectError(ParseDuration(Lexed("  \"10us\"")), 3,
              "expected a duration such as 10us, 1.5ms or 0s, found a quoted string");
}

// ---- ParseUint / ParseInt -----------------------------------------------

TEST(UintTest, DecimalHexAndBinarySuffixes) {
  EXPECT_EQ(Value(ParseUint(W("0"), 10)), 0u);
  EXPECT_EQ(Value(ParseUint(W("42"), 100)), 42u);
  EXPECT_EQ(Value(ParseUint(W("0x2a"), 100)), 42u);
  EXPECT_EQ(Value(ParseUint(W("0X2A"), 100)), 42u);
  EXPECT_EQ(Value(ParseUint(W("64K"), UINT64_MAX)), 65536u);
  EXPECT_EQ(Value(ParseUint(W("3M"), UINT64_MAX)), 3u << 20);
  EXPECT_EQ(Value(ParseUint(W("2G"), UINT64_MAX)), uint64_t{2} << 30);
  EXPECT_EQ(Value(ParseUint(W("0x10K"), UINT64_MAX)), 16384u);
  EXPECT_EQ(Value(ParseUint(W("65535"), 65535)), 65535u);
  EXPECT_EQ(Value(ParseUint(W("0065535"), 65535)), 65535u);
  EXPECT_EQ(Value(ParseUint(W("18446744073709551615"), UINT64_MAX)), UINT64_MAX);
  EXPECT_EQ(Value(ParseUint(W("0xffffffffffffffff"), UINT64_MAX)), UINT64_MAX);
  EXPECT_EQ(Value(ParseUint(W("16G"), UINT64_MAX)), uint64_t{16} << 30);
}

TEST(UintTest, RangeErrorsGiveTheRightNumbers) {
  ExpectError(ParseUint(W("70000", 3), 65535), 3, "value 70000 is larger than 65535");
  ExpectError(ParseUint(W("0x11170"), 65535), 1, "value 70000 is larger than 65535");
  ExpectError(ParseUint(W("64K"), 65535), 1, "value 65536 is larger than 65535");
  ExpectError(ParseUint(W("1"), 0), 1, "value 1 is larger than 0");
  ExpectError(ParseUint(W("18446744073709551616"), UINT64_MAX), 1,
              "value 18446744073709551616 is larger than 18446744073709551615");
  ExpectError(ParseUint(W("0x10000000000000000"), UINT64_MAX), 1,
              "value 0x10000000000000000 is larger than 18446744073709551615");
  // 2^34 * 2^30 = 2^64: overflows in the suffix multiplication.
  ExpectError(ParseUint(W("17179869184G"), UINT64_MAX), 1,
              "value 17179869184G is larger than 18446744073709551615");
}

TEST(UintTest, SyntaxErrorsPointAtTheBadCharacter) {
  ExpectError(ParseUint(W("", 4), 9), 4,
              "expected a number such as 42, 0x2a or 64K, found nothing");
  ExpectError(ParseUint(W("abc", 4), 9), 4,
              "expected a number such as 42, 0x2a or 64K, found 'abc'");
  ExpectError(ParseUint(W("+5", 4), 9), 4, "expected a number such as 42, 0x2a or 64K, found '+5'");
  ExpectError(ParseUint(W("-5", 4), 9), 4, "expected a non-negative number (0 to 9), found '-5'");
  ExpectError(ParseUint(W("12ab", 4), 99), 6,
              "unexpected 'a' in number (expected decimal digits, then optionally K, M or G)");
  ExpectError(ParseUint(W("0x1g", 4), 99), 7,
              "unexpected 'g' in number (expected hex digits, then optionally K, M or G)");
  ExpectError(ParseUint(W("0x", 4), 99), 6, "expected a hex digit after '0x', found nothing");
  ExpectError(ParseUint(W("0xg", 4), 99), 6, "expected a hex digit after '0x', found 'g'");
  ExpectError(ParseUint(W("64KB", 4), UINT64_MAX), 7,
              "unexpected 'B' after 'K' (expected the end of the number)");
  ExpectError(ParseUint(W("64k", 4), UINT64_MAX), 6,
              "unexpected 'k' in number (expected decimal digits, then optionally K, M or G)");
  ExpectError(ParseUint(W("1.5K", 4), UINT64_MAX), 5,
              "unexpected '.' in number (expected decimal digits, then optionally K, M or G)");
  ExpectError(ParseUint(Lexed("\"42\""), 99), 1,
              "expected a number such as 42, 0x2a or 64K, found a quoted string");
}

TEST(IntTest, SignedValues) {
  EXPECT_EQ(Value(ParseInt(W("-1"), -10, 10)), -1);
  EXPECT_EQ(Value(ParseInt(W("0"), -10, 10)), 0);
  EXPECT_EQ(Value(ParseInt(W("-0"), -10, 10)), 0);
  EXPECT_EQ(Value(ParseInt(W("7"), -10, 10)), 7);
  EXPECT_EQ(Value(ParseInt(W("-0x10"), INT64_MIN, INT64_MAX)), -16);
  EXPECT_EQ(Value(ParseInt(W("-4K"), INT64_MIN, INT64_MAX)), -4096);
  EXPECT_EQ(Value(ParseInt(W("-9223372036854775808"), INT64_MIN, INT64_MAX)), INT64_MIN);
  EXPECT_EQ(Value(ParseInt(W("9223372036854775807"), INT64_MIN, INT64_MAX)), INT64_MAX);
  EXPECT_EQ(Value(ParseInt(W("-0x8000000000000000"), INT64_MIN, INT64_MAX)), INT64_MIN);
}

TEST(IntTest, RangeErrors) {
  ExpectError(ParseInt(W("-5", 2), 0, 10), 2, "value -5 is smaller than 0");
  ExpectError(ParseInt(W("200"), -100, 100), 1, "value 200 is larger than 100");
  ExpectError(ParseInt(W("3"), 5, 10), 1, "value 3 is smaller than 5");
  ExpectError(ParseInt(W("-1"), -10, -5), 1, "value -1 is larger than -5");
  ExpectError(ParseInt(W("-9223372036854775809"), INT64_MIN, INT64_MAX), 1,
              "value -9223372036854775809 is smaller than -9223372036854775808");
  ExpectError(ParseInt(W("9223372036854775808"), INT64_MIN, INT64_MAX), 1,
              "value 9223372036854775808 is larger than 9223372036854775807");
  ExpectError(ParseInt(W("-99999999999999999999"), INT64_MIN, 0), 1,
              "value -99999999999999999999 is smaller than -9223372036854775808");
  ExpectError(ParseInt(W("8G"), 0, 1000), 1, "value 8589934592 is larger than 1000");
}

TEST(IntTest, SyntaxErrors) {
  ExpectError(ParseInt(W("-", 3), -5, 5), 4,
              "expected a number such as 42, 0x2a or 64K, found nothing");
  ExpectError(ParseInt(W("--5", 3), -5, 5), 4,
              "expected a number such as 42, 0x2a or 64K, found '-5'");
  ExpectError(ParseInt(W("-1x", 3), -5, 5), 5,
              "unexpected 'x' in number (expected decimal digits, then optionally K, M or G)");
  ExpectError(ParseInt(W("", 3), -5, 5), 3,
              "expected a number such as 42, 0x2a or 64K, found nothing");
  ExpectError(ParseInt(Lexed(" x\"-1\""), -5, 5), 3,
              "expected a number such as 42, 0x2a or 64K, found a quoted string");
}

// ---- SplitKeyValue ------------------------------------------------------

TEST(KeyValueTest, SplitsAtTheFirstEqualsSign) {
  const KeyValue kv = Value(SplitKeyValue(W("len=64K", 5)));
  EXPECT_EQ(kv.key.text, "len");
  EXPECT_EQ(kv.key.pos, (Pos{1, 5}));
  EXPECT_EQ(kv.value.text, "64K");
  EXPECT_EQ(kv.value.pos, (Pos{1, 9}));
  EXPECT_EQ(Value(ParseUint(kv.value, UINT64_MAX)), 65536u);

  const KeyValue nested = Value(SplitKeyValue(W("a=b=c")));
  EXPECT_EQ(nested.key.text, "a");
  EXPECT_EQ(nested.value.text, "b=c");
}

TEST(KeyValueTest, EmptyValueIsLeftToTheValueParser) {
  const KeyValue kv = Value(SplitKeyValue(W("len=", 5)));
  EXPECT_EQ(kv.value.text, "");
  EXPECT_EQ(kv.value.pos, (Pos{1, 9}));
  ExpectError(ParseUint(kv.value, 10), 9,
              "expected a number such as 42, 0x2a or 64K, found nothing");
}

TEST(KeyValueTest, QuotedValue) {
  const KeyValue kv = Value(SplitKeyValue(Lexed("  data=\"x=y z\"")));
  EXPECT_EQ(kv.key.text, "data");
  EXPECT_FALSE(kv.key.quoted);
  EXPECT_EQ(kv.value.text, "x=y z");
  EXPECT_TRUE(kv.value.fully_quoted());
  EXPECT_EQ(kv.value.pos, (Pos{1, 8}));
  EXPECT_EQ(Value(ParsePattern(kv.value)), Pattern::Text("x=y z"));
  // A quoted value is text, not a number.
  ExpectError(ParseUint(kv.value, 10), 8,
              "expected a number such as 42, 0x2a or 64K, found a quoted string");
}

TEST(KeyValueTest, Errors) {
  ExpectError(SplitKeyValue(W("foo", 3)), 3, "expected key=value, found 'foo'");
  ExpectError(SplitKeyValue(W("", 3)), 3, "expected key=value, found nothing");
  ExpectError(SplitKeyValue(W("=5", 3)), 3, "expected key=value, found no key before '='");
  // An '=' inside quotes does not split.
  ExpectError(SplitKeyValue(Lexed("\"a=b\"")), 1, "expected key=value, found 'a=b'");
  ExpectError(SplitKeyValue(Lexed("x\"a=b\"")), 1, "expected key=value, found 'xa=b'");
}

// ---- ParseFlags ---------------------------------------------------------

constexpr FlagName kFlags[] = {
    {"A", 0x1}, {"B", 0x2}, {"C", 0x4}, {nullptr, 0x80}, {"MSG_ZEROCOPY", 0x4000000}};

TEST(FlagsTest, OrsTheNamedBits) {
  EXPECT_EQ(Value(ParseFlags(W("A|B|C"), kFlags)), 0x7u);
  EXPECT_EQ(Value(ParseFlags(W("B"), kFlags)), 0x2u);
  EXPECT_EQ(Value(ParseFlags(W("C|A"), kFlags)), 0x5u);
  EXPECT_EQ(Value(ParseFlags(W("A|A"), kFlags)), 0x1u);
  EXPECT_EQ(Value(ParseFlags(W("MSG_ZEROCOPY|A"), kFlags)), 0x4000001u);
  EXPECT_EQ(Value(ParseFlags(W("0"), kFlags)), 0u);
  EXPECT_EQ(Value(ParseFlags(W("0"), std::span<const FlagName>())), 0u);
}

TEST(FlagsTest, UnknownFlagPointsAtItsName) {
  ExpectError(ParseFlags(W("A|X|C", 10), kFlags), 12, "unknown flag 'X'");
  ExpectError(ParseFlags(W("a", 10), kFlags), 10, "unknown flag 'a'");  // names are exact
  ExpectError(ParseFlags(W("A|MSG_ZEROCOPYY", 10), kFlags), 12, "unknown flag 'MSG_ZEROCOPYY'");
  ExpectError(ParseFlags(W("0|A", 10), kFlags), 10, "unknown flag '0'");
  ExpectError(ParseFlags(W("A", 10), std::span<const FlagName>()), 10, "unknown flag 'A'");
}

TEST(FlagsTest, SyntaxErrors) {
  ExpectError(ParseFlags(W("", 2), kFlags), 2,
              "expected flag names joined by '|' (such as A|B), or 0, found nothing");
  ExpectError(ParseFlags(W("|A", 2), kFlags), 2, "expected a flag name before '|'");
  ExpectError(ParseFlags(W("A|", 2), kFlags), 4, "expected a flag name after '|'");
  ExpectError(ParseFlags(W("A||B", 2), kFlags), 4, "expected a flag name after '|'");
  ExpectError(ParseFlags(Lexed("\"A\""), kFlags), 1,
              "expected flag names joined by '|' (such as A|B), or 0, found a quoted string");
}

TEST(FlagsTest, ErrorColumnsSurviveKeyValueSplitting) {
  const LexResult r = Lex("send tx flags=A|X");
  ASSERT_FALSE(r.error.has_value());
  const KeyValue kv = Value(SplitKeyValue(r.lines[0].words[2]));
  ExpectError(ParseFlags(kv.value, kFlags), 17, "unknown flag 'X'");
}

// ---- ParseSockAddr / ParsePrefix ----------------------------------------

std::array<uint8_t, 16> V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

std::array<uint8_t, 16> Fd00(uint8_t last) {
  return {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
}

TEST(SockAddrTest, ParsesIpv4AndIpv6) {
  const SockAddr v4 = Value(ParseSockAddr(W("10.0.0.1:9000")));
  EXPECT_EQ(v4.family, AF_INET);
  EXPECT_EQ(v4.addr, V4(10, 0, 0, 1));
  EXPECT_EQ(v4.port, 9000);

  const SockAddr v6 = Value(ParseSockAddr(W("[fd00::1]:9000")));
  EXPECT_EQ(v6.family, AF_INET6);
  EXPECT_EQ(v6.addr, Fd00(1));
  EXPECT_EQ(v6.port, 9000);

  const SockAddr edge = Value(ParseSockAddr(W("255.255.255.255:65535")));
  EXPECT_EQ(edge.addr, V4(255, 255, 255, 255));
  EXPECT_EQ(edge.port, 65535);

  const SockAddr mapped = Value(ParseSockAddr(W("[::ffff:10.0.0.1]:0")));
  EXPECT_EQ(mapped.family, AF_INET6);
  EXPECT_EQ(mapped.addr[10], 0xff);
  EXPECT_EQ(mapped.addr[12], 10);
  EXPECT_EQ(mapped.addr[15], 1);
  EXPECT_EQ(mapped.port, 0);
}

TEST(SockAddrTest, AddressErrors) {
  ExpectError(
      ParseSockAddr(W("", 3)), 3,
      "expected an address and port such as 10.0.0.1:9000 or [fd00::1]:9000, found nothing");
  ExpectError(ParseSockAddr(W("10.0.0.1", 3)), 3,
              "expected an address and port such as 10.0.0.1:9000 or [fd00::1]:9000, found "
              "'10.0.0.1'");
  ExpectError(ParseSockAddr(W("10.0.0.256:80", 3)), 3,
              "expected an IPv4 address such as 10.0.0.1, found '10.0.0.256'");
  ExpectError(ParseSockAddr(W("host:80", 3)), 3,
              "expected an IPv4 address such as 10.0.0.1, found 'host'");
  ExpectError(ParseSockAddr(W(":80", 3)), 3,
              "expected an IPv4 address such as 10.0.0.1, found nothing");
  ExpectError(ParseSockAddr(W("fd00::1:9000", 3)), 3,
              "expected [address]:port for IPv6, such as [fd00::1]:9000, found 'fd00::1:9000'");
  ExpectError(ParseSockAddr(W("[fd00::1", 3)), 11, "expected ']' after the IPv6 address");
  ExpectError(ParseSockAddr(W("[fd00::g]:80", 3)), 4,
              "expected an IPv6 address such as fd00::1, found 'fd00::g'");
  ExpectError(ParseSockAddr(W("[10.0.0.1]:80", 3)), 4,
              "expected an IPv6 address such as fd00::1, found '10.0.0.1'");
  ExpectError(ParseSockAddr(W("[]:80", 3)), 4,
              "expected an IPv6 address such as fd00::1, found nothing");
  ExpectError(ParseSockAddr(W("[fd00::1]", 3)), 12,
              "expected ':' and a port after ']', found nothing");
  ExpectError(ParseSockAddr(W("[fd00::1]x80", 3)), 12,
              "expected ':' and a port after ']', found 'x80'");
  // A NUL inside the word must not cut the address short for inet_pton.
  ExpectError(ParseSockAddr(W(std::string_view("10.0.0.1\0x:80", 13), 3)), 3,
              "expected an IPv4 address such as 10.0.0.1, found '10.0.0.1\\x00x'");
  ExpectError(ParseSockAddr(Lexed("\"10.0.0.1:80\"")), 1,
              "expected an address and port such as 10.0.0.1:9000 or [fd00::1]:9000, found a "
              "quoted string");
}

TEST(SockAddrTest, PortErrors) {
  ExpectError(ParseSockAddr(W("10.0.0.1:", 3)), 12, "expected a port after ':'");
  ExpectError(ParseSockAddr(W("10.0.0.1:70000", 3)), 12, "port 70000 is larger than 65535");
  ExpectError(ParseSockAddr(W("10.0.0.1:99999999999999999999", 3)), 12,
              "port 99999999999999999999 is larger than 65535");
  ExpectError(ParseSockAddr(W("10.0.0.1:9x", 3)), 13,
              "expected a port from 0 to 65535, found '9x'");
  ExpectError(ParseSockAddr(W("10.0.0.1:-1", 3)), 12,
              "expected a port from 0 to 65535, found '-1'");
  ExpectError(ParseSockAddr(W("10.0.0.1:0x50", 3)), 13,
              "expected a port from 0 to 65535, found '0x50'");
  ExpectError(ParseSockAddr(W("[fd00::1]:65536", 3)), 13, "port 65536 is larger than 65535");
}

TEST(PrefixTest, ParsesIpv4AndIpv6) {
  const Prefix v4 = Value(ParsePrefix(W("10.0.0.1/24")));
  EXPECT_EQ(v4.family, AF_INET);
  EXPECT_EQ(v4.addr, V4(10, 0, 0, 1));  // host bits are kept
  EXPECT_EQ(v4.length, 24);
  const Prefix v6 = Value(ParsePrefix(W("fd00::1/64")));
  EXPECT_EQ(v6.family, AF_INET6);
  EXPECT_EQ(v6.addr, Fd00(1));
  EXPECT_EQ(v6.length, 64);
  EXPECT_EQ(Value(ParsePrefix(W("0.0.0.0/0"))).length, 0);
  EXPECT_EQ(Value(ParsePrefix(W("10.0.0.1/32"))).length, 32);
  EXPECT_EQ(Value(ParsePrefix(W("::/128"))).length, 128);
}

TEST(PrefixTest, Errors) {
  ExpectError(ParsePrefix(W("10.0.0.1", 2)), 2,
              "expected an address and prefix length such as 10.0.0.0/24 or fd00::/64, found "
              "'10.0.0.1'");
  ExpectError(ParsePrefix(W("10.0.0.1/33", 2)), 11, "prefix length 33 is larger than 32");
  ExpectError(ParsePrefix(W("fd00::1/129", 2)), 10, "prefix length 129 is larger than 128");
  ExpectError(ParsePrefix(W("10.0.0.1/", 2)), 11, "expected a prefix length after '/'");
  ExpectError(ParsePrefix(W("10.0.0.1/2x", 2)), 12,
              "expected a prefix length from 0 to 32, found '2x'");
  ExpectError(ParsePrefix(W("fd00::1/-1", 2)), 10,
              "expected a prefix length from 0 to 128, found '-1'");
  ExpectError(ParsePrefix(W("10.0.0/8", 2)), 2,
              "expected an IPv4 address such as 10.0.0.1, found '10.0.0'");
  ExpectError(ParsePrefix(W("fd00::zz/64", 2)), 2,
              "expected an IPv6 address such as fd00::1, found 'fd00::zz'");
  ExpectError(ParsePrefix(W("/8", 2)), 2,
              "expected an IPv4 address such as 10.0.0.1, found nothing");
  ExpectError(ParsePrefix(Lexed("\"10.0.0.0/8\"")), 1,
              "expected an address and prefix length such as 10.0.0.0/24 or fd00::/64, found a "
              "quoted string");
}

// ---- Pattern ------------------------------------------------------------

TEST(PatternTest, RepeatedByte) {
  const Pattern p = Value(ParsePattern(W("0xab")));
  EXPECT_EQ(p.kind(), Pattern::Kind::kByte);
  EXPECT_EQ(p.At(0), 0xab);
  EXPECT_EQ(p.At(1), 0xab);
  EXPECT_EQ(p.At(UINT64_MAX), 0xab);
  EXPECT_EQ(p.ToString(), "0xab");
  EXPECT_EQ(Value(ParsePattern(W("0"))).ToString(), "0x00");
  EXPECT_EQ(Value(ParsePattern(W("255"))).At(7), 0xff);
  EXPECT_EQ(Value(ParsePattern(W("0xA"))), Pattern::Byte(0x0a));
}

TEST(PatternTest, RepeatedText) {
  const Pattern p = Value(ParsePattern(Lexed("\"abc\"")));
  EXPECT_EQ(p.kind(), Pattern::Kind::kText);
  EXPECT_EQ(p.At(0), 'a');
  EXPECT_EQ(p.At(2), 'c');
  EXPECT_EQ(p.At(4), 'b');
  EXPECT_EQ(p.At(UINT64_MAX), 'a');  // 2^64 - 1 is a multiple of 3
  EXPECT_EQ(p.ToString(), "\"abc\"");
  // Quoting makes "seq" and "0xab" text, not their bare meanings.
  EXPECT_EQ(Value(ParsePattern(Lexed("\"seq\""))), Pattern::Text("seq"));
  EXPECT_EQ(Value(ParsePattern(Lexed("\"0xab\""))).At(1), 'x');
}

TEST(PatternTest, Sequence) {
  const Pattern p = Value(ParsePattern(W("seq")));
  EXPECT_EQ(p.kind(), Pattern::Kind::kSeq);
  EXPECT_EQ(p.At(0), 0);
  EXPECT_EQ(p.At(255), 255);
  EXPECT_EQ(p.At(256), 0);
  EXPECT_EQ(p.At(0x1234), 0x34);
  EXPECT_EQ(p.ToString(), "seq");

  const Pattern plus = Value(ParsePattern(W("seq+1")));
  EXPECT_EQ(plus.At(0), 1);
  EXPECT_EQ(plus.At(255), 0);
  EXPECT_EQ(plus.ToString(), "seq+1");
  EXPECT_EQ(Value(ParsePattern(W("seq+0x100"))).At(3), 3);
  EXPECT_EQ(Value(ParsePattern(W("seq+0x100"))).ToString(), "seq+256");
  EXPECT_EQ(Value(ParsePattern(W("seq+0"))).ToString(), "seq");
  EXPECT_EQ(Value(ParsePattern(W("seq+4K"))).At(1), 1);
  const Pattern wrap = Value(ParsePattern(W("seq+18446744073709551615")));
  EXPECT_EQ(wrap.At(0), 0xff);
  EXPECT_EQ(wrap.At(1), 0);  // wraps around 2^64 without overflow
}

TEST(PatternTest, DefaultsAreZeroBytes) {
  EXPECT_EQ(Pattern().At(5), 0);
  EXPECT_EQ(Pattern().ToString(), "0x00");
  EXPECT_EQ(Pattern::Text("").At(5), 0);  // never divides by zero
}

TEST(PatternTest, Errors) {
  ExpectError(ParsePattern(W("0x100", 6)), 6, "value 256 is larger than 255");
  ExpectError(ParsePattern(W("256", 6)), 6, "value 256 is larger than 255");
  ExpectError(ParsePattern(W("0xzz", 6)), 8, "expected a hex digit after '0x', found 'zz'");
  ExpectError(ParsePattern(Lexed("   \"\"")), 4,
              "expected a non-empty string for a text pattern, found \"\"");
  ExpectError(ParsePattern(W("seq+", 6)), 10,
              "expected a number such as 42, 0x2a or 64K, found nothing");
  ExpectError(ParsePattern(W("seq+x", 6)), 10,
              "expected a number such as 42, 0x2a or 64K, found 'x'");
  ExpectError(ParsePattern(W("seq+18446744073709551616", 6)), 10,
              "value 18446744073709551616 is larger than 18446744073709551615");
  ExpectError(ParsePattern(W("seq-1", 6)), 6,
              "expected a pattern (0xab, \"text\", seq or seq+N), found 'seq-1'");
  ExpectError(ParsePattern(W("zeros", 6)), 6,
              "expected a pattern (0xab, \"text\", seq or seq+N), found 'zeros'");
  ExpectError(ParsePattern(W("", 6)), 6,
              "expected a pattern (0xab, \"text\", seq or seq+N), found nothing");
  ExpectError(ParsePattern(Lexed("x\"abc\"")), 1,
              "expected a pattern (0xab, \"text\", seq or seq+N), found text before a quoted "
              "string");
}

// ToString is the source form: the lexer and ParsePattern read it back.
TEST(PatternTest, ToStringRoundTrips) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  const std::vector<Pattern> patterns = {Pattern::Byte(0),        Pattern::Byte(0x7f),
                                         Pattern::Seq(),          Pattern::Seq(UINT64_MAX),
                                         Pattern::Text("a"),      Pattern::Text("say \"hi\"\\ # x"),
                                         Pattern::Text("\t\n\r"), Pattern::Text(every_byte)};
  for (const Pattern& p : patterns) {
    SCOPED_TRACE(p.ToString());
    const LexResult r = Lex("fill " + p.ToString());
    ASSERT_FALSE(r.error.has_value()) << r.error->message;
    ASSERT_EQ(r.lines.size(), 1u);
    ASSERT_EQ(r.lines[0].words.size(), 2u);
    EXPECT_EQ(Value(ParsePattern(r.lines[0].words[1])), p);
  }
}

// ---- ParseRange ---------------------------------------------------------

TEST(RangeTest, WholeOffsetAndLengthForms) {
  const Range whole = Value(ParseRange(W("buf")));
  EXPECT_EQ(whole.name, "buf");
  EXPECT_EQ(whole.offset, 0u);
  EXPECT_FALSE(whole.length.has_value());

  const Range tail = Value(ParseRange(W("buf[4K:]")));
  EXPECT_EQ(tail.name, "buf");
  EXPECT_EQ(tail.offset, 4096u);
  EXPECT_FALSE(tail.length.has_value());

  const Range part = Value(ParseRange(W("rx_buf-2[0x10:64]")));
  EXPECT_EQ(part.name, "rx_buf-2");
  EXPECT_EQ(part.offset, 16u);
  EXPECT_EQ(part.length, 64u);

  const Range empty = Value(ParseRange(W("_b[0:0]")));
  EXPECT_EQ(empty.length, 0u);
  const Range last = Value(ParseRange(W("b[18446744073709551615:0]")));
  EXPECT_EQ(last.offset, UINT64_MAX);
  EXPECT_EQ(Value(ParseRange(W("b[1:18446744073709551614]"))).length, UINT64_MAX - 1);
}

TEST(RangeTest, Errors) {
  ExpectError(ParseRange(W("", 3)), 3,
              "expected a range such as buf, buf[4K:] or buf[0:64], found nothing");
  ExpectError(ParseRange(W("[0:4]", 3)), 3,
              "expected a range such as buf, buf[4K:] or buf[0:64], found no name");
  ExpectError(ParseRange(W("1buf", 3)), 3, "unexpected '1' in name (expected a letter or '_')");
  ExpectError(
      ParseRange(W("bu.f", 3)), 5,
      "unexpected '.' in name (expected a letter or '_', then letters, digits, '_' or '-')");
  ExpectError(
      ParseRange(W("buf]", 3)), 6,
      "unexpected ']' in name (expected a letter or '_', then letters, digits, '_' or '-')");
  ExpectError(ParseRange(W("buf[5]", 3)), 7,
              "expected OFF:LEN or OFF: inside [], such as buf[0:4K] or buf[4K:]");
  ExpectError(ParseRange(W("buf[", 3)), 7,
              "expected OFF:LEN or OFF: inside [], such as buf[0:4K] or buf[4K:]");
  ExpectError(ParseRange(W("buf[:5]", 3)), 7,
              "expected an offset such as 0, 0x100 or 4K, found nothing");
  ExpectError(ParseRange(W("buf[x:5]", 3)), 7,
              "expected an offset such as 0, 0x100 or 4K, found 'x'");
  ExpectError(ParseRange(W("buf[-1:5]", 3)), 7,
              "expected a non-negative number (0 to 18446744073709551615), found '-1'");
  ExpectError(ParseRange(W("buf[0:y]", 3)), 9,
              "expected a length such as 64, 0x100 or 4K, found 'y'");
  ExpectError(ParseRange(W("buf[0:5", 3)), 10, "expected ']' to close the range");
  ExpectError(ParseRange(W("buf[0:5]x", 3)), 11,
              "unexpected 'x' after ']' (expected the end of the range)");
  ExpectError(ParseRange(W("buf[1:18446744073709551615]", 3)), 6,
              "range end 1 + 18446744073709551615 is larger than 18446744073709551615");
  ExpectError(ParseRange(W("buf[0:99999999999999999999]", 3)), 9,
              "value 99999999999999999999 is larger than 18446744073709551615");
  ExpectError(ParseRange(W("buf[1K:2x]", 3)), 11,
              "unexpected 'x' in number (expected decimal digits, then optionally K, M or G)");
  ExpectError(ParseRange(Lexed("\"buf\"")), 1,
              "expected a range such as buf, buf[4K:] or buf[0:64], found a quoted string");
}

// ---- Robustness ---------------------------------------------------------

// Feeds every parser pseudo-random words: none may crash, every error must
// point inside the word (or just past it), every value must be in range.
TEST(ValuesTest, RandomWordsNeverCrash) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefxKMGnsum.:/[]|=+-seqAB\"\\ \x00\xff";
  sim::Rng rng(7);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Word w;
    w.pos = Pos{1, 1 + static_cast<int>(rng.Below(10))};
    const uint64_t length = rng.Below(24);
    for (uint64_t i = 0; i < length; ++i) {
      w.text += rng.Chance(7, 8) ? kAlphabet[rng.Below(kAlphabet.size())]
                                 : static_cast<char>(rng.Below(256));
    }
    if (rng.Chance(1, 8)) {
      w.quoted = true;
      w.quote_offset = rng.Below(w.text.size() + 1);
    }
    SCOPED_TRACE(testing::Message() << "iteration " << iteration << " word '" << w.text << "'");
    const int last_col = w.pos.col + static_cast<int>(w.text.size());
    auto check_error = [&](const std::optional<Error>& e) {
      if (!e) return;
      EXPECT_EQ(e->pos.line, 1);
      EXPECT_GE(e->pos.col, w.pos.col);
      EXPECT_LE(e->pos.col, last_col);
      EXPECT_FALSE(e->message.empty());
    };
    const Parsed<sim::Time> d = ParseDuration(w);
    check_error(d.error);
    if (d.ok()) {
      EXPECT_GE(d.value, 0);
    }
    const Parsed<uint64_t> u = ParseUint(w, 1000);
    check_error(u.error);
    if (u.ok()) {
      EXPECT_LE(u.value, 1000u);
    }
    const Parsed<int64_t> i = ParseInt(w, -1000, 1000);
    check_error(i.error);
    if (i.ok()) {
      EXPECT_TRUE(i.value >= -1000 && i.value <= 1000);
    }
    check_error(SplitKeyValue(w).error);
    check_error(ParseFlags(w, kFlags).error);
    const Parsed<SockAddr> a = ParseSockAddr(w);
    check_error(a.error);
    if (a.ok()) {
      EXPECT_TRUE(a.value.family == AF_INET || a.value.family == AF_INET6);
    }
    const Parsed<Prefix> p = ParsePrefix(w);
    check_error(p.error);
    if (p.ok()) {
      EXPECT_LE(p.value.length, p.value.family == AF_INET ? 32 : 128);
    }
    const Parsed<Pattern> pattern = ParsePattern(w);
    check_error(pattern.error);
    if (pattern.ok()) {
      (void)pattern.value.At(rng.Next());
      EXPECT_FALSE(pattern.value.ToString().empty());
    }
    const Parsed<Range> r = ParseRange(w);
    check_error(r.error);
    if (r.ok() && r.value.length) {
      EXPECT_LE(*r.value.length, UINT64_MAX - r.value.offset);
    }
  }
}

}  // namespace
}  // namespace zcsim::scenario
