// Runs a scenario file: compiles every statement first (a malformed file is
// reported as `file:line:col: what is wrong` before anything runs), then
// executes them on one simulated world in virtual time.
//
// The grammar, with examples, is documented in tests/scenarios/README.md.
#ifndef ZCSIM_TOOLS_SCENARIO_RUNNER_H_
#define ZCSIM_TOOLS_SCENARIO_RUNNER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/simulator.h"

namespace zcsim::scenario {

enum ExitCode { kPassed = 0, kFailed = 1, kMalformed = 2 };

struct RunReport {
  ExitCode code = kPassed;
  // For kFailed / kMalformed: "file:line:col: ..." lines, ready to print.
  std::string message;
  int statements = 0;      // statements executed
  int expectations = 0;    // expectations checked
};

// Compiles and runs `text` (named `file` in messages) on `sim`; the caller
// attaches trace sinks to sim.tracer() beforehand and chooses the seed.
RunReport RunScenario(std::string_view file, std::string_view text, sim::Simulator& sim,
                      bool deep_checks = false);

}  // namespace zcsim::scenario

#endif  // ZCSIM_TOOLS_SCENARIO_RUNNER_H_
