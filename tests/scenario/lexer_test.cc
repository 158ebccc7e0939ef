#include "tools/scenario/lexer.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "sim/rng.h"
#include "sim/time.h"

namespace zcsim::scenario {
namespace {

std::vector<std::string> Texts(const Line& line) {
  std::vector<std::string> out;
  for (const Word& w : line.words) out.push_back(w.text);
  return out;
}

// Lexes `text`, which must be valid.
std::vector<Line> LexOk(std::string_view text) {
  LexResult r = Lex(text);
  EXPECT_FALSE(r.error.has_value()) << FormatError("test", *r.error);
  return r.lines;
}

// Lexes `text`, which must fail at line:col with exactly `message`.
void ExpectError(std::string_view text, int line, int col, std::string_view message) {
  SCOPED_TRACE(testing::Message() << "input: " << text);
  const LexResult r = Lex(text);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_TRUE(r.lines.empty());
  EXPECT_EQ(r.error->pos.line, line);
  EXPECT_EQ(r.error->pos.col, col);
  EXPECT_EQ(r.error->message, message);
}

TEST(LexerTest, EmptyBlankAndCommentOnlyInputsGiveNoLines) {
  for (std::string_view text : {"", "\n", "\n\n\n", "   \t  \n\t\n", "# only a comment",
                                "  # indented comment\n#another\n", "\r\n", "#\"not a quote"}) {
    const LexResult r = Lex(text);
    EXPECT_FALSE(r.error.has_value()) << text;
    EXPECT_TRUE(r.lines.empty()) << text;
  }
}

TEST(LexerTest, SplitsWordsAndRecordsTheirColumns) {
  const std::vector<Line> lines = LexOk("send tx len=64K\n");
  ASSERT_EQ(lines.size(), 1u);
  const Line& l = lines[0];
  EXPECT_EQ(Texts(l), (std::vector<std::string>{"send", "tx", "len=64K"}));
  EXPECT_EQ(l.pos, (Pos{1, 1}));
  EXPECT_EQ(l.words[0].pos, (Pos{1, 1}));
  EXPECT_EQ(l.words[1].pos, (Pos{1, 6}));
  EXPECT_EQ(l.words[2].pos, (Pos{1, 9}));
  EXPECT_EQ(l.time_kind, TimeKind::kNone);
  EXPECT_EQ(l.time, 0);
  for (const Word& w : l.words) EXPECT_FALSE(w.quoted);
}

TEST(LexerTest, TabsAndRunsOfBlanksSeparateWordsAndCountAsOneColumnEach) {
  const std::vector<Line> lines = LexOk("\t  send\t\ttx   \t");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"send", "tx"}));
  EXPECT_EQ(lines[0].pos, (Pos{1, 4}));
  EXPECT_EQ(lines[0].words[1].pos, (Pos{1, 10}));
}

TEST(LexerTest, LineNumbersCountBlankAndCommentLines) {
  const std::vector<Line> lines = LexOk("\n# header\n\n  first a\n\n\tsecond # trailing\nthird");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].pos, (Pos{4, 3}));
  EXPECT_EQ(lines[1].pos, (Pos{6, 2}));
  EXPECT_EQ(Texts(lines[1]), (std::vector<std::string>{"second"}));
  EXPECT_EQ(lines[2].pos, (Pos{7, 1}));  // no newline at the end of the file
}

TEST(LexerTest, CommentStartsOnlyAtTheStartOfAWord) {
  const std::vector<Line> lines =
      LexOk("expect skb#3 freed #a comment\nrecv # \"unterminated in a comment");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"expect", "skb#3", "freed"}));
  EXPECT_EQ(Texts(lines[1]), (std::vector<std::string>{"recv"}));
}

