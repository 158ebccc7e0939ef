#include "sim/check.h"

#include <cstdio>
#include <cstdlib>

#include "sim/scheduler.h"
#include "sim/trace.h"

namespace zcsim::sim {

std::string Violation::ToString() const {
  const std::string where =
      event == 0 ? std::string("outside any event")
                 : fmt::format("in event #{} ({})", event, event_label);
  return fmt::format("{} violated by {} {} at {}: {}", rule, object.ToString(), where,
                     FormatTime(time), message);
}

namespace {

Violation Describe(Scheduler* scheduler, std::string_view rule, ObjectId object,
                   std::string message) {
  Violation v;
  v.rule = std::string(rule);
  v.object = object;
  if (scheduler != nullptr) {
    v.event = scheduler->current().seq;
    v.event_label = scheduler->current().label;
    v.time = scheduler->now();
  }
  v.message = std::move(message);
  return v;
}

}  // namespace

void Checker::Warn(std::string_view rule, ObjectId object, std::string message) {
  Violation v = Describe(scheduler_, rule, object, std::move(message));
  if (tracer_ != nullptr) {
    ZC_TRACE(*tracer_, "check", "WARNING").Obj(object).Msg("{}: {}", v.rule, v.message);
  }
  warnings_.push_back(std::move(v));
}

void Checker::Fail(std::string_view rule, ObjectId object, std::string message) {
  Violation v = Describe(scheduler_, rule, object, std::move(message));
  if (tracer_ != nullptr) {
    ZC_TRACE(*tracer_, "check", "VIOLATION").Obj(object).Msg("{}: {}", v.rule, v.message);
  }
  if (mode_ == CheckMode::kAbort) {
    std::fprintf(stderr, "zcsim: %s\n", v.ToString().c_str());
    std::fflush(stderr);
    std::abort();
  }
  violations_.push_back(std::move(v));
  if (scheduler_ != nullptr) scheduler_->RequestStop();
}

}  // namespace zcsim::sim
