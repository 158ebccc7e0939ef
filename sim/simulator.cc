#include "sim/simulator.h"

#include <utility>

namespace zcsim::sim {

Simulator::Simulator(uint64_t seed, CheckMode mode)
    : rng_(seed), tracer_(&scheduler_), checker_(&scheduler_, &tracer_, mode) {
  scheduler_.SetAfterEventHook([this] { AfterEvent(); });
}

const char* CostName(Cost c) {
  switch (c) {
    case Cost::kRequest:
      return "request";
    case Cost::kCopySend:
      return "copy_send";
    case Cost::kCopyByte:
      return "copy_byte";
    case Cost::kLargeAlloc:
      return "large_alloc";
    case Cost::kDmaSegment:
      return "dma_segment";
    case Cost::kNotification:
      return "notification";
    case Cost::kCount:
      break;
  }
  return "?";
}

void Simulator::AddWorldCheck(std::string name, std::function<void()> check) {
  world_checks_.push_back({std::move(name), std::move(check)});
}

void Simulator::RunWorldChecks() {
  for (WorldCheck& c : world_checks_) c.check();
}

void Simulator::AfterEvent() {
  // SIM-1: an event scheduled in the past is a model bug (time would run
  // backwards); the scheduler clamped it, the checker names it.
  if (scheduler_.past_schedules() != past_schedules_seen_) {
    past_schedules_seen_ = scheduler_.past_schedules();
    checker_.Fail("SIM-1", ObjectId{"event", static_cast<uint32_t>(scheduler_.events_run())},
                  "an event was scheduled before the current virtual time");
  }
  if (checker_.deep()) RunWorldChecks();
}

}  // namespace zcsim::sim
