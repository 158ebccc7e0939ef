// zcsim: the command-line front end.
//
//   zcsim run FILE [--seed N] [--trace text|json|none] [--deep_checks]
//   zcsim demo [--seed N] [--trace text|json|none] [--requests N]
//
// Prints the trace on stdout and a summary on stderr. Exit status: 0
// success, 1 a failed expectation or a violated invariant, 2 bad usage or a
// malformed scenario (reported as file:line:col: what is wrong).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "sim/simulator.h"
#include "sim/trace.h"
#include "tools/demo.h"
#include "tools/scenario/runner.h"

#include <fstream>
#include <sstream>

ABSL_FLAG(uint64_t, seed, 1, "seed of the world's random number generator");
ABSL_FLAG(std::string, trace, "text", "trace format: text, json or none");
ABSL_FLAG(int, requests, 4, "demo: number of requests to submit");
ABSL_FLAG(bool, deep_checks, false, "run whole-world invariant checks after every event");

namespace zcsim::tools {
namespace {

constexpr char kUsage[] =
    "zcsim: a deterministic simulation of the Linux zerocopy send path.\n"
    "usage: zcsim run FILE [--seed N] [--trace text|json|none] [--deep_checks]\n"
    "       zcsim demo [--seed N] [--trace text|json|none] [--requests N]";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "zcsim: %s\n%s\n", problem.c_str(), kUsage);
  return 2;
}

bool TraceFormatOk(const std::string& format) { return format == "text" || format == "json" || format == "none"; }

int RunFile(const std::string& path) {
  const std::string format = absl::GetFlag(FLAGS_trace);
  if (!TraceFormatOk(format)) return Usage(fmt::format("--trace must be text, json or none, not '{}'", format));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "zcsim: cannot read %s\n", path.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  sim::Simulator sim(absl::GetFlag(FLAGS_seed), sim::CheckMode::kReport);
  sim::TextSink text_sink(sim::FileWriter(stdout));
  sim::JsonSink json_sink(sim::FileWriter(stdout));
  sim::HashSink hash;
  sim.tracer().AddSink(&hash);
  if (format == "text") sim.tracer().AddSink(&text_sink);
  if (format == "json") sim.tracer().AddSink(&json_sink);
  const scenario::RunReport report = scenario::RunScenario(path, text.str(), sim, absl::GetFlag(FLAGS_deep_checks));
  std::fflush(stdout);
  if (report.code == scenario::kMalformed) {
    std::fprintf(stderr, "%s", report.message.c_str());
    return 2;
  }
  std::fprintf(stderr, "%s", report.message.c_str());
  for (const sim::Violation& w : sim.checker().warnings()) std::fprintf(stderr, "zcsim: warning: %s\n", w.ToString().c_str());
  std::fprintf(stderr, "zcsim run %s: %s, seed %llu, %d statements, %d expectations, %llu trace records, "
               "virtual time %s, trace hash %016llx\n",
               path.c_str(), report.code == scenario::kPassed ? "passed" : "FAILED",
               static_cast<unsigned long long>(sim.rng().seed()), report.statements, report.expectations,
               static_cast<unsigned long long>(hash.records()), sim::FormatTime(sim.now()).c_str(),
               static_cast<unsigned long long>(hash.hash()));
  return report.code == scenario::kPassed ? 0 : 1;
}

int RunDemo() {
  const std::string format = absl::GetFlag(FLAGS_trace);
  if (!TraceFormatOk(format)) return Usage(fmt::format("--trace must be text, json or none, not '{}'", format));
  DemoOptions options;
  options.requests = absl::GetFlag(FLAGS_requests);
  if (options.requests < 0 || options.requests > 1000000) {
    return Usage("--requests must be between 0 and 1000000");
  }
  sim::Simulator sim(absl::GetFlag(FLAGS_seed), sim::CheckMode::kReport);
  sim.checker().set_deep(absl::GetFlag(FLAGS_deep_checks));
  sim::TextSink text(sim::FileWriter(stdout));
  sim::JsonSink json(sim::FileWriter(stdout));
  sim::HashSink hash;
  sim.tracer().AddSink(&hash);
  if (format == "text") sim.tracer().AddSink(&text);
  if (format == "json") sim.tracer().AddSink(&json);

  const DemoResult result = RunCoreDemo(sim, options);
  std::fflush(stdout);
  std::fprintf(stderr, "zcsim demo: seed %llu, %llu events, %llu trace records, %d notifications, "
               "trace hash %016llx\n",
               static_cast<unsigned long long>(sim.rng().seed()),
               static_cast<unsigned long long>(result.events),
               static_cast<unsigned long long>(hash.records()), result.notifications,
               static_cast<unsigned long long>(hash.hash()));
  for (const sim::Violation& v : sim.checker().violations()) {
    std::fprintf(stderr, "zcsim: %s\n", v.ToString().c_str());
  }
  return sim.checker().ok() ? 0 : 1;
}

}  // namespace
}  // namespace zcsim::tools

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(zcsim::tools::kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return zcsim::tools::Usage("missing command");
  const std::string command = args[1];
  if (command == "run" && args.size() == 3) return zcsim::tools::RunFile(args[2]);
  if (command == "run") return zcsim::tools::Usage("run takes one scenario file");
  if (command == "demo" && args.size() == 2) return zcsim::tools::RunDemo();
  if (command == "demo") return zcsim::tools::Usage("demo takes no arguments");
  return zcsim::tools::Usage(fmt::format("unknown command '{}'", command));
}