TEST(LexerTest, HashAndBlanksInsideQuotesAreText) {
  const std::vector<Line> lines = LexOk("print \"a # b\tc\" \"#\" tail # real comment");
  ASSERT_EQ(lines.size(), 1u);
  const Line& l = lines[0];
  EXPECT_EQ(Texts(l), (std::vector<std::string>{"print", "a # b\tc", "#", "tail"}));
  EXPECT_FALSE(l.words[0].quoted);
  EXPECT_TRUE(l.words[1].quoted);
  EXPECT_TRUE(l.words[1].fully_quoted());
  EXPECT_EQ(l.words[1].pos, (Pos{1, 7}));
  EXPECT_TRUE(l.words[2].fully_quoted());
  EXPECT_EQ(l.words[2].pos, (Pos{1, 17}));
  EXPECT_FALSE(l.words[3].quoted);
  EXPECT_EQ(l.words[3].pos, (Pos{1, 21}));
}

TEST(LexerTest, DecodesEscapesInQuotes) {
  const std::vector<Line> lines = LexOk(R"(x "\"q\" \\ \n \t \x41\x7a\x00\xFF")");
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].words.size(), 2u);
  EXPECT_EQ(lines[0].words[1].text, std::string("\"q\" \\ \n \t Az\0\xff", 14));
}

TEST(LexerTest, EmptyQuotedStringIsAWord) {
  const std::vector<Line> lines = LexOk("x \"\" y");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"x", "", "y"}));
  EXPECT_TRUE(lines[0].words[1].fully_quoted());
}

TEST(LexerTest, QuotedStringMayFollowABarePrefix) {
  const std::vector<Line> lines = LexOk("send data=\"a b=c\" n=1");
  ASSERT_EQ(lines.size(), 1u);
  const Word& w = lines[0].words[1];
  EXPECT_EQ(w.text, "data=a b=c");
  EXPECT_TRUE(w.quoted);
  EXPECT_FALSE(w.fully_quoted());
  EXPECT_EQ(w.quote_offset, 5u);
  EXPECT_EQ(w.pos, (Pos{1, 6}));
  EXPECT_EQ(lines[0].words[2].pos, (Pos{1, 19}));
}

TEST(LexerTest, UnicodeBytesPassThrough) {
  const std::vector<Line> lines = LexOk("say h\xc3\xa9llo \"\xe2\x9c\x93\"");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"say", "h\xc3\xa9llo", "\xe2\x9c\x93"}));
  EXPECT_EQ(lines[0].words[2].pos, (Pos{1, 12}));  // columns count bytes
}

TEST(LexerTest, AcceptsCrlfLineEnds) {
  const std::vector<Line> lines = LexOk("a b\r\n\r\n\"c\"\r\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Texts(lines[1]), (std::vector<std::string>{"c"}));
  EXPECT_EQ(lines[1].pos, (Pos{3, 1}));
}

TEST(LexerTest, AbsoluteTimePrefix) {
  const std::vector<Line> lines = LexOk("  @10us send tx\n@1.5ms\trecv\n@0s x\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].time_kind, TimeKind::kAbsolute);
  EXPECT_EQ(lines[0].time, 10 * sim::kMicrosecond);
  EXPECT_EQ(lines[0].time_pos, (Pos{1, 3}));
  EXPECT_EQ(lines[0].pos, (Pos{1, 3}));  // the statement starts at its prefix
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"send", "tx"}));
  EXPECT_EQ(lines[0].words[0].pos, (Pos{1, 9}));
  EXPECT_EQ(lines[1].time, 1500 * sim::kMicrosecond);
  EXPECT_EQ(Texts(lines[1]), (std::vector<std::string>{"recv"}));
  EXPECT_EQ(lines[2].time_kind, TimeKind::kAbsolute);
  EXPECT_EQ(lines[2].time, 0);
}

TEST(LexerTest, RelativeTimePrefix) {
  const std::vector<Line> lines = LexOk("@1s a\n+250ns b\n+0s c # same instant\nd");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].time_kind, TimeKind::kRelative);
  EXPECT_EQ(lines[1].time, 250);
  EXPECT_EQ(lines[1].time_pos, (Pos{2, 1}));
  EXPECT_EQ(lines[2].time_kind, TimeKind::kRelative);
  EXPECT_EQ(lines[2].time, 0);
  EXPECT_EQ(lines[3].time_kind, TimeKind::kNone);
}

