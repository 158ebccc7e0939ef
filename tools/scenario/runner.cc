#include "tools/scenario/runner.h"

#include <fmt/format.h>

#include "net/invariants.h"
#include "net/uapi.h"
#include "tools/scenario/runner_internal.h"

namespace zcsim::scenario {
namespace {

bool IsKeyValue(const Word& w) {
  const size_t eq = w.text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  return !w.quoted || eq < w.quote_offset;
}

std::string Source(const Line& line) {
  std::string s;
  for (const Word& w : line.words) {
    if (!s.empty()) s += ' ';
    s += w.quoted ? w.text.substr(0, w.quote_offset) + QuoteForMessage(w.text.substr(w.quote_offset)) : w.text;
  }
  return s;
}

bool CompileRun(Compiler& c, const Line& line, const Args& args, Step* step) {
  // run until idle | run until TIME | run DURATION
  step->is_run = true;
  if (!c.OnlyKeys(args, {}) || !c.NoResult(args)) return false;
  if (args.pos.size() == 3 && args.pos[1].text == "until" && args.pos[2].text == "idle") {
    step->action = [](Env& env) -> std::optional<std::string> {
      env.sim.scheduler().RunUntilIdle();
      return std::nullopt;
    };
    return true;
  }
  if (args.pos.size() == 3 && args.pos[1].text == "until") {
    sim::Time t;
    if (!c.Take(ParseDuration(args.pos[2]), &t)) return false;
    step->action = [t](Env& env) -> std::optional<std::string> {
      if (t < env.sim.now()) return fmt::format("cannot run until {}: it is already {}", sim::FormatTime(t), sim::FormatTime(env.sim.now()));
      env.sim.scheduler().RunUntil(t);
      return std::nullopt;
    };
    return true;
  }
  if (args.pos.size() == 2) {
    sim::Time d;
    if (!c.Take(ParseDuration(args.pos[1]), &d)) return false;
    step->action = [d](Env& env) -> std::optional<std::string> {
      env.sim.scheduler().RunUntil(env.sim.now() + d);
      return std::nullopt;
    };
    return true;
  }
  return c.Fail(line.pos, "usage: run until idle | run until TIME | run DURATION");
}

bool CompileLine(Compiler& c, const Line& line, Step* step) {
  Args args;
  if (!c.SplitArgs(line, &args)) return false;
  step->pos = line.pos;
  step->time_kind = line.time_kind;
  step->time = line.time;
  step->source = Source(line);
  const std::string& verb = args.pos.empty() ? std::string() : args.pos[0].text;
  if (args.pos.empty()) return c.Fail(line.pos, "a statement starts with a verb, not key=value");
  if (verb == "run") return CompileRun(c, line, args, step);
  if (verb == "expect") return CompileExpect(c, line, args, step);
  if (IsWorldVerb(verb)) return CompileWorld(c, line, args, step);
  if (IsMemoryVerb(verb)) return CompileMemory(c, line, args, step);
  if (IsCallVerb(verb)) return CompileCall(c, line, args, step);
  if (IsUringVerb(verb)) return CompileUring(c, line, args, step);
  if (IsScriptVerb(verb)) return CompileScript(c, line, args, step);
  if (verb == "reader") return CompileReader(c, line, args, step);
  if (IsPollVerb(verb)) return CompilePollStatement(c, line, args, step);
  return c.Fail(args.pos[0].pos, fmt::format("unknown statement '{}' (see tests/scenarios/README.md)", verb));
}

// Runs the world up to the step's time (zero tolerance: the step runs at
// exactly that instant, after every event due by then).
std::optional<std::string> AdvanceTo(Env& env, const Step& step, sim::Time* last) {
  sim::Time target = env.sim.now();
  if (step.time_kind == TimeKind::kAbsolute) target = step.time;
  if (step.time_kind == TimeKind::kRelative) target = *last + step.time;
  if (target < env.sim.now()) {
    return fmt::format("time {} is in the past (now {})", sim::FormatTime(target), sim::FormatTime(env.sim.now()));
  }
  env.sim.scheduler().RunUntil(target);
  *last = target;
  return std::nullopt;
}

std::string FormatFailure(std::string_view file, const Step& step, const std::string& why) {
  return fmt::format("{}:{}:{}: {}\n  in: {}\n", file, step.pos.line, step.pos.col, why, step.source);
}

}  // namespace

std::string ResultName(long r) { return r >= 0 ? fmt::format("{}", r) : "-" + net::ErrnoName(static_cast<int>(-r)); }

bool Compiler::SplitArgs(const Line& line, Args* args) {
  for (const Word& w : line.words) {
    if (!w.quoted && w.text == "->") {
      if (args->has_arrow) return Fail(w.pos, "a second '->'");
      args->has_arrow = true;
      args->arrow_pos = w.pos;
      continue;
    }
    if (args->has_arrow) {
      args->result.push_back(w);
    } else if (IsKeyValue(w)) {
      KeyValue kv;
      if (!Take(SplitKeyValue(w), &kv)) return false;
      if (args->kv.count(kv.key.text)) return Fail(w.pos, fmt::format("option '{}' given twice", kv.key.text));
      args->kv[kv.key.text] = kv.value;
    } else {
      args->pos.push_back(w);
    }
  }
  if (args->has_arrow && args->result.empty()) return Fail(args->arrow_pos, "'->' needs the expected result after it");
  return true;
}

bool Compiler::OnlyKeys(const Args& args, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : args.kv) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      return Fail(Pos{value.pos.line, value.pos.col - static_cast<int>(key.size()) - 1},
                  list.empty() ? fmt::format("unknown option '{}': this statement takes none", key)
                               : fmt::format("unknown option '{}' (expected one of: {})", key, list));
    }
  }
  return true;
}

