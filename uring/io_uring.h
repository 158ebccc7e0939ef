// struct io_ring_ctx and struct io_kiocb, and the core of io_uring
// (io_uring/io_uring.c, Linux 6.1, with the era switches of
// net::KernelEra): setup, submission (io_submit_sqes, links, IOSQE_ASYNC
// to io-wq, -EAGAIN to poll), completion (CQEs, the overflow list,
// IOSQE_CQE_SKIP_SUCCESS), task_work, waiting (io_cqring_wait) and exit.
//
// The ring lives in the simulated kernel; a program reaches it through
// io_uring_setup/enter/register (here as functions) or the liburing-shaped
// API in uring/liburing.h.
#ifndef ZCSIM_URING_IO_URING_H_
#define ZCSIM_URING_IO_URING_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "net/host.h"
#include "net/iov_iter.h"
#include "net/skbuff.h"
#include "net/world.h"
#include "sim/deferred.h"
#include "sim/pool.h"
#include "uring/uapi.h"

namespace zcsim::uring {

struct IoRingCtx;
struct IoKiocb;
struct RsrcNode;
struct IoMappedUbuf;

// REQ_F_* (io_uring/io_uring_types.h), the ones the model uses.
inline constexpr uint32_t REQ_F_FAIL = 1u << 0;
inline constexpr uint32_t REQ_F_LINK = 1u << 1;
inline constexpr uint32_t REQ_F_HARDLINK = 1u << 2;
inline constexpr uint32_t REQ_F_FORCE_ASYNC = 1u << 3;
inline constexpr uint32_t REQ_F_CQE_SKIP = 1u << 4;
inline constexpr uint32_t REQ_F_NEED_CLEANUP = 1u << 5;
inline constexpr uint32_t REQ_F_POLLED = 1u << 6;
inline constexpr uint32_t REQ_F_PARTIAL_IO = 1u << 7;
inline constexpr uint32_t REQ_F_NOWAIT = 1u << 8;
inline constexpr uint32_t REQ_F_SKIP_LINK_CQES = 1u << 9;
inline constexpr uint32_t REQ_F_FIXED_FILE = 1u << 10;
inline constexpr uint32_t REQ_F_BUFFER_SELECT = 1u << 11;

// issue_flags
inline constexpr unsigned IO_URING_F_NONBLOCK = 1u << 0;
inline constexpr unsigned IO_URING_F_UNLOCKED = 1u << 1;

// struct io_sr_msg: a send's own data (the command area of io_kiocb).
struct IoSrMsg {
  uint64_t buf = 0;         // user address (SEND*) or struct user_msghdr (SENDMSG*)
  uint32_t len = 0;
  unsigned msg_flags = 0;
  uint16_t flags = 0;       // sqe->ioprio: IORING_RECVSEND_*
  uint64_t addr = 0;        // destination sockaddr (SEND_ZC: addr2)
  uint16_t addr_len = 0;
  int done_io = 0;
  IoKiocb* notif = nullptr;
  bool have_async_addr = false;
  net::InetAddr async_addr;  // the address copied at first issue (B12)
};

// struct io_notif_data: the notifier's command area.
struct IoNotifData {
  net::UbufInfo uarg;
  uint64_t account_pages = 0;
  // 6.10 notification stacking (6fe4220912d1): notifiers whose bytes share
  // one skb form a chain. `head` is the first (itself when alone), `next`
  // the following member. The kernel links the io_notif_data; here the
  // notifiers that embed them. Set by io_link_skb only from era 6.10.
  IoKiocb* next = nullptr;
  IoKiocb* head = nullptr;
  bool zc_report = false;  // 6.2: IORING_SEND_ZC_REPORT_USAGE
  bool zc_used = false;
  bool zc_copied = false;
};

struct IoKiocb : sim::PoolNode {
  IoRingCtx* ctx = nullptr;
  uint8_t opcode = IORING_OP_NOP;
  uint32_t flags = 0;  // REQ_F_*
  Cqe cqe;  // user_data, res, flags to post
  net::Sock* file = nullptr;
  int fd = -1;
  IoKiocb* link = nullptr;  // next request of the chain
  RsrcNode* rsrc_node = nullptr;
  IoMappedUbuf* imu = nullptr;
  IoSrMsg sr;
  IoNotifData nd;  // when this request is a notifier
  // req->task (tctx in later kernels): the task that allocated a notifier.
  // A host runs one process, so its host stands for the task.
  net::Host* task = nullptr;
  bool is_notif = false;
  IoKiocb* owner = nullptr;          // a notifier's send request
  IoKiocb* zc_notif = nullptr;       // a zerocopy send's notifier (kept for checks)
  bool owner_cqe_posted = false;     // INV-12: the send's CQE came first
  bool owner_cqe_had_more = false;   // ... and said IORING_CQE_F_MORE
  bool owner_cancelled = false;      // ... or was cancelled in a failed link
  bool cancelled_in_link = false;    // completed by io_fail_links
  bool cqe_posted = false;           // INV-11: once
  const struct IoOpDef* def = nullptr;  // the opcode's handlers in this ring's era
  // v4 slot notifiers (io_uring/notif.c of the series): the generation's
  // slot, seq and captured tag, its locked-page charge, and whether a flush
  // gave it the submitting task (else it completes from a workqueue).
  int slot = -1;
  uint32_t seq = 0;
  uint64_t tag = 0;
  net::MmPin mmp;
  bool task_set = false;
  // INV-12 (v4 slots): a generation flushed by a request must, from
  // 6.0-rc3 on, post after that request's CQE. Both sides unlink on post.
  IoKiocb* flushing_req = nullptr;
  std::vector<IoKiocb*> flushed_notifs;
  // IORING_OP_RSRC_UPDATE (v4 notification flush): its arguments.
  uint64_t up_arg = 0;
  uint32_t up_offset = 0;
  uint32_t up_nr = 0;
  uint16_t up_type = 0;
};

// struct io_mapped_ubuf: one registered buffer.
struct IoMappedUbuf {
  uint64_t ubuf = 0;
  uint64_t ubuf_end = 0;
  uint64_t acct_pages = 0;
  std::vector<net::BioVec> bvec;
};

// struct io_rsrc_node: what requests and notifiers pin so that the buffer
// table they use cannot go away under them (INV-5).
struct RsrcNode {
  sim::ObjectId id;
  int refs = 0;
};

struct RingParams {
  uint32_t sq_entries = 0;
  uint32_t cq_entries = 0;  // 0: twice sq_entries
  uint32_t flags = 0;       // IORING_SETUP_*
};

class Uring;

struct IoRingCtx : sim::PoolNode {
  net::World* world = nullptr;
  Uring* uring = nullptr;
  net::Host* host = nullptr;  // the submitting task's host
  uint32_t setup_flags = 0;