TEST(LexerTest, OnlyTheFirstWordCanBeATimePrefix) {
  const std::vector<Line> lines = LexOk("wait @10us +5\n\"@1s\" x\n\"+\"");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].time_kind, TimeKind::kNone);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"wait", "@10us", "+5"}));
  EXPECT_EQ(lines[1].time_kind, TimeKind::kNone);  // quoted: text, not a prefix
  EXPECT_EQ(Texts(lines[1]), (std::vector<std::string>{"@1s", "x"}));
  EXPECT_EQ(lines[2].time_kind, TimeKind::kNone);
}

TEST(LexerTest, FormatErrorLooksLikeACompilerMessage) {
  EXPECT_EQ(FormatError("a.zcs", Error{Pos{3, 7}, "unknown flag 'X'"}),
            "a.zcs:3:7: unknown flag 'X'");
  const LexResult r = Lex("ok\n  say \"abc\n");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(FormatError("t.zcs", *r.error),
            "t.zcs:2:7: unterminated string (expected a closing '\"' before the end of the line)");
}

TEST(LexerTest, UnterminatedStringPointsAtItsOpeningQuote) {
  const std::string kMessage =
      "unterminated string (expected a closing '\"' before the end of the line)";
  ExpectError("say \"abc", 1, 5, kMessage);
  ExpectError("ok\n  x \"a\nb\"", 2, 5, kMessage);  // strings do not span lines
  ExpectError("\"abc\\", 1, 1, kMessage);           // backslash at the end of the line
  ExpectError("\"\\x4", 1, 1, kMessage);            // \x cut short by the end of the line
  ExpectError("k=\"v # not a comment", 1, 3, kMessage);
}

TEST(LexerTest, ErrorDiscardsEarlierLines) {
  ExpectError("a\nb\n\"c", 3, 1,
              "unterminated string (expected a closing '\"' before the end of the line)");
}

TEST(LexerTest, StringMustEndItsWord) {
  ExpectError("x \"a\"b", 1, 6,
              "unexpected 'b' after the closing quote (expected a space, a tab, a comment or the "
              "end of the line)");
  ExpectError("\"a\"\"b\"", 1, 4,
              "unexpected '\"' after the closing quote (expected a space, a tab, a comment or the "
              "end of the line)");
  // A comment right after the quote is fine.
  const std::vector<Line> lines = LexOk("\"a\"# c");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Texts(lines[0]), (std::vector<std::string>{"a"}));
}

TEST(LexerTest, BadEscapes) {
  ExpectError("x \"ab\\qc\"", 1, 6,
              "unknown escape '\\q' (expected \\\", \\\\, \\n, \\t or \\xNN)");
  ExpectError("\"\\xg1\"", 1, 4, "expected two hex digits after '\\x', found 'g'");
  ExpectError("\"\\x4\"", 1, 5, "expected two hex digits after '\\x', found '\"'");
  ExpectError(std::string_view("\"\\\x01\"", 4), 1, 2,
              "unknown escape '\\\\x01' (expected \\\", \\\\, \\n, \\t or \\xNN)");
}

TEST(LexerTest, ControlCharactersAreRejected) {
  ExpectError(std::string_view("ab\x01"
                               "c",
                               4),
              1, 3,
              "unexpected control character 0x01 (expected printable text; write \\x01 inside a "
              "quoted string)");
  ExpectError(std::string_view("x \"a\0b\"", 7), 1, 5,
              "unexpected control character 0x00 (expected printable text; write \\x00 inside a "
              "quoted string)");
  ExpectError("a\rb", 1, 2,
              "unexpected control character 0x0d (expected printable text; write \\x0d inside a "
              "quoted string)");
  ExpectError("ok\n\x7f", 2, 1,
              "unexpected control character 0x7f (expected printable text; write \\x7f inside a "
              "quoted string)");
  // ...but not inside comments.
  EXPECT_TRUE(LexOk(std::string_view("a # \x01\x7f\0", 7)).size() == 1);
}

