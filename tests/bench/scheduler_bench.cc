// Schedule-and-run throughput of the event scheduler, tracing off.
//
//   bazel run -c opt //tests/bench:scheduler_bench
//
// Goal (issue 2): at least 20 million events per second on one core.
#include <benchmark/benchmark.h>

#include "sim/rng.h"
#include "sim/scheduler.h"
#include "sim/simulator.h"
#include "sim/trace.h"

namespace zcsim::sim {
namespace {

// Keeps `depth` events pending; each run schedules one replacement at a
// random future time, so the heap is exercised at a steady size.
void BM_ScheduleAndRun(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  Scheduler s;
  Rng rng(1);
  uint64_t sink = 0;
  struct Reschedule {
    Scheduler* s;
    Rng* rng;
    uint64_t* sink;
    void operator()() const {
      ++*sink;
      s->After(static_cast<Time>(rng->Below(1000) + 1), "bench", Reschedule{*this});
    }
  };
  for (int i = 0; i < depth; ++i) s.At(i, "bench", Reschedule{&s, &rng, &sink});
  for (auto _ : state) s.RunOne();
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScheduleAndRun)->Arg(1)->Arg(64)->Arg(4096);

// The same through a whole Simulator (after-event hook, tracer off): the
// cost a model event pays in the real world.
void BM_SimulatorEventTracingOff(benchmark::State& state) {
  Simulator sim(1);
  uint64_t count = 0;
  struct Tick {
    Simulator* sim;
    uint64_t* count;
    void operator()() const {
      ++*count;
      ZC_TRACE(sim->tracer(), "bench", "tick").Msg("{}", *count);
      sim->scheduler().After(1, "tick", Tick{*this});
    }
  };
  for (int i = 0; i < 64; ++i) sim.scheduler().At(i, "tick", Tick{&sim, &count});
  for (auto _ : state) sim.scheduler().RunOne();
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimulatorEventTracingOff);

}  // namespace
}  // namespace zcsim::sim

BENCHMARK_MAIN();
