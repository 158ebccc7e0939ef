#include "uring/notif_v4.h"

#include "net/socket.h"
#include "net/uapi.h"
#include "sim/check.h"
#include "sim/trace.h"
#include "uring/net.h"
#include "uring/notif.h"
#include "uring/rsrc.h"

namespace zcsim::uring {
namespace {

constexpr sim::Time kWorkqueueDelay = 1 * sim::kMicrosecond;  // system_unbound_wq picks it up

template <typename... Args>
void TraceSlot(IoKiocb* notif, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  if (!notif->ctx->world->tracer().enabled()) return;
  ZC_TRACE(notif->ctx->world->tracer(), "notif", func)
      .Obj(notif->id, {{"refcnt", notif->nd.uarg.refcnt}, {"slot", notif->slot}, {"seq", notif->seq}})
      .Msg(format, std::forward<Args>(args)...);
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool FixedOrdering(const IoRingCtx* ctx) { return ctx->world->era() >= net::KernelEra::k6_0_rc3; }

// io_notif_complete(): uncharge, post {tag, 0, seq}, back to the cache.
void io_notif_complete_v4(IoKiocb* notif) {
  IoRingCtx* ctx = notif->ctx;
  net::mm_unaccount_pinned_pages(&notif->mmp);
  if (notif->nd.account_pages != 0 && ctx->user != nullptr) {
    io_unaccount_mem(ctx->user, notif->nd.account_pages);
    notif->nd.account_pages = 0;
  }
  ++ctx->notif_cache_locked;
  TraceSlot(notif, "io_notif_complete", "generation done: CQE tag {:#x} seq {}", notif->tag, notif->seq);
  io_req_complete_post(notif);
}

void CompleteWhenFree(IoKiocb* notif) {
  if (notif->task_set) {
    io_req_task_work_add(notif, "__io_notif_complete_tw", [notif] { io_notif_complete_v4(notif); });
  } else {
    // No task to run it: the system workqueue does, a little later.
    notif->ctx->world->sim().scheduler().After(kWorkqueueDelay, "io_notif_complete_wq", [notif] {
      net::World::SyscallScope in_kernel(*notif->ctx->world);
      io_notif_complete_v4(notif);
    });
  }
}

// io_uring_tx_zerocopy_callback() of the series.
void io_uring_tx_zerocopy_callback_v4(net::SkBuff* skb, net::UbufInfo* uarg, bool success) {
  (void)skb;
  (void)success;
  IoKiocb* notif = io_notif_from_uarg(uarg);
  if (uarg->refcnt <= 0) {
    notif->ctx->world->checker().Fail("INV-1", notif->id, "callback on a notifier with no references left");
    return;
  }
  --uarg->refcnt;
  TraceSlot(notif, "io_uring_tx_zerocopy_callback", "skb released");
  if (uarg->refcnt == 0) CompleteWhenFree(notif);
}

const net::UbufInfoOps io_notif_ubuf_ops_v4 = {"io_uring_tx_zerocopy_callback", &io_uring_tx_zerocopy_callback_v4, nullptr};

// io_alloc_notif() of the series: from the cache when it can.
IoKiocb* io_alloc_notif_v4(IoRingCtx* ctx, IoRingCtx::NotifSlot* slot, int slot_index) {
  const char* source = "cache";
  if (ctx->notif_cache == 0 && ctx->notif_cache_locked > IO_NOTIF_SPLICE_BATCH) {
    ctx->notif_cache += ctx->notif_cache_locked;  // io_notif_splice_cached()
    ctx->notif_cache_locked = 0;
    source = "cache (spliced)";
  }
  if (ctx->notif_cache > 0) {
    --ctx->notif_cache;
  } else {
    source = "kzalloc";
  }
  IoKiocb* notif = io_alloc_req(ctx, *ctx->notifs);
  notif->is_notif = true;
  notif->slot = slot_index;
  notif->seq = slot->seq++;
  notif->tag = slot->tag;
  notif->cqe.user_data = notif->tag;
  notif->cqe.res = 0;
  notif->cqe.flags = notif->seq;
  notif->nd.uarg.ops = &io_notif_ubuf_ops_v4;
  notif->nd.uarg.refcnt = 1;  // the slot's master reference
  notif->nd.uarg.flags = net::SKBFL_ZEROCOPY_FRAG | net::SKBFL_DONT_ORPHAN;
  notif->nd.uarg.id = notif->id;
  notif->nd.uarg.world = ctx->world;
  notif->nd.uarg.container = notif;
  io_req_set_rsrc_node(notif, ctx);  // v4 patch 17: the generation pins the buffer table
  // 6.0-rc1 binds every notifier to the allocating task (notif->task =
  // current); v4 only when a flush comes from the task.
  notif->task_set = ctx->world->era() >= net::KernelEra::k6_0_rc1;
  ++ctx->notifs_live;
  TraceSlot(notif, "io_alloc_notif", "slot {} generation {} (tag {:#x}) from {}", slot_index, notif->seq, notif->tag,
            source);
  return notif;
}

}  // namespace

bool IsSlotEra(const IoRingCtx* ctx) { return ctx->world->era() < net::KernelEra::k6_0; }

IoKiocb* io_get_notif(IoRingCtx* ctx, IoRingCtx::NotifSlot* slot) {
  if (slot->notif == nullptr) slot->notif = io_alloc_notif_v4(ctx, slot, static_cast<int>(slot - ctx->notif_slots.data()));
  return slot->notif;
}

void io_notif_slot_flush_submit(IoRingCtx* ctx, IoRingCtx::NotifSlot* slot, unsigned issue_flags, IoKiocb* req) {
  IoKiocb* notif = slot->notif;
  slot->notif = nullptr;
  if (!(issue_flags & IO_URING_F_UNLOCKED)) notif->task_set = true;  // complete as task_work of the submitter
  if (req != nullptr) {
    req->flushed_notifs.push_back(notif);
    notif->flushing_req = req;
  }
  ZC_CHECK(ctx->world->checker(), notif->nd.uarg.refcnt > 0, "INV-13", notif->id, "flush of a generation with no master ref");
  --notif->nd.uarg.refcnt;
  TraceSlot(notif, "io_notif_slot_flush", "slot {} detached, master reference dropped", notif->slot);
  if (notif->nd.uarg.refcnt == 0) {
    if (FixedOrdering(ctx)) {
      CompleteWhenFree(notif);  // 6.0-rc3: always through task_work (B2 fix)
    } else {
      io_notif_complete_v4(notif);  // v4 / 6.0-rc1: inline, before the flushing request's CQE (B2)
    }
  }
}

int io_notif_register(IoRingCtx* ctx, uint64_t arg, unsigned size) {
  if (ctx->notifiers_registered) return -EBUSY;
  if (size != sizeof(io_uring_notification_register_v4)) return -EINVAL;
  net::Mm& mm = ctx->host->mm();
  uint8_t reg[32];
  if (mm.Read(arg, sizeof(reg), reg) != 0) return -EFAULT;
  const uint32_t nr_slots = static_cast<uint32_t>(Load64(reg) & 0xffffffff);
  const uint32_t resv = static_cast<uint32_t>(Load64(reg) >> 32);
  const uint64_t resv2 = Load64(reg + 8), data = Load64(reg + 16), resv3 = Load64(reg + 24);
  if (nr_slots == 0 || nr_slots > IORING_MAX_NOTIF_SLOTS_V4) return -EINVAL;
  if (resv != 0 || resv2 != 0 || resv3 != 0) return -EINVAL;
  ctx->notif_slots.clear();
  ctx->notifiers_registered = true;
  for (uint32_t i = 0; i < nr_slots; ++i) {
    uint8_t slot[32];
    if (mm.Read(data + 32ull * i, sizeof(slot), slot) != 0) {
      io_notif_unregister(ctx);
      return -EFAULT;
    }
    if (Load64(slot + 8) | Load64(slot + 16) | Load64(slot + 24)) {
      io_notif_unregister(ctx);
      return -EINVAL;
    }
    ctx->notif_slots.push_back({nullptr, Load64(slot), 0});
  }
  ZC_TRACE(ctx->world->tracer(), "notif", "io_notif_register").Obj(ctx->id).Msg("{} slot(s)", nr_slots);
  return 0;
}

int io_notif_unregister(IoRingCtx* ctx) {
  if (!ctx->notifiers_registered) return -ENXIO;
  for (IoRingCtx::NotifSlot& slot : ctx->notif_slots) {
    if (slot.notif == nullptr) continue;
    // Flushed without a task: completes from the workqueue.
    IoKiocb* notif = slot.notif;
    slot.notif = nullptr;
    --notif->nd.uarg.refcnt;
    TraceSlot(notif, "io_notif_unregister", "slot {} flushed at unregister", notif->slot);
    if (notif->nd.uarg.refcnt == 0) {
      if (FixedOrdering(ctx)) {
        CompleteWhenFree(notif);
      } else {
        io_notif_complete_v4(notif);  // io_notif_slot_flush(): inline when nothing holds it
      }
    }
  }
  ctx->notif_slots.clear();
  ctx->notifiers_registered = false;
  ctx->notif_cache = 0;  // io_notif_cache_purge()
  ctx->notif_cache_locked = 0;
  return 0;
}

int io_sendzc_prep_v4(IoKiocb* req, const io_uring_sqe* sqe) {
  IoRingCtx* ctx = req->ctx;
  IoSrMsg& sr = req->sr;
  if (sqe->addr3 != 0 || sqe->__pad2[0] != 0) return -EINVAL;
  sr.flags = sqe->ioprio;
  if (sr.flags & ~(IORING_RECVSEND_POLL_FIRST | IORING_RECVSEND_FIXED_BUF | IORING_RECVSEND_NOTIF_FLUSH_V4)) return -EINVAL;
  if (sr.flags & IORING_RECVSEND_FIXED_BUF) {
    const unsigned idx = sqe->buf_index;
    if (idx >= ctx->user_bufs.size()) return -EFAULT;
    req->imu = ctx->user_bufs[idx].get();
    io_req_set_rsrc_node(req, ctx);
  }
  sr.buf = sqe->addr;
  sr.len = sqe->len;
  sr.msg_flags = sqe->msg_flags | MSG_NOSIGNAL;
  if (sr.msg_flags & MSG_DONTWAIT) req->flags |= REQ_F_NOWAIT;
  // v4 layout: notification_idx is the u16 at offset 44, addr_len the u16
  // at offset 46 (today's addr_len and __pad3).
  req->slot = sqe->addr_len;
  sr.addr = sqe->addr2;
  sr.addr_len = sqe->__pad3[0];
  return 0;
}

int io_sendzc_v4(IoKiocb* req, unsigned issue_flags) {
  IoRingCtx* ctx = req->ctx;
  IoSrMsg& sr = req->sr;
  // Slots need uring_lock: never from io-wq (B19).
  if (!(req->flags & REQ_F_POLLED) && (sr.flags & IORING_RECVSEND_POLL_FIRST)) return -EAGAIN;
  if (issue_flags & IO_URING_F_UNLOCKED) return -EAGAIN;
  if (req->slot < 0 || static_cast<size_t>(req->slot) >= ctx->notif_slots.size()) return -EINVAL;
  IoRingCtx::NotifSlot* slot = &ctx->notif_slots[static_cast<size_t>(req->slot)];
  IoKiocb* notif = io_get_notif(ctx, slot);
  net::MsgHdr msg;
  if (sr.flags & IORING_RECVSEND_FIXED_BUF) {
    const int err = io_import_fixed(&msg.msg_iter, req->imu, sr.buf, sr.len);
    if (err != 0) return err;
  } else {
    msg.msg_iter = net::iov_iter_ubuf(&ctx->host->mm(), sr.buf, sr.len);
    if (ctx->world->era() == net::KernelEra::kV4) {
      // v4 patch 20 charges the generation and ignores a failure (B11).
      (void)net::mm_account_pinned_pages(&notif->mmp, sr.len, &ctx->host->mm().user());
    } else {
      const int err = io_notif_account_mem(notif, sr.len);  // 2e32ba5607ee
      if (err != 0) return err;
    }
  }
  msg.sg_from_iter = io_sg_from_iter;
  if (sr.addr != 0) {
    const int err = net::move_addr_to_kernel(ctx->host, sr.addr, sr.addr_len, &msg.name);
    if (err < 0) return err;
    msg.has_name = true;
    msg.namelen = sr.addr_len;
  }
  unsigned flags = sr.msg_flags | MSG_ZEROCOPY;
  if (issue_flags & IO_URING_F_NONBLOCK) flags |= MSG_DONTWAIT;
  const long min_ret = (flags & MSG_WAITALL) ? static_cast<long>(sr.len) : 0;
  msg.msg_flags = flags;
  msg.msg_ubuf = &notif->nd.uarg;
  const long ret = net::sock_sendmsg(req->file, &msg);
  ZC_TRACE(ctx->world->tracer(), "uring", "io_sendzc")
      .Obj(req->id, {{"user_data", static_cast<int64_t>(req->cqe.user_data)}})
      .Obj(notif->id, {{"refcnt", notif->nd.uarg.refcnt}})
      .Msg("slot {} seq {}: sock_sendmsg -> {}", req->slot, notif->seq, ret);
  if (ret < min_ret) {
    if (ret == -EAGAIN && (issue_flags & IO_URING_F_NONBLOCK)) return -EAGAIN;
    if (ctx->world->era() == net::KernelEra::k6_0_rc1) {
      // 6.0-rc1 completed a failed send without req_set_fail(): its link
      // went on as if it had succeeded (B1, fixed by 5a848b7c9e5e).
      req->cqe.res = static_cast<int32_t>(ret);
      req->cqe.flags = 0;
      return 0;
    }
    return static_cast<int>(ret < 0 ? ret : -EAGAIN);  // failed: no flush (INV-14)
  }
  if (sr.flags & IORING_RECVSEND_NOTIF_FLUSH_V4) io_notif_slot_flush_submit(ctx, slot, issue_flags, req);
  req->cqe.res = static_cast<int32_t>(ret);
  req->cqe.flags = 0;
  return 0;
}

int io_rsrc_update_prep(IoKiocb* req, const io_uring_sqe* sqe) {
  if (req->flags & (REQ_F_FIXED_FILE | REQ_F_BUFFER_SELECT)) return -EINVAL;
  if (sqe->rw_flags != 0 || sqe->splice_fd_in != 0) return -EINVAL;
  req->up_offset = static_cast<uint32_t>(sqe->off);
  req->up_nr = sqe->len;
  if (req->up_nr == 0) return -EINVAL;
  req->up_arg = sqe->addr;
  req->up_type = sqe->ioprio;
  return 0;
}

int io_rsrc_update(IoKiocb* req, unsigned issue_flags) {
  IoRingCtx* ctx = req->ctx;
  int ret = 0;
  if (req->up_type == IORING_RSRC_UPDATE_FILES_V4) {
    ret = -ENXIO;  // no registered file table in this model
  } else if (req->up_type != IORING_RSRC_UPDATE_NOTIF_V4) {
    ret = -EINVAL;
  } else {
    const uint64_t end = uint64_t{req->up_offset} + req->up_nr;
    if (end > UINT32_MAX) {
      ret = -EOVERFLOW;
    } else if (end > ctx->notif_slots.size()) {
      ret = -EINVAL;
    } else {
      for (uint32_t idx = req->up_offset; idx < end; ++idx) {
        IoRingCtx::NotifSlot* slot = &ctx->notif_slots[idx];
        if (slot->notif == nullptr) continue;  // empty slots: skipped, tag kept (B19)
        if (req->up_arg != 0) slot->tag = req->up_arg;  // applies to the next generation
        io_notif_slot_flush_submit(ctx, slot, issue_flags, req);
      }
    }
  }
  if (ret < 0) req_set_fail(req);
  req->cqe.res = ret;
  req->cqe.flags = 0;
  return 0;
}

}  // namespace zcsim::uring