TEST(LexerTest, TimePrefixErrors) {
  ExpectError("@ send", 1, 2, "expected a duration after '@', such as @10us or @1.5ms");
  ExpectError("  + send", 1, 4, "expected a duration after '+', such as +10us or +1.5ms");
  ExpectError("@10 send", 1, 4, "expected a unit (ns, us, ms or s) after '10'");
  ExpectError("@10xs send", 1, 4, "unknown unit 'xs' (expected ns, us, ms or s)");
  ExpectError("@-5us send", 1, 2,
              "expected a non-negative duration such as 10us, 1.5ms or 0s, found '-5us'");
  ExpectError("@send", 1, 2, "expected a duration such as 10us, 1.5ms or 0s, found 'send'");
  ExpectError("+1.0005ns x", 1, 2, "duration is not a whole number of nanoseconds");
  ExpectError("\n@99999999999999999999s x", 2, 2,
              "duration 99999999999999999999s is too large (the largest is 9223372036854775807ns)");
  ExpectError("@\"1s\" x", 1, 2,
              "expected a duration such as 10us, 1.5ms or 0s, found a quoted string");
}

TEST(LexerTest, TimePrefixNeedsAStatement) {
  ExpectError("@10us", 1, 1, "expected a statement after the time prefix '@10us'");
  ExpectError("a\n  +1ms   # comment", 2, 3, "expected a statement after the time prefix '+1ms'");
}

TEST(LexerTest, LargestTimePrefix) {
  const std::vector<Line> lines = LexOk("@9223372036854775807ns x");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].time, sim::kTimeMax);
}

// Draws a byte, biased towards the characters the lexer treats specially.
char RandomByte(sim::Rng& rng) {
  static constexpr std::string_view kSpecial = "\"\\#@+ \t\n\r\nx0159.nsum=|[]:";
  if (rng.Chance(3, 4)) return kSpecial[rng.Below(kSpecial.size())];
  return static_cast<char>(rng.Below(256));
}

// Whatever the bytes, Lex returns lines or an error, never both, with
// positions inside the input.
TEST(LexerTest, RandomInputsNeverCrash) {
  sim::Rng rng(20240611);
  int errors = 0;
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string text;
    const uint64_t length = rng.Below(80);
    for (uint64_t i = 0; i < length; ++i) text += RandomByte(rng);
    SCOPED_TRACE(testing::Message() << "iteration " << iteration);
    const LexResult r = Lex(text);
    int newlines = 0;
    for (char c : text) newlines += c == '\n';
    if (r.error) {
      ++errors;
      EXPECT_TRUE(r.lines.empty());
      EXPECT_GE(r.error->pos.line, 1);
      EXPECT_LE(r.error->pos.line, newlines + 1);
      EXPECT_GE(r.error->pos.col, 1);
      EXPECT_LE(r.error->pos.col, static_cast<int>(text.size()) + 1);
      EXPECT_FALSE(r.error->message.empty());
      continue;
    }
    int previous_line = 0;
    for (const Line& line : r.lines) {
      EXPECT_GT(line.pos.line, previous_line);
      previous_line = line.pos.line;
      EXPECT_FALSE(line.words.empty());
      EXPECT_GE(line.time, 0);
      for (const Word& w : line.words) {
        EXPECT_EQ(w.pos.line, line.pos.line);
        EXPECT_GE(w.pos.col, line.pos.col);
        EXPECT_LE(w.quote_offset, w.text.size());
      }
    }
  }
  // The biased alphabet exercises both outcomes.
  EXPECT_GT(errors, 100);
  EXPECT_LT(errors, 4900);
}

}  // namespace
}  // namespace zcsim::scenario
