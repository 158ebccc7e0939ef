// Every scenario file is a test case. Files under tests/scenarios/ must
// pass; each is also run twice to prove a byte-identical trace. Files under
// malformed/ and failing/ state, in a first-line comment, the exact report
// the runner must give:
//   # expect-malformed: LINE:COL: MESSAGE
//   # expect-failure: LINE:COL: MESSAGE-PREFIX
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/simulator.h"
#include "sim/trace.h"
#include "tools/scenario/runner.h"

namespace zcsim::scenario {

std::vector<std::string> g_files;  // from the command line

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  RunReport report;
  uint64_t hash;
  uint64_t records;
};

Outcome RunFile(const std::string& path, uint64_t seed, bool deep) {
  sim::Simulator sim(seed, sim::CheckMode::kReport);
  sim::HashSink hash;
  sim.tracer().AddSink(&hash);
  Outcome o{RunScenario(path, ReadFile(path), sim, deep), 0, 0};
  o.hash = hash.hash();
  o.records = hash.records();
  return o;
}

std::string Directive(const std::string& text, const std::string& key) {
  const size_t at = text.find("# " + key + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + key.size() + 4;
  return text.substr(start, text.find('\n', start) - start);
}

// "" selects the passing scenarios (not in a subdirectory).
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& f : g_files) {
    const bool malformed = f.find("/malformed/") != std::string::npos;
    const bool failing = f.find("/failing/") != std::string::npos;
    if ((dir == "malformed" && malformed) || (dir == "failing" && failing) ||
        (dir.empty() && !malformed && !failing)) {
      out.push_back(f);
    }
  }
  return out;
}

std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(info.param.rfind('/') + 1);
  name = name.substr(0, name.rfind('.'));
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ScenarioTest : public testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, Passes) {
  const Outcome o = RunFile(GetParam(), 1, /*deep=*/true);
  EXPECT_EQ(o.report.code, kPassed) << o.report.message;
  EXPECT_GT(o.report.expectations, 0) << "a scenario must check something";
}

TEST_P(ScenarioTest, IsDeterministic) {
  const Outcome a = RunFile(GetParam(), 7, false);
  const Outcome b = RunFile(GetParam(), 7, false);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.records, b.records);
  EXPECT_GT(a.records, 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, testing::ValuesIn(FilesIn("")), TestName);

class MalformedTest : public testing::TestWithParam<std::string> {};

TEST_P(MalformedTest, IsReportedWithItsPosition) {
  const std::string text = ReadFile(GetParam());
  const std::string want = Directive(text, "expect-malformed");
  ASSERT_FALSE(want.empty()) << "missing '# expect-malformed: LINE:COL: MESSAGE'";
  const Outcome o = RunFile(GetParam(), 1, false);
  EXPECT_EQ(o.report.code, kMalformed);
  EXPECT_EQ(o.report.message, GetParam() + ":" + want + "\n");
}

INSTANTIATE_TEST_SUITE_P(Malformed, MalformedTest, testing::ValuesIn(FilesIn("malformed")), TestName);

class FailingTest : public testing::TestWithParam<std::string> {};

TEST_P(FailingTest, FailsWhereItSays) {
  const std::string text = ReadFile(GetParam());
  const std::string want = Directive(text, "expect-failure");
  ASSERT_FALSE(want.empty()) << "missing '# expect-failure: LINE:COL: MESSAGE'";
  const Outcome o = RunFile(GetParam(), 1, false);
  EXPECT_EQ(o.report.code, kFailed);
  EXPECT_EQ(o.report.message.rfind(GetParam() + ":" + want, 0), 0u) << o.report.message;
}

INSTANTIATE_TEST_SUITE_P(Failing, FailingTest, testing::ValuesIn(FilesIn("failing")), TestName);

}  // namespace
}  // namespace zcsim::scenario

int main(int argc, char** argv) {
  // Parameterized suites read the file list when InitGoogleTest registers
  // them, so it must be there first.
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--", 0) != 0) zcsim::scenario::g_files.push_back(argv[i]);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
