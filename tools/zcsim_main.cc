// zcsim: the command-line front end.
//
//   zcsim run FILE [--seed N] [--trace text|json|none] [--deep_checks]
//   zcsim demo [--seed N] [--trace text|json|none] [--requests N]
//
// Prints the trace on stdout and a summary on stderr. Exit status: 0
// success, 1 a failed expectation or a violated invariant, 2 bad usage or a
// malformed scenario (reported as file:line:col: what is wrong).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "sim/simulator.h"
#include "sim/trace.h"
#include "tools/bench/zc_tx.h"
#include "tools/demo.h"
#include "tools/scenario/runner.h"

#include <fstream>
#include <sstream>

ABSL_FLAG(uint64_t, seed, 1, "seed of the world's random number generator");
ABSL_FLAG(std::string, trace, "text", "trace format: text, json or none");
ABSL_FLAG(int, requests, 4, "demo: number of requests to submit");
ABSL_FLAG(bool, deep_checks, false, "run whole-world invariant checks after every event");
ABSL_FLAG(std::string, profile, "dummy", "bench zc-tx: cost profile (nic or dummy)");
ABSL_FLAG(int, family, 4, "bench zc-tx: address family, 4 or 6");
ABSL_FLAG(int, size, 4000, "bench zc-tx: payload bytes per request (-s)");
ABSL_FLAG(int, batch, 8, "bench zc-tx: requests per submission (-n)");
ABSL_FLAG(std::string, proto, "udp", "bench zc-tx: udp, or tcp to a listener on a far host (-t)");
ABSL_FLAG(int, mode, 2,
          "bench zc-tx: 0 copy (io_uring SEND), 1 zc, 2 zc with a fixed buffer, 3 mixed (-m); "
          "tcp also 4 send() and 5 send(MSG_ZEROCOPY)");
ABSL_FLAG(bool, flush, false, "bench zc-tx: flush the notification slot with every zc send (-f)");
ABSL_FLAG(bool, cork, false, "bench zc-tx: UDP_CORK around each batch (-c)");
ABSL_FLAG(int, runtime_us, 2000, "bench: virtual run time per measurement, microseconds");
ABSL_FLAG(bool, wall_clock, false, "bench: measure the simulator's own speed instead of virtual time");
ABSL_FLAG(uint64_t, wall_clock_requests, 200000, "bench zc-tx --wall_clock: requests to send");

namespace zcsim::tools {
namespace {

constexpr char kUsage[] =
    "zcsim: a deterministic simulation of the Linux zerocopy send path.\n"
    "usage: zcsim run FILE [--seed N] [--trace text|json|none] [--deep_checks]\n"
    "       zcsim demo [--seed N] [--trace text|json|none] [--requests N]\n"
    "       zcsim bench seed-tables [--runtime_us N]\n"
    "       zcsim bench zc-tx [--proto udp|tcp] [--profile nic|dummy] [--family 4|6] [--size N] [--batch N]\n"
    "                         [--mode 0..5] [--flush] [--cork] [--runtime_us N] [--wall_clock]\n"
    "                         [--wall_clock_requests N]";

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

int RunBench(const std::string& what) {
  if (what == "seed-tables") {
    const auto tables = bench::RunSeedTables(absl::GetFlag(FLAGS_runtime_us) * sim::kMicrosecond);
    std::printf("%s", bench::FormatSeedTables(tables).c_str());
    double worst = 0;
    for (const auto& t : tables) {
      for (const auto& r : t.rows) worst = std::max({worst, std::abs(r.gain_error[0]), std::abs(r.gain_error[1])});
    }
    std::printf("largest gain error: %.1f points (goal: 5)\n", worst);
    return 0;
  }
  if (what != "zc-tx") return Usage(fmt::format("unknown benchmark '{}'", what));
  const bench::CostProfile* profile = bench::FindProfile(absl::GetFlag(FLAGS_profile));
  if (profile == nullptr) return Usage("--profile must be nic or dummy");
  bench::ZcTxOptions o;
  o.family = absl::GetFlag(FLAGS_family);
  o.size = static_cast<uint32_t>(std::max(0, absl::GetFlag(FLAGS_size)));
  o.batch = absl::GetFlag(FLAGS_batch);
  const std::string proto = absl::GetFlag(FLAGS_proto);
  if (proto != "udp" && proto != "tcp") return Usage("--proto must be udp or tcp");
  o.proto = proto == "tcp" ? bench::Proto::kTcp : bench::Proto::kUdp;
  const int mode = absl::GetFlag(FLAGS_mode);
  if (mode < 0 || mode > 5) return Usage("--mode must be 0..5");
  o.mode = static_cast<bench::Mode>(mode);
  o.flush = absl::GetFlag(FLAGS_flush);
  o.cork = absl::GetFlag(FLAGS_cork);
  o.runtime = absl::GetFlag(FLAGS_runtime_us) * sim::kMicrosecond;
  o.wall_clock = absl::GetFlag(FLAGS_wall_clock);
  o.wall_clock_requests = absl::GetFlag(FLAGS_wall_clock_requests);
  o.seed = absl::GetFlag(FLAGS_seed);
  bench::ZcTxResult r;
  std::string error;
  if (!bench::RunZcTx(*profile, o, &r, &error)) return Usage(error);
  std::printf("tx=%llu (MB=%llu), tx/s=%.0f (MB/s=%.0f), notifications=%llu, failed=%llu, %s %.6f s (%s profile)\n",
              static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.bytes >> 20),
              r.requests_per_second(), r.mb_per_second(), static_cast<unsigned long long>(r.notifications),
              static_cast<unsigned long long>(r.failed), o.wall_clock ? "wall-clock" : "virtual", r.seconds,
              profile->name.c_str());
  std::printf("simulated %.3f Gbit/s over %.6f virtual s\n", r.sim_gbit_per_second(), r.sim_seconds);
  if (o.proto == bench::Proto::kTcp) {
    std::printf("tcp: received=%llu bytes (sent %llu), zc sends=%llu, notified=%llu, duplicates=%llu, copied=%llu\n",
                static_cast<unsigned long long>(r.received), static_cast<unsigned long long>(r.bytes),
                static_cast<unsigned long long>(r.zc_sends), static_cast<unsigned long long>(r.notified),
                static_cast<unsigned long long>(r.duplicates), static_cast<unsigned long long>(r.copied));
  }
  return 0;
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
  if (command == "bench" && args.size() == 3) return zcsim::tools::RunBench(args[2]);
  if (command == "demo") return zcsim::tools::Usage("demo takes no arguments");
  return zcsim::tools::Usage(fmt::format("unknown command '{}'", command));
}
