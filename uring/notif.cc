#include "uring/notif.h"

#include <cerrno>

#include "uring/rsrc.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::uring {
namespace {

constexpr char kInvChain[] = "INV-17";

template <typename... Args>
void TraceNotif(IoKiocb* notif, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(notif->ctx->world->tracer(), "notif", func)
      .Obj(notif->id, {{"refcnt", notif->nd.uarg.refcnt}})
      .Msg(format, std::forward<Args>(args)...);
}

bool Stacking(const IoKiocb* notif) { return notif->ctx->world->era() >= net::KernelEra::k6_10; }

// The per-notifier part of the completion: usage report, unaccounting, CQE.
void CompleteOne(IoKiocb* notif) {
  IoRingCtx* ctx = notif->ctx;
  IoNotifData& nd = notif->nd;
  // 6.2: report a copy if anything was copied or nothing went out zerocopy.
  if (nd.zc_report && (nd.zc_copied || !nd.zc_used)) notif->cqe.res |= static_cast<int32_t>(IORING_NOTIF_USAGE_ZC_COPIED);
  if (nd.account_pages != 0 && ctx->user != nullptr) {
    io_unaccount_mem(ctx->user, nd.account_pages);
    nd.account_pages = 0;
  }
  TraceNotif(notif, "io_notif_tw_complete", "notification for user_data {}", notif->cqe.user_data);
  io_req_complete_post(notif);
}

// io_notif_tw_complete() (6.10; __io_notif_complete_tw in 6.1): runs as
// task_work of the head's task and posts the whole chain, head first, then
// along `next`. Before 6.10 the chain is the notifier alone.
void io_notif_tw_complete(IoKiocb* head) {
  CheckNotifChain(head, "completion");
  IoKiocb* notif = head;
  do {
    IoKiocb* next = notif->nd.next;  // read before the CQE frees the notifier
    CompleteOne(notif);
    notif = next;
  } while (notif != nullptr);
}

void QueueCompletion(IoKiocb* notif) {
  io_req_task_work_add(notif, Stacking(notif) ? "io_notif_tw_complete" : "__io_notif_complete_tw",
                       [notif] { io_notif_tw_complete(notif); });
}

// io_tx_ubuf_complete() (6.10; io_uring_tx_zerocopy_callback in 6.1,
// io_tx_ubuf_callback_ext in 6.2): drops one reference. At zero a stacked
// notifier drops the reference it holds on its head instead of completing
// (passing on skb and success, as the kernel does); the head, at zero,
// queues the task_work that completes the chain.
void io_tx_ubuf_complete(net::SkBuff* skb, net::UbufInfo* uarg, bool success) {
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
  if (uarg->refcnt != 0) return;
  if (nd.head != notif) {
    TraceNotif(notif, "io_tx_ubuf_complete", "stacked: drops its reference on head {}", nd.head->id.ToString());
    io_tx_ubuf_complete(skb, &nd.head->nd.uarg, success);
    return;
  }
  QueueCompletion(notif);
}

// io_link_skb() (6.10, ubuf_info_ops::link_skb): lets `uarg`'s notifier add
// pages to skb. An skb without a ubuf takes this one (one reference, as
// skb_zcopy_set); the notifier already on the skb needs nothing. Otherwise
// it joins the chain of the notifier on the skb, right after it, and holds
// one reference on the chain's head -- only if it is not in a chain of its
// own, the skb's ubuf is an io_uring notifier, and both belong to the same
// ring and task (so one task_work can post them all). Anything else says
// -EEXIST: TCP starts a new skb.
//
// As released (6.10 until the Sep 2025 fix "io_uring/zctx: check chained
// notif contexts", B18) the kernel took the previous notifier from the new
// one, so the ring/task test compared a notifier with itself and never
// refused. The model applies the test as intended; INV-17 catches chains
// that break it (tests/uring/notif_test.cc builds one on purpose).
int io_link_skb(net::SkBuff* skb, net::UbufInfo* uarg) {
  IoKiocb* notif = io_notif_from_uarg(uarg);
  IoNotifData& nd = notif->nd;
  net::UbufInfo* prev_uarg = net::skb_zcopy(skb);
  if (prev_uarg == nullptr) {
    net::net_zcopy_get(uarg);
    net::skb_zcopy_init(skb, uarg);
    return 0;
  }
  if (prev_uarg == uarg) return 0;  // a notifier is never linked to itself
  const char* refusal = nullptr;
  if (nd.head != notif || nd.next != nullptr) {
    refusal = "already in a chain";  // two chains are never joined
  } else if (prev_uarg->ops != &io_notif_ubuf_ops) {
    refusal = "the skb's ubuf is not an io_uring notifier";  // zerocopy providers never mix
  } else {
    IoKiocb* prev_notif = io_notif_from_uarg(prev_uarg);
    if (notif->ctx != prev_notif->ctx) refusal = "the skb's notifier belongs to another ring";
    else if (notif->task != prev_notif->task) refusal = "the skb's notifier belongs to another task";
  }
  if (refusal != nullptr) {
    ZC_TRACE(notif->ctx->world->tracer(), "notif", "io_link_skb")
        .Obj(notif->id)
        .Obj(skb->id)
        .Obj(prev_uarg->id)
        .Msg("-EEXIST: {}", refusal);
    return -EEXIST;
  }
  IoKiocb* prev_notif = io_notif_from_uarg(prev_uarg);
  nd.head = prev_notif->nd.head;
  nd.next = prev_notif->nd.next;
  prev_notif->nd.next = notif;
  net::net_zcopy_get(&nd.head->nd.uarg);
  ZC_TRACE(notif->ctx->world->tracer(), "notif", "io_link_skb")
      .Obj(notif->id)
      .Obj(skb->id)
      .Obj(nd.head->id, {{"refcnt", nd.head->nd.uarg.refcnt}})
      .Msg("stacked after {}: holds a reference on the head", prev_notif->id.ToString());
  CheckNotifChain(nd.head, "io_link_skb");
  return 0;
}

}  // namespace

