// The trace: one structured record per model event.
//
// A record carries the virtual time, its own sequence number, the scheduler
// event it happened in, the subsystem, the kernel function it models, the
// objects involved (stable ids plus the counters a reader wants to watch,
// e.g. users=1 dataref=2) and a message. Sinks render records as fixed-column
// text (one line each, diffable like ftrace), as JSON lines, into memory, or
// into a running hash used by determinism tests.
//
// With no sink attached, tracing is off and ZC_TRACE costs one branch: the
// record is never built.
#ifndef ZCSIM_SIM_TRACE_H_
#define ZCSIM_SIM_TRACE_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "absl/container/inlined_vector.h"
#include "sim/ids.h"
#include "sim/time.h"

namespace zcsim::sim {

class Scheduler;

struct TraceField {
  const char* name;  // static: "refcnt", "users", "dataref", ...
  int64_t value;
};

struct TraceObject {
  ObjectId id;
  absl::InlinedVector<TraceField, 4> fields;
};

struct TraceRecord {
  Time time = 0;
  uint64_t seq = 0;    // this record's number, 1, 2, 3 ... per run
  uint64_t event = 0;  // the scheduler event it happened in (0: set-up)
  const char* subsystem = "";
  const char* func = "";  // the kernel function modelled
  absl::InlinedVector<TraceObject, 3> objects;
  std::string message;
};

// Fixed-column text: time, seq, event, subsystem, function, objects, message.
std::string RenderText(const TraceRecord& r);
// One JSON object (no trailing newline).
std::string RenderJson(const TraceRecord& r);

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Write(const TraceRecord& record) = 0;
};

// Writes each rendered line (with '\n') to a writer: a FILE*, a string...
class TextSink : public TraceSink {
 public:
  using Writer = std::function<void(std::string_view)>;
  explicit TextSink(Writer writer) : writer_(std::move(writer)) {}
  void Write(const TraceRecord& record) override;

 private:
  Writer writer_;
};

class JsonSink : public TraceSink {
 public:
  explicit JsonSink(TextSink::Writer writer) : writer_(std::move(writer)) {}
  void Write(const TraceRecord& record) override;

 private:
  TextSink::Writer writer_;
};

// FNV-1a 64 over the text rendering of every record: two runs with the same
// hash wrote byte-identical text traces.
class HashSink : public TraceSink {
 public:
  void Write(const TraceRecord& record) override;
  uint64_t hash() const { return hash_; }
  uint64_t records() const { return records_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  uint64_t records_ = 0;
};

// Keeps every record, for tests and scenario expectations.
class MemorySink : public TraceSink {
 public:
  void Write(const TraceRecord& record) override { records_.push_back(record); }
  const std::vector<TraceRecord>& records() const { return records_; }
  void Clear() { records_.clear(); }

 private:
  std::vector<TraceRecord> records_;
};

TextSink::Writer FileWriter(std::FILE* file);
TextSink::Writer StringWriter(std::string* out);

class Tracer {
 public:
  // `clock` gives time and the current event; may be null (time 0).
  explicit Tracer(const Scheduler* clock = nullptr) : clock_(clock) {}
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  bool enabled() const { return !sinks_.empty(); }
  // The tracer does not own sinks; they must outlive it or be removed.
  void AddSink(TraceSink* sink) { sinks_.push_back(sink); }
  void RemoveSink(TraceSink* sink);
  // Stamps time, seq and event, then hands the record to every sink.
  void Emit(TraceRecord record);
  uint64_t emitted() const { return next_seq_ - 1; }

 private:
  const Scheduler* clock_;
  std::vector<TraceSink*> sinks_;
  uint64_t next_seq_ = 1;
};

// Builds one record and emits it when the full expression ends.
class TraceBuilder {
 public:
  TraceBuilder(Tracer& tracer, const char* subsystem, const char* func) : tracer_(tracer) {
    record_.subsystem = subsystem;
    record_.func = func;
  }
  TraceBuilder(const TraceBuilder&) = delete;
  TraceBuilder& operator=(const TraceBuilder&) = delete;
  ~TraceBuilder() { tracer_.Emit(std::move(record_)); }

  TraceBuilder& Obj(ObjectId id, std::initializer_list<TraceField> fields = {}) {
    record_.objects.push_back({id, {fields.begin(), fields.end()}});
    return *this;
  }
  template <typename... Args>
  TraceBuilder& Msg(fmt::format_string<Args...> format, Args&&... args) {
    record_.message = fmt::format(format, std::forward<Args>(args)...);
    return *this;
  }

 private:
  Tracer& tracer_;
  TraceRecord record_;
};

}  // namespace zcsim::sim

// ZC_TRACE(tracer, "net", "skb_zcopy_set").Obj(id, {{"refcnt", 2}}).Msg("...");
// When tracing is off nothing after the branch is evaluated.
#define ZC_TRACE(tracer, subsystem, func) \
  if (!(tracer).enabled()) {              \
  } else                                  \
    ::zcsim::sim::TraceBuilder((tracer), (subsystem), (func))

#endif  // ZCSIM_SIM_TRACE_H_
