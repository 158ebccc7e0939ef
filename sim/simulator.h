// The deterministic core of one simulated world: a scheduler (the clock),
// the seeded RNG, the trace and the checker, wired together. Higher layers
// (net/, uring/) build their world on one Simulator.
#ifndef ZCSIM_SIM_SIMULATOR_H_
#define ZCSIM_SIM_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/check.h"
#include "sim/cost.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "sim/trace.h"

namespace zcsim::sim {

class Simulator {
 public:
  explicit Simulator(uint64_t seed, CheckMode mode = CheckMode::kAbort);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Scheduler& scheduler() { return scheduler_; }
  Rng& rng() { return rng_; }
  Tracer& tracer() { return tracer_; }
  Checker& checker() { return checker_; }
  CostModel& costs() { return costs_; }
  Time now() const { return scheduler_.now(); }

  // A whole-world check (name for reports) run after every event while deep
  // checking is on. It reports through checker() itself.
  void AddWorldCheck(std::string name, std::function<void()> check);
  // Runs every world check now (also callable at explicit points).
  void RunWorldChecks();

 private:
  void AfterEvent();

  Scheduler scheduler_;
  Rng rng_;
  Tracer tracer_;
  Checker checker_;
  CostModel costs_;
  uint64_t past_schedules_seen_ = 0;
  struct WorldCheck {
    std::string name;
    std::function<void()> check;
  };
  std::vector<WorldCheck> world_checks_;
};

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_SIMULATOR_H_
