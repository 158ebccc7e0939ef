#include "sim/deferred.h"

#include <utility>

#include "sim/assert.h"
#include "sim/trace.h"

namespace zcsim::sim {

const char* DeferredKindName(DeferredKind kind) {
  switch (kind) {
    case DeferredKind::kSoftirq:
      return "softirq";
    case DeferredKind::kTaskWork:
      return "task_work";
    case DeferredKind::kWorkqueue:
      return "workqueue";
  }
  return "?";
}

DeferredQueue::DeferredQueue(DeferredKind kind, std::string owner, Tracer* tracer)
    : kind_(kind), owner_(std::move(owner)), tracer_(tracer) {}

void DeferredQueue::Add(const char* label, Callback fn) {
  ZC_ASSERT(fn, "deferring an empty callback");
  items_.push_back({label, std::move(fn)});
  if (tracer_ != nullptr) {
    ZC_TRACE(*tracer_, "sim", "queue_deferred")
        .Msg("{} {} += {} (pending {})", DeferredKindName(kind_), owner_, label, items_.size());
  }
}

bool DeferredQueue::RunOne() {
  if (items_.empty()) return false;
  Item item = std::move(items_.front());
  items_.pop_front();
  if (tracer_ != nullptr) {
    ZC_TRACE(*tracer_, "sim", "run_deferred")
        .Msg("{} {} runs {}", DeferredKindName(kind_), owner_, item.label);
  }
  ++total_run_;
  item.fn();
  return true;
}

size_t DeferredQueue::Drain() {
  // Softirqs do not nest: a local_bh_enable() inside a softirq handler
  // (a loopback transmit from NET_RX, say) leaves the pending work to the
  // loop already running (__do_softirq), not to a recursive one.
  if (kind_ == DeferredKind::kSoftirq && draining_) return 0;
  draining_ = true;
  size_t ran = 0;
  while (RunOne()) ++ran;
  draining_ = false;
  return ran;
}

std::vector<const char*> DeferredQueue::PendingLabels() const {
  std::vector<const char*> labels;
  labels.reserve(items_.size());
  for (const Item& item : items_) labels.push_back(item.label);
  return labels;
}

}  // namespace zcsim::sim
