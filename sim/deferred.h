// Deferred-work queues named after the kernel's: softirq, task_work and
// workqueue. Work added to a queue does not run by itself; a later layer
// drains the queue at the explicit point where the kernel would run it
// (task_work when the submitting task next enters the kernel or waits,
// softirq after the interrupt that raised it, a workqueue when its worker is
// scheduled). Queues are FIFO, which is what the kernel guarantees for
// task_work added by one context and what keeps the order reproducible.
#ifndef ZCSIM_SIM_DEFERRED_H_
#define ZCSIM_SIM_DEFERRED_H_

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "sim/scheduler.h"

namespace zcsim::sim {

class Tracer;

enum class DeferredKind { kSoftirq, kTaskWork, kWorkqueue };

const char* DeferredKindName(DeferredKind kind);

class DeferredQueue {
 public:
  // `owner` names the queue in traces, e.g. "task#1" or "cpu0".
  DeferredQueue(DeferredKind kind, std::string owner, Tracer* tracer = nullptr);
  DeferredQueue(const DeferredQueue&) = delete;
  DeferredQueue& operator=(const DeferredQueue&) = delete;

  // Queues `fn`; `label` (a static string, the kernel function that will
  // run) is what inspection and the trace show.
  void Add(const char* label, Callback fn);

  // Runs queued work in FIFO order, including work queued while draining,
  // until the queue is empty. Returns how many items ran.
  size_t Drain();
  // Runs only the oldest item. Returns false if the queue was empty.
  bool RunOne();

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  // The labels of queued work, oldest first.
  std::vector<const char*> PendingLabels() const;
  DeferredKind kind() const { return kind_; }
  const std::string& owner() const { return owner_; }
  uint64_t total_run() const { return total_run_; }

 private:
  struct Item {
    const char* label;
    Callback fn;
  };

  DeferredKind kind_;
  std::string owner_;
  Tracer* tracer_;
  std::deque<Item> items_;
  bool draining_ = false;
  uint64_t total_run_ = 0;
};

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_DEFERRED_H_
