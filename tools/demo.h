// A built-in demonstration of the deterministic core: the shape of a
// zerocopy send's life, with abstract objects instead of the network models
// (those arrive with the scenario runner).
//
// A task submits requests at random (seeded) times. Each request takes a
// reference on a "buffer" object and hands it to a "device" that finishes
// after a random delay; the device's completion runs as softirq work and
// drops the reference. When the last reference goes, a notification is
// queued as task_work, which runs only when the task next "enters the
// kernel" (its next submission or its final wait). The trace shows every
// reference move with stable ids.
#ifndef ZCSIM_TOOLS_DEMO_H_
#define ZCSIM_TOOLS_DEMO_H_

#include <cstdint>

#include "sim/simulator.h"

namespace zcsim::tools {

struct DemoOptions {
  int requests = 4;
  sim::Time max_submit_gap = 20 * sim::kMicrosecond;
  sim::Time max_device_delay = 50 * sim::kMicrosecond;
};

struct DemoResult {
  int notifications = 0;
  uint64_t events = 0;
};

// Runs the demo to completion on `sim` (which the caller seeds and traces).
DemoResult RunCoreDemo(sim::Simulator& sim, const DemoOptions& options);

}  // namespace zcsim::tools

#endif  // ZCSIM_TOOLS_DEMO_H_
