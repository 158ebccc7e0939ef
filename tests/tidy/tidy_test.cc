// Runs the tidy rules over every model source (sim/, net/, uring/), and
// proves each rule fires on a planted violation.
#include "tests/tidy/tidy.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace zcsim::tidy {

std::vector<std::string> g_files;  // set by main from the command line

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += f.file + ":" + std::to_string(f.line) + ": " + f.rule + ": " + f.text + "\n";
  }
  return out;
}

TEST(TidyTest, ModelSourcesWereFound) {
  ASSERT_GE(g_files.size(), 10u) << "the tidy test must see the model sources";
  for (const std::string& f : g_files) {
    EXPECT_FALSE(ReadFile(f).empty()) << f;
  }
}

TEST(TidyTest, ModelCodeIsDeterministic) {
  std::vector<Finding> all;
  for (const std::string& f : g_files) {
    const std::vector<Finding> found = CheckDeterminism(f, ReadFile(f));
    all.insert(all.end(), found.begin(), found.end());
  }
  EXPECT_TRUE(all.empty()) << Describe(all);
}

TEST(TidyTest, NoLayerIncludesAHigherOne) {
  std::vector<Finding> all;
  for (const std::string& f : g_files) {
    const std::vector<Finding> found = CheckLayering(f, ReadFile(f));
    all.insert(all.end(), found.begin(), found.end());
  }
  EXPECT_TRUE(all.empty()) << Describe(all);
}

// The rules themselves must be able to fail.
TEST(TidyRulesTest, CatchPlantedViolations) {
  const char* planted[][2] = {
      {"wall-clock", "auto t = std::chrono::steady_clock::now();"},
      {"wall-clock", "long s = time(nullptr);"},
      {"rand", "int r = rand();"},
      {"rand", "std::random_device rd;"},
      {"threads", "std::thread worker(fn);"},
      {"pointer-printing", "fmt::print(\"{}\", fmt::ptr(skb));"},
      {"pointer-printing", "printf(\"%p\", skb);"},
  };
  for (const auto& [rule, code] : planted) {
    const std::vector<Finding> found = CheckDeterminism("net/x.cc", code);
    ASSERT_EQ(found.size(), 1u) << code;
    EXPECT_EQ(found[0].rule, rule) << code;
  }
}

TEST(TidyRulesTest, IgnoreCommentsStringsAndLookalikes) {
  EXPECT_TRUE(CheckDeterminism("sim/x.cc", "// rand() is forbidden\n").empty());
  EXPECT_TRUE(CheckDeterminism("sim/x.cc", "/* std::thread */ int x;\n").empty());
  EXPECT_TRUE(CheckDeterminism("sim/x.cc", "Log(\"run time(s)\");\n").empty());
  EXPECT_TRUE(CheckDeterminism("sim/x.cc", "Time now = clock.time();\n").empty());
  EXPECT_TRUE(CheckDeterminism("sim/x.cc", "uint64_t operand(int);\n").empty());
}

TEST(TidyRulesTest, LayeringFlagsOnlyUpwardIncludes) {
  EXPECT_EQ(CheckLayering("sim/a.cc", "#include \"net/skbuff.h\"\n").size(), 1u);
  EXPECT_EQ(CheckLayering("net/a.cc", "#include \"uring/notif.h\"\n").size(), 1u);
  EXPECT_EQ(CheckLayering("uring/a.cc", "  #include \"tools/demo.h\"\n").size(), 1u);
  EXPECT_TRUE(CheckLayering("uring/a.cc", "#include \"net/skbuff.h\"\n").empty());
  EXPECT_TRUE(CheckLayering("net/a.cc", "#include \"sim/trace.h\"\n").empty());
  EXPECT_TRUE(CheckLayering("tools/a.cc", "#include \"uring/io_uring.h\"\n").empty());
}

TEST(TidyRulesTest, StrippingKeepsLineNumbers) {
  const std::string stripped = StripCommentsAndLiterals("a /* x\n y */ b\n\"s\\\"t\" c // z\n");
  EXPECT_EQ(stripped, "a \n b\n\"\" c \n");
}

}  // namespace
}  // namespace zcsim::tidy

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) zcsim::tidy::g_files.push_back(argv[i]);
  return RUN_ALL_TESTS();
}
