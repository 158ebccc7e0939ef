#include "uring/io_uring.h"

#include <algorithm>

#include "net/socket.h"
#include "net/uapi.h"
#include "sim/check.h"
#include "sim/trace.h"
#include "uring/invariants.h"
#include "uring/notif.h"
#include "uring/notif_v4.h"
#include "uring/opdef.h"
#include "uring/rsrc.h"

namespace zcsim::uring {
namespace {

constexpr uint8_t SQE_VALID_FLAGS = IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK | IOSQE_IO_HARDLINK |
                                    IOSQE_ASYNC | IOSQE_BUFFER_SELECT | IOSQE_CQE_SKIP_SUCCESS;
// When the io-wq worker picks up a punted request.
constexpr sim::Time kIoWqDelay = 2 * sim::kMicrosecond;

template <typename... Args>
void TraceReq(IoKiocb* req, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(req->ctx->world->tracer(), "uring", func)
      .Obj(req->id, {{"user_data", static_cast<int64_t>(req->cqe.user_data)}})
      .Msg(format, std::forward<Args>(args)...);
}

void io_free_req(IoKiocb* req);
void io_queue_sqe(IoKiocb* req);

void io_clean_op(IoKiocb* req) {
  if (req->flags & REQ_F_NEED_CLEANUP) {
    const IoOpDef* def = req->def;
    if (def != nullptr && def->cleanup != nullptr) def->cleanup(req);
    req->flags &= ~REQ_F_NEED_CLEANUP;
  }
}

void io_req_task_queue(IoKiocb* req) {
  io_req_task_work_add(req, "io_req_task_submit", [req] { io_queue_sqe(req); });
}

// io_fail_links() (6.1): the rest of a failed chain completes with its own
// error if it had one, else -ECANCELED, CQE flags 0, and without the op's
// ->fail hook: a cancelled SEND_ZC gets no F_MORE although its notifier is
// still flushed at cleanup (a wart of 6.1 the model keeps).
void io_fail_links(IoKiocb* req) {
  IoKiocb* link = req->link;
  const bool ignore_cqes = req->flags & REQ_F_SKIP_LINK_CQES;
  req->link = nullptr;
  while (link != nullptr) {
    IoKiocb* next = link->link;
    link->link = nullptr;
    const int32_t res = (link->flags & REQ_F_FAIL) ? link->cqe.res : -ECANCELED;
    if (ignore_cqes) {
      link->flags |= REQ_F_CQE_SKIP;
    } else {
      link->flags &= ~REQ_F_CQE_SKIP;
    }
    link->cqe.res = res;
    link->cqe.flags = 0;
    link->cancelled_in_link = true;
    TraceReq(link, "io_fail_links", "{}: an earlier request of its link failed", res == -ECANCELED ? "cancelled" : "failed");
    io_req_complete_post(link);
    link = next;
  }
}

// What happens to the next request of a chain when `req` completes.
void io_queue_next(IoKiocb* req) {
  if (req->link == nullptr) return;
  if ((req->flags & REQ_F_FAIL) && !(req->flags & REQ_F_HARDLINK)) {
    io_fail_links(req);
    return;
  }
  IoKiocb* next = req->link;
  req->link = nullptr;
  io_req_task_queue(next);
}

void io_free_req(IoKiocb* req) {
  IoRingCtx* ctx = req->ctx;
  io_clean_op(req);
  if (req->rsrc_node != nullptr) io_put_rsrc_node(ctx, req->rsrc_node);
  if (req->is_notif) {
    --ctx->notifs_live;
    ctx->notifs->Retire(req);
  } else {
    --ctx->inflight;
    ctx->reqs->Retire(req);
  }
}

// io_req_complete_failed()
void io_req_complete_failed(IoKiocb* req, int ret) {
  req_set_fail(req);
  req->cqe.res = ret;
  req->cqe.flags = 0;
  const IoOpDef* def = req->def;
  if (def != nullptr && def->fail != nullptr) def->fail(req);
  io_req_complete_post(req);
}

void io_cqring_overflow_flush(IoRingCtx* ctx) {
  while (!ctx->overflow_list.empty() && ctx->cq_tail - ctx->cq_head < ctx->cq_entries) {
    ctx->cqes[ctx->cq_tail & (ctx->cq_entries - 1)] = ctx->overflow_list.front();
    ctx->overflow_list.pop_front();
    ++ctx->cq_tail;
    ++ctx->overflow_flushed;
  }
  if (ctx->overflow_list.empty()) ctx->sq_flags &= ~IORING_SQ_CQ_OVERFLOW;
}

void io_wq_submit_work(IoKiocb* req);

// io_arm_poll_handler() for POLLOUT on the request's socket.
void io_arm_poll(IoKiocb* req) {
  req->flags |= REQ_F_POLLED;
  net::Sock* sk = req->file;
  if (net::sk_is_writeable(sk)) {
    TraceReq(req, "io_arm_poll_handler", "socket already writable: reissue from task_work");
    io_req_task_queue(req);
    return;
  }
  TraceReq(req, "io_arm_poll_handler", "waiting for POLLOUT");
  sk->write_waiters.push_back([req] {
    io_req_task_work_add(req, "io_poll_task_func", [req] { io_queue_sqe(req); });
  });
}

// io_queue_async(): -EAGAIN goes to poll (or io-wq), other errors fail.
void io_queue_async(IoKiocb* req, int ret) {
  if (ret != -EAGAIN || (req->flags & REQ_F_NOWAIT)) {
    io_req_complete_failed(req, ret);
    return;
  }
  const IoOpDef* def = req->def;
  if (def->pollout && req->file != nullptr) {
    io_arm_poll(req);
  } else {
    req->ctx->world->sim().scheduler().After(kIoWqDelay, "io_wq_worker", [req] { io_wq_submit_work(req); });
  }
}

int io_issue_sqe(IoKiocb* req, unsigned issue_flags) {
  const IoOpDef* def = req->def;
  if (def->needs_file && req->file == nullptr) {
    req->file = net::sockfd_lookup(req->ctx->host, req->fd);
    if (req->file == nullptr) return -EBADF;  // io_assign_file()
  }
  const int ret = def->issue(req, issue_flags);
  if (ret == IOU_OK) io_req_complete_post(req);
  return ret == IOU_OK ? 0 : ret;
}

void io_queue_sqe(IoKiocb* req) {
  if (req->flags & REQ_F_FAIL) {  // a failed link member: complete it with its error
    io_req_complete_failed(req, req->cqe.res);
    return;
  }
  const int ret = io_issue_sqe(req, IO_URING_F_NONBLOCK);
  if (ret != 0) io_queue_async(req, ret);
}

// io_wq_submit_work(): the worker thread, unlocked. Blocking is allowed in
// the kernel; here a worker that would block waits for POLLOUT instead.
void io_wq_submit_work(IoKiocb* req) {
  TraceReq(req, "io_wq_submit_work", "io-wq worker runs the request (IO_URING_F_UNLOCKED)");
  net::World::SyscallScope in_kernel(*req->ctx->world);
  const IoOpDef* def = req->def;
  if (def->needs_file && req->file == nullptr) {
    req->file = net::sockfd_lookup(req->ctx->host, req->fd);
    if (req->file == nullptr) {
      io_req_complete_failed(req, -EBADF);
      return;
    }
  }
  int ret = def->issue(req, IO_URING_F_UNLOCKED | IO_URING_F_NONBLOCK);
  if (ret == -EAGAIN && def->pollout && !(req->flags & REQ_F_NOWAIT)) {
    if (!net::sk_is_writeable(req->file)) {
      io_arm_poll(req);  // IO_APOLL_OK: the poll re-issues it from task_work
      return;
    }
    // IO_APOLL_READY: retry, blocking, in the worker; a second -EAGAIN (the
    // v4 SENDZC refuses to run unlocked) fails the request.
    ret = def->issue(req, IO_URING_F_UNLOCKED);
  }
  if (ret == IOU_OK) {
    io_req_complete_post(req);
  } else {
    io_req_complete_failed(req, ret);
  }
}

void io_queue_sqe_fallback(IoKiocb* req) {
  if (req->flags & REQ_F_FAIL) {
    // Nothing of a failed chain is submitted: hard links become links.
    req->flags &= ~REQ_F_HARDLINK;
    req->flags |= REQ_F_LINK;
    io_req_complete_failed(req, req->cqe.res);
  } else if (req->flags & REQ_F_FORCE_ASYNC) {
    TraceReq(req, "io_queue_iowq", "IOSQE_ASYNC: punted to io-wq");
    req->ctx->world->sim().scheduler().After(kIoWqDelay, "io_wq_worker", [req] { io_wq_submit_work(req); });
  } else {
    io_queue_sqe(req);
  }
}

int io_init_req(IoRingCtx* ctx, IoKiocb* req, const io_uring_sqe& sqe) {
  req->opcode = sqe.opcode;
  req->cqe.user_data = sqe.user_data;
  const uint8_t sqe_flags = sqe.flags;
  if (sqe_flags & IOSQE_IO_LINK) req->flags |= REQ_F_LINK;
  if (sqe_flags & IOSQE_IO_HARDLINK) req->flags |= REQ_F_LINK | REQ_F_HARDLINK;
  if (sqe_flags & IOSQE_ASYNC) req->flags |= REQ_F_FORCE_ASYNC;
  if (sqe_flags & IOSQE_CQE_SKIP_SUCCESS) req->flags |= REQ_F_CQE_SKIP;
  if (sqe_flags & IOSQE_FIXED_FILE) req->flags |= REQ_F_FIXED_FILE;
  if (sqe_flags & IOSQE_BUFFER_SELECT) req->flags |= REQ_F_BUFFER_SELECT;
  const IoOpDef* def = io_op_def(sqe.opcode, ctx->world->era());
  if (def == nullptr) {  // beyond the era's IORING_OP_LAST
    req->opcode = IORING_OP_NOP;
    req->def = io_op_def(IORING_OP_NOP, ctx->world->era());
    return -EINVAL;
  }
  req->def = def;
  if (sqe_flags & ~SQE_VALID_FLAGS) return -EINVAL;
  if (sqe_flags & IOSQE_BUFFER_SELECT) return -EOPNOTSUPP;
  if (!def->ioprio && sqe.ioprio != 0) return -EINVAL;
  if (def->needs_file) {
    req->fd = sqe.fd;
    if (sqe_flags & IOSQE_FIXED_FILE) req->fd = -1;  // no registered files: -EBADF at issue
  }
  return def->prep(req, &sqe);
}

}  // namespace

const char* OpcodeName(uint8_t opcode, net::KernelEra era) {
  const IoOpDef* def = io_op_def(opcode, era);
  return def != nullptr ? def->name : "UNKNOWN";
}

Uring::Uring(net::World& world) : world_(world) {
  // io_uring's RLIMIT_MEMLOCK charges: per-request user-memory accounting
  // held by notifiers, and registered buffers.
  world.AddLockedVmSource([this](std::map<const net::UserStruct*, uint64_t>& pinned) {
    notifs_.ForEach([&](IoKiocb* n) {
      if (n->ctx->user != nullptr) pinned[n->ctx->user] += n->nd.account_pages;
      if (n->mmp.user != nullptr) pinned[n->mmp.user] += n->mmp.num_pg;  // v4: mm_account_pinned_pages
    });
    rings_.ForEach([&](IoRingCtx* ctx) {
      if (ctx->user == nullptr) return;
      for (const auto& imu : ctx->user_bufs) pinned[ctx->user] += imu->acct_pages;
    });
  });
  world.sim().AddWorldCheck("uring", [this] {
    if (world_.syscall_depth() == 0) CheckUringInvariants(*this);
  });
}
Uring::~Uring() = default;

void Uring::set_deep_checks(bool deep) {
  reqs_.set_keep_tombstones(deep);
  notifs_.set_keep_tombstones(deep);
}

IoKiocb* io_alloc_req(IoRingCtx* ctx, sim::Pool<IoKiocb>& pool) {
  IoKiocb* req = pool.New();
  req->ctx = ctx;
  req->def = io_op_def(IORING_OP_NOP, ctx->world->era());
  if (&pool == ctx->reqs) ++ctx->inflight;
  return req;
}

void req_set_fail(IoKiocb* req) {
  req->flags |= REQ_F_FAIL;
  if (req->flags & REQ_F_CQE_SKIP) {  // a failure is always reported ...
    req->flags &= ~REQ_F_CQE_SKIP;
    req->flags |= REQ_F_SKIP_LINK_CQES;  // ... but the chain it cancels stays quiet
  }
}

void io_fill_cqe(IoRingCtx* ctx, const Cqe& cqe, const IoKiocb* req) {
  ++ctx->cqes_posted;
  const bool full = ctx->cq_tail - ctx->cq_head >= ctx->cq_entries || !ctx->overflow_list.empty();
  if (full) {
    // io_cqring_event_overflow(): kept, never dropped (IORING_FEAT_NODROP).
    ctx->overflow_list.push_back(cqe);
    ++ctx->cq_overflow;
    ctx->sq_flags |= IORING_SQ_CQ_OVERFLOW;
  } else {
    ctx->cqes[ctx->cq_tail & (ctx->cq_entries - 1)] = cqe;
    ++ctx->cq_tail;
  }
  ZC_CHECK(ctx->world->checker(),
           ctx->cqes_posted == ctx->cqes_reaped + (ctx->cq_tail - ctx->cq_head) + ctx->overflow_list.size(),
           "INV-15", ctx->id, "CQEs lost: {} posted, {} reaped, {} in the ring, {} overflowed", ctx->cqes_posted,
           ctx->cqes_reaped, ctx->cq_tail - ctx->cq_head, ctx->overflow_list.size());
  ZC_TRACE(ctx->world->tracer(), "uring", full ? "io_cqring_event_overflow" : "io_fill_cqe")
      .Obj(req->id)
      .Obj(ctx->id, {{"cq_ready", ctx->cq_tail - ctx->cq_head}, {"overflow", static_cast<int64_t>(ctx->overflow_list.size())}})
      .Msg("CQE user_data={} res={} flags={}{}", cqe.user_data, cqe.res, cqe.flags,
           req->is_notif && req->slot >= 0 ? " (seq)"
                                            : fmt::format("{}{}", (cqe.flags & IORING_CQE_F_MORE) ? " MORE" : "",
                                                          (cqe.flags & IORING_CQE_F_NOTIF) ? " NOTIF" : ""));
}

void io_req_complete_post(IoKiocb* req) {
  IoRingCtx* ctx = req->ctx;
  sim::Checker& checker = ctx->world->checker();
  if (req->is_notif && req->slot >= 0) {
    // v4 slots: INV-11 once; INV-12 after the request that flushed it, from
    // 6.0-rc3 on (before, the inline flush is the era's behaviour, B2).
    ZC_CHECK(checker, !req->cqe_posted, "INV-11", req->id, "a second notification for one generation");
    if (req->flushing_req != nullptr) {
      ZC_CHECK(checker, ctx->world->era() < net::KernelEra::k6_0_rc3, "INV-12", req->id,
               "generation seq {} posted before the CQE of {}, which flushed it", req->seq, req->flushing_req->id);
      auto& list = req->flushing_req->flushed_notifs;
      list.erase(std::remove(list.begin(), list.end(), req), list.end());
      req->flushing_req = nullptr;
    }
  } else if (req->is_notif) {
    // INV-11: once; INV-12: after the send's own CQE, which said F_MORE.
    ZC_CHECK(checker, !req->cqe_posted, "INV-11", req->id, "a second notification for one notifier");
    ZC_CHECK(checker,
             (req->flags & REQ_F_CQE_SKIP) || (req->owner_cqe_posted && (req->owner_cqe_had_more || req->owner_cancelled)),
             "INV-12", req->id, "notification for user_data {} before the send's F_MORE CQE", req->cqe.user_data);
  } else if (req->zc_notif != nullptr) {
    const bool notif_follows = !(req->zc_notif->flags & REQ_F_CQE_SKIP);
    const bool more = (req->cqe.flags & IORING_CQE_F_MORE) != 0;
    // Exempt: a request cancelled in a failed link (io_fail_links posts no
    // F_MORE, yet the notifier is flushed: 6.1's behaviour).
    ZC_CHECK(checker, more == notif_follows || req->cancelled_in_link, "INV-12", req->id,
             "F_MORE is {} but a notification {} follow", more ? "set" : "clear", notif_follows ? "will" : "will not");
    req->zc_notif->owner_cqe_posted = true;
    req->zc_notif->owner_cqe_had_more = more;
    req->zc_notif->owner_cancelled = req->cancelled_in_link;
  }
  for (IoKiocb* n : req->flushed_notifs) n->flushing_req = nullptr;  // our CQE comes now
  req->flushed_notifs.clear();
  req->cqe_posted = true;
  if (req->is_notif) ctx->world->sim().costs().Charge(sim::Cost::kNotification);
  if (!(req->flags & REQ_F_CQE_SKIP)) io_fill_cqe(ctx, req->cqe, req);
  io_queue_next(req);
  io_free_req(req);
}

void io_req_task_work_add(IoKiocb* req, const char* label, std::function<void()> fn) {
  IoRingCtx* ctx = req->ctx;
  ctx->task_work->Add(label, std::move(fn));
  if (ctx->setup_flags & IORING_SETUP_TASKRUN_FLAG) ctx->sq_flags |= IORING_SQ_TASKRUN;
  // TWA_SIGNAL (default rings): a task in user space is kicked (IPI) into
  // the kernel at once and runs the work on its way back. COOP_TASKRUN
  // (TWA_SIGNAL_NO_IPI) waits for the task's next system call; so does a
  // task already inside one, which runs it on return.
  if (!(ctx->setup_flags & IORING_SETUP_COOP_TASKRUN) && !ctx->host->task_in_kernel() && !ctx->tw_kick_pending) {
    ctx->tw_kick_pending = true;
    ctx->world->sim().scheduler().After(0, "task_work_ipi", [ctx] {
      ctx->tw_kick_pending = false;
      net::World::SyscallScope in_kernel(*ctx->world);
      net::Host::TaskScope task(*ctx->host);
    });
  }
}

void io_run_task_work(IoRingCtx* ctx) {
  ctx->sq_flags &= ~IORING_SQ_TASKRUN;
  ctx->task_work->Drain();
}

IoRingCtx* io_uring_setup(Uring& u, net::Host* host, const RingParams& p, int* err) {
  *err = 0;
  uint32_t entries = p.sq_entries;
  if (entries == 0 || entries > IORING_MAX_ENTRIES) {
    if (!(p.flags & IORING_SETUP_CLAMP) || entries == 0) {
      *err = -EINVAL;
      return nullptr;
    }
    entries = IORING_MAX_ENTRIES;
  }
  uint32_t sq = 1;
  while (sq < entries) sq <<= 1;  // roundup_pow_of_two
  uint32_t cq = 2 * sq;
  if (p.flags & IORING_SETUP_CQSIZE) {
    if (p.cq_entries == 0) {
      *err = -EINVAL;
      return nullptr;
    }
    uint32_t want = std::min(p.cq_entries, IORING_MAX_CQ_ENTRIES);
    if (want < sq) {
      *err = -EINVAL;
      return nullptr;
    }
    cq = 1;
    while (cq < want) cq <<= 1;
  }
  const uint32_t supported = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_COOP_TASKRUN |
                             IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER;
  if (p.flags & ~supported) {
    *err = -EINVAL;
    return nullptr;
  }
  IoRingCtx* ctx = u.rings().New();
  ctx->world = &u.world();
  ctx->uring = &u;
  ctx->host = host;
  ctx->setup_flags = p.flags;
  ctx->sq_entries = sq;
  ctx->cq_entries = cq;
  ctx->sqes.assign(sq, io_uring_sqe{});
  ctx->sq_array.assign(sq, 0);
  ctx->cqes.assign(cq, Cqe{});
  ctx->reqs = &u.reqs();
  ctx->notifs = &u.notifs();
  ctx->nodes.push_back(std::make_unique<RsrcNode>());
  ctx->nodes.back()->id = u.NextNodeId();
  ctx->rsrc_node = ctx->nodes.back().get();
  // Rings created with CAP_IPC_LOCK do no locked-memory accounting.
  ctx->user = host->mm().user().cap_ipc_lock ? nullptr : &host->mm().user();
  ctx->task_work = std::make_unique<sim::DeferredQueue>(sim::DeferredKind::kTaskWork,
                                                        fmt::format("{}:{}", host->name(), ctx->id), &u.world().tracer());
  // Every return of the task to user space runs its task_work.
  host->AddReturnToUserHook([ctx] { io_run_task_work(ctx); });
  ZC_TRACE(u.world().tracer(), "uring", "io_uring_setup")
      .Obj(ctx->id, {{"sq_entries", sq}, {"cq_entries", cq}})
      .Msg("{}: flags {:#x}", host->name(), p.flags);
  return ctx;
}

int io_uring_enter(IoRingCtx* ctx, unsigned to_submit, unsigned min_complete, unsigned flags) {
  net::World::SyscallScope in_kernel(*ctx->world);
  net::Host::TaskScope task(*ctx->host);  // task_work runs again on the way out
  if (flags & ~(IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT)) return -EINVAL;
  io_run_task_work(ctx);
  int submitted = 0;
  const uint32_t pending = ctx->sq_tail - ctx->sq_head;
  const unsigned nr = std::min<unsigned>(to_submit, std::min(pending, ctx->sq_entries));
  IoKiocb* link_head = nullptr;
  IoKiocb* link_last = nullptr;
  for (unsigned i = 0; i < nr; ++i) {
    const uint32_t idx = ctx->sq_array[ctx->sq_head & (ctx->sq_entries - 1)];
    ++ctx->sq_head;
    ++submitted;
    if (idx >= ctx->sq_entries) continue;  // an invalid index is dropped (sq_dropped)
    const io_uring_sqe sqe = ctx->sqes[idx];  // read once
    IoKiocb* req = io_alloc_req(ctx, *ctx->reqs);
    ctx->world->sim().costs().Charge(sim::Cost::kRequest);
    const int err = io_init_req(ctx, req, sqe);
    TraceReq(req, "io_submit_sqe", "{} fd {} flags {:#x}{}", OpcodeName(sqe.opcode, ctx->world->era()), sqe.fd, sqe.flags,
                                               err != 0 ? fmt::format(": prep failed {}", net::ErrnoName(-err)) : "");
    if (err != 0) {
      // io_submit_fail_init(): don't break a link in the middle; the failed
      // request joins (or heads) the chain, which fails when it is flushed.
      req_set_fail(req);
      req->cqe.res = err;
      req->cqe.flags = 0;
      if (link_head != nullptr && !(link_head->flags & REQ_F_FAIL)) {
        req_set_fail(link_head);
        link_head->cqe.res = -ECANCELED;
        link_head->cqe.flags = 0;
      }
      if (!(req->flags & REQ_F_LINK)) {
        IoKiocb* queue = req;
        if (link_head != nullptr) {
          link_last->link = req;
          queue = link_head;
          link_head = link_last = nullptr;
        }
        io_queue_sqe_fallback(queue);
        if (!(ctx->setup_flags & IORING_SETUP_SUBMIT_ALL)) break;
        continue;
      }
      if (link_head != nullptr) {
        link_last->link = req;
      } else {
        link_head = req;
      }
      link_last = req;
      continue;
    }
    if (link_head != nullptr) {
      link_last->link = req;
      link_last = req;
      if (req->flags & REQ_F_LINK) continue;
      IoKiocb* head = link_head;
      link_head = link_last = nullptr;
      if (head->flags & (REQ_F_FORCE_ASYNC | REQ_F_FAIL)) {
        io_queue_sqe_fallback(head);
      } else {
        io_queue_sqe(head);
      }
    } else if (req->flags & REQ_F_LINK) {
      link_head = link_last = req;
    } else if (req->flags & REQ_F_FORCE_ASYNC) {
      io_queue_sqe_fallback(req);
    } else {
      io_queue_sqe(req);
    }
  }
  if (link_head != nullptr) io_queue_sqe_fallback(link_head);  // an unterminated link
  int ret = submitted;
  if (flags & IORING_ENTER_GETEVENTS) {
    // io_cqring_wait(): task_work and overflow first, then sleep until
    // enough CQEs are ready; time passes meanwhile.
    const bool ok = ctx->world->WaitFor([ctx, min_complete] {
      io_run_task_work(ctx);
      io_cqring_overflow_flush(ctx);
      return io_cqring_events(ctx) >= min_complete;
    });
    if (!ok && submitted == 0) ret = -EINTR;
  }
  return ret;
}

int io_uring_register(IoRingCtx* ctx, unsigned opcode, uint64_t arg, unsigned nr_args) {
  net::World::SyscallScope in_kernel(*ctx->world);
  net::Host::TaskScope task(*ctx->host);
  switch (opcode) {
    case IORING_REGISTER_BUFFERS:
      return io_sqe_buffers_register(ctx, arg, nr_args);
    case IORING_UNREGISTER_BUFFERS:
      if (arg != 0 || nr_args != 0) return -EINVAL;
      return io_sqe_buffers_unregister(ctx);
    case IORING_REGISTER_NOTIFIERS_V4:
      if (!IsSlotEra(ctx)) return -EINVAL;
      return io_notif_register(ctx, arg, nr_args);
    case IORING_UNREGISTER_NOTIFIERS_V4:
      if (!IsSlotEra(ctx)) return -EINVAL;
      if (arg != 0 || nr_args != 0) return -EINVAL;
      return io_notif_unregister(ctx);
    default:
      return -EINVAL;
  }
}

void io_ring_exit(IoRingCtx* ctx) {
  net::World::SyscallScope in_kernel(*ctx->world);
  net::Host::TaskScope task(*ctx->host);
  ctx->dying = true;
  if (ctx->notifiers_registered) io_notif_unregister(ctx);
  // io_ring_exit_work(): wait for the notifiers still out, running task_work;
  // their CQEs go to the dying ring.
  ctx->world->WaitFor([ctx] {
    io_run_task_work(ctx);
    return ctx->notifs_live == 0;
  });
  ZC_CHECK(ctx->world->checker(), ctx->notifs_live == 0, "INV-16", ctx->id,
           "ring freed with {} notifier(s) outstanding", ctx->notifs_live);
  if (ctx->buffers_registered) io_sqe_buffers_unregister(ctx);
  ZC_TRACE(ctx->world->tracer(), "uring", "io_ring_exit_work").Obj(ctx->id).Msg("ring freed");
}

}  // namespace zcsim::uring
