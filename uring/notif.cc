#include "uring/notif.h"

#include "uring/rsrc.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::uring {
namespace {

template <typename... Args>
void TraceNotif(IoKiocb* notif, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(notif->ctx->world->tracer(), "notif", func)
      .Obj(notif->id, {{"refcnt", notif->nd.uarg.refcnt}})
      .Msg(format, std::forward<Args>(args)...);
}

// io_notif_complete_tw_ext() / __io_notif_complete_tw(): runs as task_work.
void io_notif_complete_tw(IoKiocb* notif) {
  IoRingCtx* ctx = notif->ctx;
  IoNotifData& nd = notif->nd;
  // 6.2: report a copy if anything was copied or nothing went out zerocopy.
  if (nd.zc_report && (nd.zc_copied || !nd.zc_used)) notif->cqe.res |= static_cast<int32_t>(IORING_NOTIF_USAGE_ZC_COPIED);
  if (nd.account_pages != 0 && ctx->user != nullptr) {
    io_unaccount_mem(ctx->user, nd.account_pages);
    nd.account_pages = 0;
  }
  TraceNotif(notif, "io_notif_complete_tw", "notification for user_data {}", notif->cqe.user_data);
  io_req_complete_post(notif);
}

// io_uring_tx_zerocopy_callback (6.1) / io_tx_ubuf_callback_ext (6.2).
void io_uring_tx_zerocopy_callback(net::SkBuff* skb, net::UbufInfo* uarg, bool success) {
  IoKiocb* notif = io_notif_from_uarg(uarg);
  IoNotifData& nd = notif->nd;
  if (nd.zc_report) {
    if (success && !nd.zc_used && skb != nullptr) nd.zc_used = true;
    if (!success && !nd.zc_copied) nd.zc_copied = true;
  }
  if (uarg->refcnt <= 0) {
    notif->ctx->world->checker().Fail("INV-1", notif->id, "callback on a notifier with no references left");
    return;
  }
  --uarg->refcnt;
  TraceNotif(notif, "io_uring_tx_zerocopy_callback", "success={}", success);
  if (uarg->refcnt == 0) {
    io_req_task_work_add(notif, "__io_notif_complete_tw", [notif] { io_notif_complete_tw(notif); });
  }
}

}  // namespace

const net::UbufInfoOps io_notif_ubuf_ops = {"io_uring_tx_zerocopy_callback", &io_uring_tx_zerocopy_callback};

IoKiocb* io_alloc_notif(IoRingCtx* ctx) {
  IoKiocb* notif = io_alloc_req(ctx, *ctx->notifs);
  notif->opcode = IORING_OP_NOP;
  notif->is_notif = true;
  notif->nd.uarg.ops = &io_notif_ubuf_ops;
  notif->nd.uarg.refcnt = 1;  // the master reference, held by the send request
  notif->nd.uarg.flags = net::SKBFL_ZEROCOPY_FRAG | net::SKBFL_DONT_ORPHAN;
  notif->nd.uarg.id = notif->id;
  notif->nd.uarg.world = ctx->world;
  notif->nd.uarg.container = notif;
  ++ctx->notifs_live;
  TraceNotif(notif, "io_alloc_notif", "master reference held by the request");
  return notif;
}

void io_notif_flush(IoKiocb* notif) {
  net::UbufInfo& uarg = notif->nd.uarg;
  ZC_CHECK(notif->ctx->world->checker(), uarg.refcnt > 0, "INV-1", notif->id, "flush of a notifier with no master ref");
  --uarg.refcnt;
  TraceNotif(notif, "io_notif_flush", "master reference dropped");
  if (uarg.refcnt == 0) {
    io_req_task_work_add(notif, "__io_notif_complete_tw", [notif] { io_notif_complete_tw(notif); });
  }
}

int io_notif_account_mem(IoKiocb* notif, unsigned len) {
  IoRingCtx* ctx = notif->ctx;
  const uint64_t nr_pages = (len >> net::PAGE_SHIFT) + 2;
  if (ctx->user != nullptr) {
    const int err = io_account_mem(ctx->user, nr_pages);
    if (err != 0) return err;
    notif->nd.account_pages += nr_pages;
  }
  return 0;
}

}  // namespace zcsim::uring