  // The shared rings, as the application sees them.
  uint32_t sq_entries = 0;
  uint32_t cq_entries = 0;
  std::vector<io_uring_sqe> sqes;
  std::vector<uint32_t> sq_array;
  uint32_t sq_head = 0;  // kernel
  uint32_t sq_tail = 0;  // user
  std::vector<Cqe> cqes;
  uint32_t cq_head = 0;  // user
  uint32_t cq_tail = 0;  // kernel
  uint32_t sq_flags = 0;  // IORING_SQ_CQ_OVERFLOW, IORING_SQ_TASKRUN
  uint32_t cq_overflow = 0;  // CQEs that went through the overflow list
  std::deque<Cqe> overflow_list;

  // Registered buffers (io_uring/rsrc.c).
  std::vector<std::unique_ptr<IoMappedUbuf>> user_bufs;
  bool buffers_registered = false;
  RsrcNode* rsrc_node = nullptr;
  std::vector<std::unique_ptr<RsrcNode>> nodes;
  net::UserStruct* user = nullptr;  // null for CAP_IPC_LOCK rings: no accounting

  std::unique_ptr<sim::DeferredQueue> task_work;

  // v4 notification slots (struct io_notif_slot) and the notifier cache.
  struct NotifSlot {
    IoKiocb* notif = nullptr;  // the active generation; the slot holds its master ref
    uint64_t tag = 0;
    uint32_t seq = 0;
  };
  std::vector<NotifSlot> notif_slots;
  bool notifiers_registered = false;
  uint32_t notif_cache = 0;         // ctx->notif_list (uring_lock)
  uint32_t notif_cache_locked = 0;  // ctx->notif_list_locked (completion_lock)
  sim::Pool<IoKiocb>* reqs = nullptr;
  sim::Pool<IoKiocb>* notifs = nullptr;
  int inflight = 0;     // requests submitted and not yet freed
  uint64_t cqes_posted = 0;        // INV-15: every CQE ever produced
  uint64_t cqes_reaped = 0;        // advanced past by the application
  uint64_t overflow_flushed = 0;   // moved from the overflow list to the ring
  int notifs_live = 0;  // notifiers not yet completed (INV-16)
  bool dying = false;
  bool tw_kick_pending = false;  // a task_work IPI is on its way
};

// The per-world io_uring state: pools and ids.
class Uring {
 public:
  explicit Uring(net::World& world);
  ~Uring();
  net::World& world() { return world_; }
  sim::Pool<IoKiocb>& reqs() { return reqs_; }
  sim::Pool<IoKiocb>& notifs() { return notifs_; }
  sim::Pool<IoRingCtx>& rings() { return rings_; }
  sim::ObjectId NextNodeId() { return node_ids_.Next(); }
  void set_deep_checks(bool deep);