const net::UbufInfoOps io_notif_ubuf_ops = {"io_uring_tx_zerocopy_callback", &io_tx_ubuf_complete, &io_link_skb};

void CheckNotifChain(IoKiocb* head, const char* event) {
  sim::Checker& checker = head->ctx->world->checker();
  ZC_CHECK(checker, head->nd.head == head, kInvChain, head->id, "{}: a chain walked from a non-head (head {})", event,
           head->nd.head->id.ToString());
  // Every member is a live notifier: more steps than that means a cycle.
  const size_t live = head->ctx->notifs->live();
  size_t members = 0;
  for (IoKiocb* n = head->nd.next; n != nullptr; n = n->nd.next) {
    if (++members > live) {
      checker.Fail(kInvChain, head->id, fmt::format("{}: the chain does not end", event));
      return;
    }
    ZC_CHECK(checker, n->nd.head == head, kInvChain, n->id, "{}: chained after {} but its head is {}", event,
             head->id.ToString(), n->nd.head->id.ToString());
    ZC_CHECK(checker, n->ctx == head->ctx, kInvChain, n->id, "{}: chained to head {} of another ring ({} vs {})",
             event, head->id.ToString(), n->ctx->id.ToString(), head->ctx->id.ToString());
    ZC_CHECK(checker, n->task == head->task, kInvChain, n->id, "{}: chained to head {} of another task", event,
             head->id.ToString());
  }
}

IoKiocb* io_alloc_notif(IoRingCtx* ctx) {
  IoKiocb* notif = io_alloc_req(ctx, *ctx->notifs);
  notif->opcode = IORING_OP_NOP;
  notif->is_notif = true;
  notif->task = ctx->host;  // notif->task = current
  notif->nd.uarg.ops = &io_notif_ubuf_ops;
  notif->nd.uarg.refcnt = 1;  // the master reference, held by the send request
  notif->nd.uarg.flags = net::SKBFL_ZEROCOPY_FRAG | net::SKBFL_DONT_ORPHAN;
  notif->nd.uarg.id = notif->id;
  notif->nd.uarg.world = ctx->world;
  notif->nd.uarg.container = notif;
  notif->nd.next = nullptr;
  notif->nd.head = notif;
  ++ctx->notifs_live;
  TraceNotif(notif, "io_alloc_notif", "master reference held by the request");
  return notif;
}

// io_notif_flush(): drops the master reference. 6.10 does it through
// io_tx_ubuf_complete(NULL, uarg, true), so a stacked notifier passes its
// last reference on to its head; before, it was a plain refcount_dec_and_test
// and task_work, which the same call amounts to there (no skb, success).
void io_notif_flush(IoKiocb* notif) {
  net::UbufInfo& uarg = notif->nd.uarg;
  ZC_CHECK(notif->ctx->world->checker(), uarg.refcnt > 0, "INV-1", notif->id, "flush of a notifier with no master ref");
  TraceNotif(notif, "io_notif_flush", "master reference dropped");
  if (uarg.refcnt > 0) io_tx_ubuf_complete(nullptr, &uarg, true);
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
