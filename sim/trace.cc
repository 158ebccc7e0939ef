#include "sim/trace.h"

#include <algorithm>

#include "sim/scheduler.h"

namespace zcsim::sim {
namespace {

void AppendObjects(std::string& out, const TraceRecord& r) {
  for (const TraceObject& obj : r.objects) {
    out += ' ';
    out += obj.id.ToString();
    if (obj.fields.empty()) continue;
    out += '(';
    for (size_t i = 0; i < obj.fields.size(); ++i) {
      if (i > 0) out += ',';
      fmt::format_to(std::back_inserter(out), "{}={}", obj.fields[i].name, obj.fields[i].value);
    }
    out += ')';
  }
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

std::string RenderText(const TraceRecord& r) {
  std::string out = fmt::format("{:>12} {:>6} ev{:<6} {:<5} {:<28}", FormatTime(r.time), r.seq,
                                r.event, r.subsystem, r.func);
  AppendObjects(out, r);
  if (!r.message.empty()) {
    out += " : ";
    out += r.message;
  }
  return out;
}

std::string RenderJson(const TraceRecord& r) {
  std::string out = fmt::format(R"({{"t":{},"seq":{},"ev":{},"sys":)", r.time, r.seq, r.event);
  AppendJsonString(out, r.subsystem);
  out += R"(,"fn":)";
  AppendJsonString(out, r.func);
  out += R"(,"obj":[)";
  for (size_t i = 0; i < r.objects.size(); ++i) {
    const TraceObject& obj = r.objects[i];
    if (i > 0) out += ',';
    out += R"({"id":)";
    AppendJsonString(out, obj.id.ToString());
    for (const TraceField& f : obj.fields) {
      out += ',';
      AppendJsonString(out, f.name);
      fmt::format_to(std::back_inserter(out), ":{}", f.value);
    }
    out += '}';
  }
  out += R"(],"msg":)";
  AppendJsonString(out, r.message);
  out += '}';
  return out;
}

void TextSink::Write(const TraceRecord& record) {
  std::string line = RenderText(record);
  line += '\n';
  writer_(line);
}

void JsonSink::Write(const TraceRecord& record) {
  std::string line = RenderJson(record);
  line += '\n';
  writer_(line);
}

void HashSink::Write(const TraceRecord& record) {
  std::string line = RenderText(record);
  line += '\n';
  for (const char c : line) {
    hash_ ^= static_cast<unsigned char>(c);
    hash_ *= 0x100000001b3ULL;
  }
  ++records_;
}

TextSink::Writer FileWriter(std::FILE* file) {
  return [file](std::string_view s) { std::fwrite(s.data(), 1, s.size(), file); };
}

TextSink::Writer StringWriter(std::string* out) {
  return [out](std::string_view s) { out->append(s); };
}

void Tracer::RemoveSink(TraceSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Tracer::Emit(TraceRecord record) {
  record.seq = next_seq_++;
  if (clock_ != nullptr) {
    record.time = clock_->now();
    record.event = clock_->current().seq;
  }
  for (TraceSink* sink : sinks_) sink->Write(record);
}

}  // namespace zcsim::sim