 private:
  net::World& world_;
  sim::Pool<IoKiocb> reqs_{"req"};
  sim::Pool<IoKiocb> notifs_{"notif"};
  sim::Pool<IoRingCtx> rings_{"ring"};
  sim::IdCounter node_ids_{"rsrc_node"};
};

// "SEND_ZC", "SENDZC" (v4), "NOP", ... for traces.
const char* OpcodeName(uint8_t opcode, net::KernelEra era);

// io_uring_setup(): a ring on `host` (-EINVAL for bad sizes).
IoRingCtx* io_uring_setup(Uring& u, net::Host* host, const RingParams& p, int* err);
// io_uring_enter(): submits up to `to_submit` SQEs; with
// IORING_ENTER_GETEVENTS waits until `min_complete` CQEs are ready, letting
// virtual time pass. Returns SQEs consumed, or -errno (-EINTR when the world
// went idle and the wait could never end; the run is then stuck).
int io_uring_enter(IoRingCtx* ctx, unsigned to_submit, unsigned min_complete, unsigned flags);
// io_uring_register(): IORING_REGISTER_BUFFERS (iovecs from user memory at
// `arg`) / IORING_UNREGISTER_BUFFERS.
int io_uring_register(IoRingCtx* ctx, unsigned opcode, uint64_t arg, unsigned nr_args);
// Ring teardown (close of the ring fd): waits for outstanding notifiers.
void io_ring_exit(IoRingCtx* ctx);

// CQEs the application can see: cq_tail - cq_head.
inline uint32_t io_cqring_events(const IoRingCtx* ctx) { return ctx->cq_tail - ctx->cq_head; }

// --- Internals shared by the op files ------------------------------------

// Allocates a request bound to the ring.
IoKiocb* io_alloc_req(IoRingCtx* ctx, sim::Pool<IoKiocb>& pool);
// Posts a CQE, to the overflow list if the CQ is full (INV-15: never
// dropped).
void io_fill_cqe(IoRingCtx* ctx, const Cqe& cqe, const IoKiocb* req);
// io_req_task_work_add(): run `fn` as task_work of the ring's task.
void io_req_task_work_add(IoKiocb* req, const char* label, std::function<void()> fn);
// Completes a request now: CQE (unless skipped), links, cleanup, free.
void io_req_complete_post(IoKiocb* req);
void req_set_fail(IoKiocb* req);
// Drains the task's task_work.
void io_run_task_work(IoRingCtx* ctx);
void io_put_rsrc_node(IoRingCtx* ctx, RsrcNode* node);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_IO_URING_H_
