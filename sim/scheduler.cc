#include "sim/scheduler.h"

#include <utility>

#include "sim/assert.h"

namespace zcsim::sim {

void Scheduler::HeapPush(HeapEntry entry) {
  size_t i = heap_.size();
  heap_.push_back(entry);
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (!Earlier(entry, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = entry;
}

void Scheduler::HeapPopTop() {
  const HeapEntry last = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (n == 0) return;
  size_t i = 0;
  for (;;) {
    const size_t first = 4 * i + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = first + 4 < n ? first + 4 : n;
    for (size_t c = first + 1; c < end; ++c) {
      if (Earlier(heap_[c], heap_[best])) best = c;
    }
    if (!Earlier(heap_[best], last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
}

EventHandle Scheduler::At(Time when, const char* label, Callback fn) {
  ZC_ASSERT(fn, "scheduling an empty callback");
  if (when < now_) {
    ++past_schedules_;
    when = now_;
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const uint64_t seq = next_seq_++;
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.label = label;
  s.seq = seq;
  HeapPush({when, seq, slot});
  ++live_;
  return {slot, seq};
}

bool Scheduler::Cancel(EventHandle handle) {
  if (!handle.valid() || handle.slot >= slots_.size()) return false;
  Slot& s = slots_[handle.slot];
  if (s.seq != handle.seq || s.seq == 0) return false;
  // The heap entry stays; it is recognised as dead when it reaches the top.
  s.seq = 0;
  s.fn = nullptr;
  --live_;
  return true;
}

void Scheduler::SkipCancelled() {
  while (!heap_.empty()) {
    const HeapEntry& top = heap_.front();
    if (slots_[top.slot].seq == top.seq) return;
    const uint32_t slot = top.slot;
    HeapPopTop();
    free_slots_.push_back(slot);
  }
}

Time Scheduler::next_time() {
  SkipCancelled();
  return heap_.empty() ? kTimeMax : heap_.front().when;
}

void Scheduler::RunTop() {
  const HeapEntry top = heap_.front();
  HeapPopTop();
  Slot& s = slots_[top.slot];
  ZC_ASSERT(s.seq == top.seq, "heap top names a live slot");
  ZC_ASSERT(top.when >= now_, "virtual time never goes backwards");
  current_ = {top.seq, s.label, top.when};
  --live_;
  now_ = top.when;
  ++events_run_;
  // Mark the slot dead before the call so that cancelling the running event
  // from inside it is a no-op; free it only afterwards so it is not reused
  // while its callback still runs.
  s.seq = 0;
  s.fn();
  s.fn = nullptr;
  free_slots_.push_back(top.slot);
  current_ = {};
  if (after_event_) after_event_();
}

bool Scheduler::RunOne() {
  SkipCancelled();
  if (heap_.empty()) return false;
  RunTop();
  return true;
}

size_t Scheduler::RunUntil(Time until) {
  size_t ran = 0;
  while (!stop_requested_ && next_time() <= until) {
    RunTop();
    ++ran;
  }
  if (!stop_requested_ && until > now_) now_ = until;
  return ran;
}

size_t Scheduler::RunUntilIdle() {
  size_t ran = 0;
  while (!stop_requested_ && RunOne()) ++ran;
  return ran;
}

size_t Scheduler::RunSteps(size_t budget) {
  size_t ran = 0;
  while (ran < budget && !stop_requested_ && RunOne()) ++ran;
  return ran;
}

}  // namespace zcsim::sim
