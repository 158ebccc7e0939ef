#include "tools/demo.h"

#include <memory>
#include <vector>

#include "sim/deferred.h"
#include "sim/ids.h"
#include "sim/trace.h"

namespace zcsim::tools {
namespace {

using sim::ObjectId;
using sim::Time;

// The demo's one refcounted object: one per request, like a notifier.
struct Buffer {
  ObjectId id;
  int refcnt = 0;
};

class Demo {
 public:
  Demo(sim::Simulator& sim, const DemoOptions& options)
      : sim_(sim),
        options_(options),
        softirq_(sim::DeferredKind::kSoftirq, "cpu0", &sim.tracer()),
        task_work_(sim::DeferredKind::kTaskWork, "task#1", &sim.tracer()) {}

  DemoResult Run() {
    Time at = 0;
    for (int i = 0; i < options_.requests; ++i) {
      at += sim_.rng().Between(1, options_.max_submit_gap);
      sim_.scheduler().At(at, "submit", [this] { Submit(); });
    }
    sim_.scheduler().RunUntilIdle();
    EnterKernel("final wait");
    ZC_CHECK(sim_.checker(), result_.notifications == options_.requests, "DEMO-1", ObjectId{},
             "{} requests but {} notifications", options_.requests, result_.notifications);
    result_.events = sim_.scheduler().events_run();
    return result_;
  }

 private:
  void Get(Buffer& b, const char* why) {
    ++b.refcnt;
    ZC_TRACE(sim_.tracer(), "demo", "get").Obj(b.id, {{"refcnt", b.refcnt}}).Msg("{}", why);
  }

  void Put(Buffer& b, const char* why) {
    ZC_CHECK(sim_.checker(), b.refcnt > 0, "DEMO-2", b.id, "put on a dead buffer");
    --b.refcnt;
    ZC_TRACE(sim_.tracer(), "demo", "put").Obj(b.id, {{"refcnt", b.refcnt}}).Msg("{}", why);
    if (b.refcnt == 0) {
      task_work_.Add("notify", [this, &b] { Notify(b); });
    }
  }

  // The task enters the kernel: pending task_work runs first.
  void EnterKernel(const char* why) {
    ZC_TRACE(sim_.tracer(), "demo", "enter_kernel")
        .Msg("{}, {} task_work pending", why, task_work_.size());
    task_work_.Drain();
  }

  void Submit() {
    EnterKernel("submit");
    buffers_.push_back(std::make_unique<Buffer>());
    Buffer& b = *buffers_.back();
    b.id = ids_.Next();
    Get(b, "submitter's reference");
    Get(b, "device's reference");
    const Time delay = sim_.rng().Between(1, options_.max_device_delay);
    ZC_TRACE(sim_.tracer(), "demo", "queue_to_device")
        .Obj(b.id, {{"refcnt", b.refcnt}})
        .Msg("device completes in {}", sim::FormatDuration(delay));
    sim_.scheduler().After(delay, "device_completion", [this, &b] {
      softirq_.Add("complete", [this, &b] { Put(b, "device done"); });
      softirq_.Drain();
    });
    Put(b, "submitter done");
  }

  void Notify(Buffer& b) {
    ++result_.notifications;
    ZC_TRACE(sim_.tracer(), "demo", "notify")
        .Obj(b.id, {{"refcnt", b.refcnt}})
        .Msg("buffer may be reused ({} of {})", result_.notifications, options_.requests);
  }

  sim::Simulator& sim_;
  DemoOptions options_;
  sim::DeferredQueue softirq_;
  sim::DeferredQueue task_work_;
  sim::IdCounter ids_{"buf"};
  std::vector<std::unique_ptr<Buffer>> buffers_;
  DemoResult result_;
};

}  // namespace

DemoResult RunCoreDemo(sim::Simulator& sim, const DemoOptions& options) {
  return Demo(sim, options).Run();
}

}  // namespace zcsim::tools
