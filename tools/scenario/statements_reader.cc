// A far-host application reading at a fixed rate (net/app_reader.h):
// `reader SOCK bytes=N every=D` and `expect reader SOCK ...`.
#include <fmt/format.h>

#include "net/app_reader.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {

bool CompileReader(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "reader SOCK bytes=N every=DURATION [-> RESULT]") ||
      !c.OnlyKeys(args, {"bytes", "every"}) || !c.KnownSock(args.pos[1])) {
    return false;
  }
  if (!args.kv.count("bytes") || !args.kv.count("every")) return c.Fail(line.pos, "reader needs bytes=N and every=DURATION");
  uint64_t chunk;
  sim::Time every;
  if (!c.Take(ParseUint(args.kv.at("bytes"), 1 << 30), &chunk) || !c.Take(ParseDuration(args.kv.at("every")), &every)) {
    return false;
  }
  long expected = 0;
  if (args.has_arrow && !c.ExpectedResult(args, 0, &expected)) return false;
  const std::string sock = args.pos[1].text;
  step->action = [sock, chunk, every, expected](Env& env) -> std::optional<std::string> {
    const SockHandle s = env.socks.at(sock);
    const int rc = net::app_reader_start(s.host, s.fd, chunk, every);
    if (rc != expected) return fmt::format("reader: expected {}, got {}", ResultName(expected), ResultName(rc));
    return std::nullopt;
  };
  return true;
}

bool CompileReaderState(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "expect reader SOCK [bytes=N] [reads=N] [done=0|1] [data=PATTERN|RANGE]") ||
      !c.OnlyKeys(args, {"bytes", "reads", "done", "data"}) || !c.KnownSock(args.pos[2])) {
    return false;
  }
  std::map<std::string, uint64_t> nums;
  for (const char* key : {"bytes", "reads", "done"}) {
    if (!args.kv.count(key)) continue;
    uint64_t v;
    if (!c.Take(ParseUint(args.kv.at(key), uint64_t{1} << 40), &v)) return false;
    nums[key] = v;
  }
  std::optional<Pattern> pattern;
  std::optional<Range> range;
  if (args.kv.count("data")) {
    const Word& w = args.kv.at("data");
    auto as_pattern = ParsePattern(w);
    Range r;
    if (as_pattern.ok()) {
      pattern = as_pattern.value;
    } else if (c.Take(ParseRange(w), &r)) {
      if (!c.regions.count(r.name)) return c.Fail(w.pos, fmt::format("unknown memory region '{}'", r.name));
      range = r;
    } else {
      return false;
    }
  }
  const std::string sock = args.pos[2].text;
  step->action = [sock, nums, pattern, range](Env& env) -> std::optional<std::string> {
    const SockHandle s = env.socks.at(sock);
    const net::AppReader* r = net::app_reader_find(s.host, s.fd);
    if (r == nullptr) return fmt::format("no reader on {}", sock);
    for (const auto& [key, want] : nums) {
      ++env.expectations;
      const uint64_t got = key == "bytes" ? r->data.size() : key == "reads" ? r->reads : (r->done ? 1 : 0);
      if (got != want) return fmt::format("reader on {}: expected {}={}, got {}={}", sock, key, want, key, got);
    }
    return CompareReceivedData(env, pattern, range, r->data);
  };
  return true;
}

}  // namespace zcsim::scenario
