// A zerocopy transmit benchmark on the simulator, modelled on the kernel
// selftest tools/testing/selftests/net/io_uring_zerocopy_tx.c and liburing's
// examples/send-zerocopy.c as used for the v4 cover letter (see
// ../shared/design/kernel-reference.md §6): batches of N sends on one UDP
// socket through io_uring, reaping every request CQE, counting the
// notifications, in the v4 slot API (one slot, tag 0xfffffff, flushed per
// request or never).
//
// With --proto tcp (zc_tx_tcp.cc) the sender connects to a listener on a far
// host (NIC pair for "nic", a veth pair for "dummy"), in the final 6.1 API
// (IORING_OP_SEND_ZC: a notification CQE per request, no slots, no flush)
// and also through send() and MSG_ZEROCOPY, whose notifications it reads
// from the error queue as tools/testing/selftests/net/msg_zerocopy.c does.
// The far host reads everything after each batch, so windows stay open.
//
// In virtual-time mode a cost model (profile) charges each modelled kernel
// operation, and requests/s come from virtual time: the simulator as a
// performance model. In wall-clock mode the cost model is off and the rate
// is the simulator's own speed.
#ifndef ZCSIM_TOOLS_BENCH_ZC_TX_H_
#define ZCSIM_TOOLS_BENCH_ZC_TX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cost.h"
#include "sim/time.h"

namespace zcsim::bench {

// Per-operation costs of one machine, in nanoseconds, with their origin.
struct CostProfile {
  std::string name;        // "nic", "dummy"
  std::string device;      // the simulated device kind
  uint32_t mtu = 0;
  double ns[static_cast<int>(sim::Cost::kCount)] = {};
  std::string origin;      // where the numbers come from
};

const CostProfile& NicProfile();
const CostProfile& DummyProfile();
const CostProfile* FindProfile(const std::string& name);

// 0..3 as the selftest's -m; 4 and 5 (TCP only) are system calls.
enum class Mode { kCopy = 0, kZc = 1, kZcFixed = 2, kMixed = 3, kSend = 4, kMsgZerocopy = 5 };
enum class Proto { kUdp, kTcp };

struct ZcTxOptions {
  int family = 4;             // -4 / -6
  Proto proto = Proto::kUdp;  // -t udp|tcp
  uint32_t size = 4000;       // -s
  int batch = 8;              // -n
  Mode mode = Mode::kZcFixed; // -m
  bool flush = false;         // -f: flush the slot with every zerocopy send
  bool cork = false;          // -c: UDP_CORK around each batch
  sim::Time runtime = 2 * sim::kMillisecond;  // virtual time (or requests in wall-clock mode)
  uint64_t seed = 1;
  bool wall_clock = false;
  uint64_t wall_clock_requests = 200000;
};

struct ZcTxResult {
  uint64_t requests = 0;       // request CQEs with res > 0
  uint64_t bytes = 0;
  uint64_t failed = 0;         // request CQEs with res < 0
  uint64_t notifications = 0;
  double seconds = 0;          // virtual (or wall-clock) time taken
  // TCP only: the far host's view and the notification accounting.
  uint64_t received = 0;       // bytes the far host read
  uint64_t zc_sends = 0;       // sends that announced a notification (F_MORE, MSG_ZEROCOPY)
  uint64_t notified = 0;       // sends covered by a notification (an error-queue range covers several)
  uint64_t duplicates = 0;     // notifications for a send already notified, or out of order
  uint64_t copied = 0;         // MSG_ZEROCOPY notifications with SO_EE_CODE_ZEROCOPY_COPIED
  double sim_seconds = 0;      // virtual time of the run, in both modes
  double requests_per_second() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
  double mb_per_second() const { return seconds > 0 ? static_cast<double>(bytes) / (1 << 20) / seconds : 0; }
  double sim_gbit_per_second() const { return sim_seconds > 0 ? static_cast<double>(bytes) * 8 / 1e9 / sim_seconds : 0; }
};

// Runs the workload on a fresh world built for `profile`. Returns false
// with `error` set for bad options.
bool RunZcTx(const CostProfile& profile, const ZcTxOptions& options, ZcTxResult* result, std::string* error);
// The TCP workload (RunZcTx calls it for Proto::kTcp, options checked).
bool RunZcTxTcp(const CostProfile& profile, const ZcTxOptions& options, ZcTxResult* result, std::string* error);

// The cover letter's two tables, reproduced: sizes, the letter's numbers,
// ours, and the error of each relative gain in percentage points.
struct SeedRow {
  uint32_t size;
  double letter[3];  // non-zc, zc, zc + flush (requests/s)
  double ours[3];
  double gain_error[2];  // zc, zc + flush: our gain minus the letter's, in points
};
struct SeedTable {
  std::string profile;
  std::vector<SeedRow> rows;
};
std::vector<SeedTable> RunSeedTables(sim::Time runtime);
std::string FormatSeedTables(const std::vector<SeedTable>& tables);

}  // namespace zcsim::bench

#endif  // ZCSIM_TOOLS_BENCH_ZC_TX_H_
