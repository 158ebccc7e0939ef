#include "tests/fuzz/scheduler_fuzz.h"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "sim/scheduler.h"

namespace zcsim::fuzz {

std::string RunSchedulerProgram(const uint8_t* data, size_t size) {
  sim::Scheduler s;
  struct Expected {
    sim::Time when;
    bool cancelled = false;
    int runs = 0;
  };
  std::map<uint64_t, Expected> events;  // by sequence number: ordered, deterministic
  std::vector<sim::EventHandle> handles;
  std::string error;
  sim::Time last_time = 0;
  uint64_t last_seq = 0;

  auto on_run = [&](uint64_t seq) {
    Expected& e = events[seq];
    ++e.runs;
    if (e.cancelled) error = fmt::format("cancelled event {} ran", seq);
    if (e.runs > 1) error = fmt::format("event {} ran twice", seq);
    if (s.now() != e.when) error = fmt::format("event {} ran at {} not {}", seq, s.now(), e.when);
    if (s.now() < last_time || (s.now() == last_time && seq < last_seq)) {
      error = fmt::format("event {} at {} ran after event {} at {}", seq, s.now(), last_seq,
                          last_time);
    }
    last_time = s.now();
    last_seq = seq;
  };

  for (size_t i = 0; i + 1 < size && error.empty(); i += 2) {
    const uint8_t op = data[i] % 5;
    const uint8_t arg = data[i + 1];
    switch (op) {
      case 0:
      case 1: {  // schedule at now + arg (twice as likely as the others)
        const sim::Time when = s.now() + arg;
        const uint64_t seq_holder_index = handles.size();
        handles.push_back(s.At(when, "fuzz", [&, seq_holder_index] {
          on_run(handles[seq_holder_index].seq);
        }));
        events[handles.back().seq] = Expected{when};
        break;
      }
      case 2:  // cancel a previously scheduled event
        if (!handles.empty()) {
          const sim::EventHandle h = handles[arg % handles.size()];
          Expected& e = events[h.seq];
          const bool pending = !e.cancelled && e.runs == 0;
          if (s.Cancel(h) != pending) error = fmt::format("Cancel({}) disagreed", h.seq);
          if (pending) e.cancelled = true;
        }
        break;
      case 3:
        s.RunSteps(arg % 8);
        break;
      case 4:
        s.RunUntil(s.now() + arg);
        break;
    }
  }
  if (!error.empty()) return error;
  s.RunUntilIdle();
  if (!error.empty()) return error;
  for (const auto& [seq, e] : events) {
    if (!e.cancelled && e.runs != 1) return fmt::format("event {} ran {} times", seq, e.runs);
  }
  return "";
}

}  // namespace zcsim::fuzz
