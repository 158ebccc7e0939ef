// Invariant checks.
//
// A violated rule is reported with its id (the INV-n numbers of the kernel
// reference, or SIM-n for the simulator's own rules), the object that broke
// it, the scheduler event in which it happened, and a message:
//
//   INV-12 violated by notif#3 in event #4411 (tx_completion) at 0.000120000:
//     notification CQE posted before its request CQE
//
// Two levels, like the kernel's WARN_ON and DEBUG_NET_WARN_ON_ONCE: ZC_CHECK
// is cheap and always on; ZC_DEEP_CHECK (and whole-world checks registered
// with the Simulator) run only when deep checking is switched on.
//
// Mode kAbort (tests) prints the report and aborts. Mode kReport (CLI)
// records it, traces it, and asks the scheduler to stop the run; the model
// code that detected it carries on to a safe exit.
#ifndef ZCSIM_SIM_CHECK_H_
#define ZCSIM_SIM_CHECK_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/ids.h"
#include "sim/time.h"

namespace zcsim::sim {

class Scheduler;
class Tracer;

struct Violation {
  std::string rule;  // "INV-12"
  ObjectId object;
  uint64_t event = 0;
  std::string event_label;
  Time time = 0;
  std::string message;

  std::string ToString() const;
};

enum class CheckMode { kAbort, kReport };

class Checker {
 public:
  Checker(Scheduler* scheduler, Tracer* tracer, CheckMode mode = CheckMode::kAbort)
      : scheduler_(scheduler), tracer_(tracer), mode_(mode) {}
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  void set_mode(CheckMode mode) { mode_ = mode; }
  CheckMode mode() const { return mode_; }
  void set_deep(bool deep) { deep_ = deep; }
  bool deep() const { return deep_; }

  // Reports a violation of `rule` by `object`.
  void Fail(std::string_view rule, ObjectId object, std::string message);
  // Records a warning: a misuse by the simulated *user* program (e.g.
  // USER-1, a zerocopy buffer written before its notification). The model
  // stays correct, so the run goes on; scenarios expect warnings explicitly.
  void Warn(std::string_view rule, ObjectId object, std::string message);

  const std::vector<Violation>& violations() const { return violations_; }
  const std::vector<Violation>& warnings() const { return warnings_; }
  bool ok() const { return violations_.empty(); }
  uint64_t checks_failed() const { return violations_.size(); }

 private:
  Scheduler* scheduler_;
  Tracer* tracer_;
  CheckMode mode_;
  bool deep_ = false;
  std::vector<Violation> violations_;
  std::vector<Violation> warnings_;
};

}  // namespace zcsim::sim

// ZC_CHECK(checker, cond, "INV-1", ubuf_id, "refcnt {} below zero", refcnt);
#define ZC_CHECK(checker, cond, rule, object, ...)                              \
  do {                                                                          \
    if (__builtin_expect(!(cond), 0))                                           \
      (checker).Fail((rule), (object), ::fmt::format(__VA_ARGS__));             \
  } while (0)

// Whole-structure checks: evaluated only when deep checking is on.
#define ZC_DEEP_CHECK(checker, cond, rule, object, ...)                         \
  do {                                                                          \
    if ((checker).deep() && !(cond))                                            \
      (checker).Fail((rule), (object), ::fmt::format(__VA_ARGS__));             \
  } while (0)

#endif  // ZCSIM_SIM_CHECK_H_
