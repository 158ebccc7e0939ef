// zcsim: the command-line front end.
//
//   zcsim demo [--seed N] [--trace text|json|none] [--requests N]
//
// Prints the trace on stdout and a one-line summary on stderr. Exit status:
// 0 success, 1 an invariant was violated, 2 bad usage.
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

ABSL_FLAG(uint64_t, seed, 1, "seed of the world's random number generator");
ABSL_FLAG(std::string, trace, "text", "trace format: text, json or none");
ABSL_FLAG(int, requests, 4, "demo: number of requests to submit");
ABSL_FLAG(bool, deep_checks, false, "run whole-world invariant checks after every event");

namespace zcsim::tools {
namespace {

constexpr char kUsage[] =
    "zcsim: a deterministic simulation of the Linux zerocopy send path.\n"
    "usage: zcsim demo [--seed N] [--trace text|json|none] [--requests N]";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "zcsim: %s\n%s\n", problem.c_str(), kUsage);
  return 2;
}

int RunDemo() {
  const std::string format = absl::GetFlag(FLAGS_trace);
  if (format != "text" && format != "json" && format != "none") {
    return Usage(fmt::format("--trace must be text, json or none, not '{}'", format));
  }
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
  if (command == "demo" && args.size() == 2) return zcsim::tools::RunDemo();
  if (command == "demo") return zcsim::tools::Usage("demo takes no arguments");
  return zcsim::tools::Usage(fmt::format("unknown command '{}'", command));
}