bool Compiler::NeedPositionals(const Line& line, const Args& args, size_t n, const char* usage) {
  if (args.pos.size() == n) return true;
  if (args.pos.size() > n) return Fail(args.pos[n].pos, fmt::format("unexpected '{}'; usage: {}", args.pos[n].text, usage));
  return Fail(line.pos, fmt::format("missing arguments; usage: {}", usage));
}

bool Compiler::NoResult(const Args& args) {
  return !args.has_arrow || Fail(args.arrow_pos, "this statement has no result to expect");
}

bool Compiler::KnownHost(const Word& w) {
  return hosts.count(w.text) || Fail(w.pos, fmt::format("unknown host '{}' (declare it with: host {})", w.text, w.text));
}

bool Compiler::KnownSock(const Word& w) {
  return socks.count(w.text) || Fail(w.pos, fmt::format("unknown socket '{}' (create it with: socket HOST {} udp4)", w.text, w.text));
}

bool Compiler::KnownRegion(const Word& w) {
  return regions.count(w.text) || Fail(w.pos, fmt::format("unknown memory region '{}' (map it first)", w.text));
}

bool Compiler::DeviceRef(const Word& w, std::string* host, std::string* dev, bool must_exist) {
  const size_t colon = w.text.find(':');
  if (w.quoted || colon == std::string::npos || colon == 0 || colon + 1 == w.text.size()) {
    return Fail(w.pos, fmt::format("expected HOST:DEVICE such as a:eth0, found '{}'", w.text));
  }
  *host = w.text.substr(0, colon);
  *dev = w.text.substr(colon + 1);
  if (!hosts.count(*host)) return Fail(w.pos, fmt::format("unknown host '{}'", *host));
  if (must_exist && !devices.count(w.text)) {
    return Fail(PosAt(w, colon + 1), fmt::format("host '{}' has no device '{}'", *host, *dev));
  }
  return true;
}

bool Compiler::SockAddrWord(const Word& w, net::InetAddr* out) {
  SockAddr sa;
  if (!Take(ParseSockAddr(w), &sa)) return false;
  out->family = sa.family;
  out->addr = sa.addr;
  out->port = sa.port;
  return true;
}

bool Compiler::ExpectedResult(const Args& args, size_t index, long* out) {
  if (index >= args.result.size()) return Fail(args.arrow_pos, "missing expected result after '->'");
  const Word& w = args.result[index];
  if (!w.text.empty() && w.text[0] == 'E') {
    const int err = net::ErrnoFromName(w.text);
    if (err == 0) return Fail(w.pos, fmt::format("unknown errno name '{}'", w.text));
    *out = -err;
    return true;
  }
  int64_t v;
  if (!Take(ParseInt(w, -1, INT64_MAX), &v)) return false;
  *out = v;
  return true;
}

RunReport RunScenario(std::string_view file, std::string_view text, sim::Simulator& sim, bool deep_checks) {
  RunReport report;
  LexResult lexed = Lex(text);
  if (lexed.error) {
    report.code = kMalformed;
    report.message = FormatError(file, *lexed.error) + "\n";
    return report;
  }
  Compiler compiler;
  std::vector<Step> steps;
  for (const Line& line : lexed.lines) {
    Step step;
    if (!CompileLine(compiler, line, &step)) {
      report.code = kMalformed;
      report.message = FormatError(file, compiler.error.value_or(Error{line.pos, "malformed statement"})) + "\n";
      return report;
    }
    steps.push_back(std::move(step));
  }

  sim.checker().set_mode(sim::CheckMode::kReport);
  Env env(sim);
  env.world.set_deep_checks(deep_checks);
  env.uring.set_deep_checks(deep_checks);
  net::RegisterWorldInvariants(env.world);
  sim::Time last = 0;
  for (const Step& step : steps) {
    std::optional<std::string> failure;
    if (!step.is_run || step.time_kind != TimeKind::kNone) failure = AdvanceTo(env, step, &last);
    if (!failure) failure = step.action(env);
    if (step.is_run) last = env.sim.now();
    ++report.statements;
    // Between statements the program is outside the kernel: every
    // whole-world invariant must hold.
    if (deep_checks) sim.RunWorldChecks();
    if (!failure && !sim.checker().ok()) {
      failure = "invariant violated: " + sim.checker().violations().front().ToString();
    }
    if (failure) {
      report.code = kFailed;
      report.message = FormatFailure(file, step, *failure);
      report.expectations = env.expectations;
      return report;
    }
  }
  // Unexpected warnings (a misuse the scenario did not announce) fail it.
  const auto& warnings = sim.checker().warnings();
  if (env.warnings_seen < warnings.size()) {
    report.code = kFailed;
    report.message = fmt::format("{}: unexpected warning (add `expect warning {}` where it happens):\n  {}\n", file,
                                 warnings[env.warnings_seen].rule, warnings[env.warnings_seen].ToString());
  }
  report.expectations = env.expectations;
  return report;
}

}  // namespace zcsim::scenario
