// The one event scheduler of a simulated world.
//
// Events are ordered by virtual time, then by a sequence number that grows
// with every schedule call, so two events at the same instant run in the
// order they were scheduled. That total order is what makes a run
// reproducible: nothing else (no pointer, no hash) decides who goes first.
//
// Callbacks live in a slab and the heap holds small plain records, so a
// schedule-and-run costs a heap push/pop of 24 bytes and one indirect call.
// Measured by //tests/bench:scheduler_bench.
#ifndef ZCSIM_SIM_SCHEDULER_H_
#define ZCSIM_SIM_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "sim/callback.h"
#include "sim/time.h"

namespace zcsim::sim {

// Names a scheduled event so that it can be cancelled. Stale handles (the
// event already ran or was cancelled) are recognised and ignored.
struct EventHandle {
  uint32_t slot = UINT32_MAX;
  uint64_t seq = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

// What is running now: a violation report names it.
struct CurrentEvent {
  uint64_t seq = 0;        // 0 outside any event (set-up code)
  const char* label = "";  // static string given at schedule time
  Time time = 0;
};

class Scheduler {
 public:
  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Time now() const { return now_; }

  // Schedules `fn` at absolute time `when`. A time in the past is a model bug:
  // it is clamped to now() and counted in past_schedules() (the checker turns
  // that into a violation; the scheduler itself knows no checker).
  EventHandle At(Time when, const char* label, Callback fn);
  EventHandle After(Time delay, const char* label, Callback fn) {
    return At(now_ + delay, label, std::move(fn));
  }

  // Returns true if the event was still pending.
  bool Cancel(EventHandle handle);

  // Runs the earliest event. Returns false when idle (nothing ran).
  bool RunOne();
  // Runs every event due at or before `until`, then advances now() to `until`.
  size_t RunUntil(Time until);
  // Runs until no event is pending.
  size_t RunUntilIdle();
  // Runs at most `budget` events.
  size_t RunSteps(size_t budget);

  bool idle() const { return live_ == 0; }
  size_t pending() const { return live_; }
  // Time of the next pending event, or kTimeMax when idle.
  Time next_time();
  uint64_t events_run() const { return events_run_; }
  uint64_t past_schedules() const { return past_schedules_; }
  const CurrentEvent& current() const { return current_; }

  // A run loop stops before the next event once a stop is requested (the
  // checker requests one when it reports a violation in CLI mode).
  void RequestStop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }

  // Called after every event (whole-world invariant checks hang here).
  void SetAfterEventHook(std::function<void()> hook) { after_event_ = std::move(hook); }

 private:
  struct HeapEntry {
    Time when;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    Callback fn;
    const char* label = "";
    uint64_t seq = 0;  // 0 when free or cancelled
  };
  static bool Earlier(const HeapEntry& a, const HeapEntry& b) {
    if (a.when != b.when) return a.when < b.when;
    return a.seq < b.seq;
  }
  // A 4-ary min-heap: shallower than a binary heap, and its four children
  // share a cache line, which is what the hot pop path pays for.
  void HeapPush(HeapEntry entry);
  void HeapPopTop();
  // Drops cancelled entries from the top of the heap.
  void SkipCancelled();
  void RunTop();

  Time now_ = 0;
  uint64_t next_seq_ = 1;
  size_t live_ = 0;
  uint64_t events_run_ = 0;
  uint64_t past_schedules_ = 0;
  bool stop_requested_ = false;
  CurrentEvent current_;
  std::vector<HeapEntry> heap_;
  // A deque keeps slot addresses stable, so a callback runs in place even
  // when it schedules new events.
  std::deque<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::function<void()> after_event_;
};

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_SCHEDULER_H_
