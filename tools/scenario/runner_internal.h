// Internals shared by the statement compilers: the runtime environment,
// compiled steps, and argument helpers.
#ifndef ZCSIM_TOOLS_SCENARIO_RUNNER_INTERNAL_H_
#define ZCSIM_TOOLS_SCENARIO_RUNNER_INTERNAL_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/host.h"
#include "net/inet.h"
#include "net/iov_iter.h"
#include "net/world.h"
#include "sim/simulator.h"
#include "tools/scenario/lexer.h"
#include "tools/scenario/script_peer.h"
#include "tools/scenario/values.h"
#include "uring/io_uring.h"

namespace zcsim::scenario {

struct SockHandle {
  net::Host* host = nullptr;
  int fd = -1;
};

// What a running scenario can see and change.
struct Env {
  explicit Env(sim::Simulator& s) : sim(s), world(s), uring(world) {}
  sim::Simulator& sim;
  net::World world;
  uring::Uring uring;
  std::map<std::string, uring::IoRingCtx*> rings;
  std::map<net::Host*, uint64_t> scratch_used;
  std::map<std::string, SockHandle> socks;
  std::map<std::string, SockHandle> epolls;  // epoll instances: host and fd
  std::map<std::string, net::Host*> regions;  // region name -> owning host
  std::map<std::string, std::pair<uint64_t, uint64_t>> region_spans;  // start, length
  std::optional<ScriptPeer> peer;             // the scripted TCP peer, if declared
  size_t warnings_seen = 0;                   // warnings already expected
  int expectations = 0;
};

// A step returns nothing on success, or why it failed.
using Action = std::function<std::optional<std::string>(Env&)>;

struct Step {
  Pos pos;
  TimeKind time_kind = TimeKind::kNone;
  sim::Time time = 0;
  Action action;
  std::string source;  // the statement's words, for failure messages
  bool is_run = false; // `run ...` manages time itself
};

// Words of a statement split into positionals, key=value options and the
// words after "->" (the expected result).
struct Args {
  std::vector<Word> pos;
  std::map<std::string, Word> kv;  // value words, keyed by key
  std::vector<Word> result;        // after "->"
  bool has_arrow = false;
  Pos arrow_pos;
};

// Collects compile errors: the first one wins.
class Compiler {
 public:
  std::optional<Error> error;
  std::set<std::string> hosts;
  std::set<std::string> devices;  // "host:dev"
  std::set<std::string> socks;
  std::set<std::string> regions;
  std::set<std::string> rings;
  bool has_peer = false;
  std::set<std::string> epolls;

  bool Fail(Pos pos, std::string message) {
    if (!error) error = Error{pos, std::move(message)};
    return false;
  }
  template <typename T>
  bool Take(const Parsed<T>& p, T* out) {
    if (!p.ok()) {
      if (!error) error = p.error;
      return false;
    }
    *out = p.value;
    return true;
  }

  bool SplitArgs(const Line& line, Args* args);
  // Fails on any key not in `allowed`.
  bool OnlyKeys(const Args& args, std::initializer_list<const char*> allowed);
  bool NeedPositionals(const Line& line, const Args& args, size_t n, const char* usage);
  bool NoResult(const Args& args);

  // Name checks against what earlier statements declared.
  bool KnownHost(const Word& w);
  bool KnownSock(const Word& w);
  bool KnownRegion(const Word& w);
  // "host:dev" -> both parts, checked.
  bool DeviceRef(const Word& w, std::string* host, std::string* dev, bool must_exist);
  bool SockAddrWord(const Word& w, net::InetAddr* out);

  // An expected call result: a number, or an errno name (negative value).
  bool ExpectedResult(const Args& args, size_t index, long* out);
};

// Formats a call result: "4000" or "-EAGAIN".
std::string ResultName(long r);

// Compilers for each statement family; return false with compiler.error set.
bool CompileWorld(Compiler& c, const Line& line, const Args& args, Step* step);
bool CompileMemory(Compiler& c, const Line& line, const Args& args, Step* step);
bool CompileCall(Compiler& c, const Line& line, const Args& args, Step* step);
bool CompileExpect(Compiler& c, const Line& line, const Args& args, Step* step);
// Which verbs each family handles.
bool IsWorldVerb(const std::string& verb);
bool IsMemoryVerb(const std::string& verb);
bool IsCallVerb(const std::string& verb);
bool IsUringVerb(const std::string& verb);
bool CompileUring(Compiler& c, const Line& line, const Args& args, Step* step);
bool IsScriptVerb(const std::string& verb);
bool CompileScript(Compiler& c, const Line& line, const Args& args, Step* step);
// poll, epoll_create, epoll_ctl, epoll_wait (statements_poll.cc).
bool IsPollVerb(const std::string& verb);
bool CompilePollStatement(Compiler& c, const Line& line, const Args& args, Step* step);
bool CompileRingState(Compiler& c, const Line& line, const Args& args, Step* step);

// NIC wire-fault options (drop=, dup=, delay=, reorder=, loss=, dup_rate=,
// reorder_rate=, jitter=): statements_faults.cc.
bool IsWireFaultKey(const std::string& key);
bool ParseWireFault(Compiler& c, const std::string& key, const Word& w, net::WireFaults* faults);

// Received bytes against `data=PATTERN` or `data=REGION[OFF:LEN]` (one or
// neither given); counts one expectation.
std::optional<std::string> CompareReceivedData(Env& env, const std::optional<Pattern>& pattern,
                                               const std::optional<Range>& range, const std::vector<uint8_t>& got);
// reader SOCK bytes=N every=D; expect reader SOCK ... (statements_reader.cc).
bool CompileReader(Compiler& c, const Line& line, const Args& args, Step* step);
bool CompileReaderState(Compiler& c, const Line& line, const Args& args, Step* step);

// An iovec list "buf[0:4000],buf[8K:100]" -> ranges.
bool ParseIovecs(Compiler& c, const Word& w, std::vector<Range>* out);
// Resolves ranges against the regions at run time: iovecs or an error.
std::optional<std::string> ResolveIovecs(Env& env, const std::vector<Range>& ranges,
                                         net::Host** host, std::vector<net::Iovec>* iov);

}  // namespace zcsim::scenario

#endif  // ZCSIM_TOOLS_SCENARIO_RUNNER_INTERNAL_H_
