#include "uring/invariants.h"

#include <map>

#include "sim/check.h"
#include "uring/io_uring.h"
#include "uring/notif.h"

namespace zcsim::uring {
namespace {

// INV-1 for the 6.0+ notifiers: refcnt = the master reference (while a
// request still holds the notifier) + one per shinfo carrying its ubuf + one
// per live notifier stacked on it as head (6.10). TCP's datapath reference
// lives only inside a system call, where this check does not run.
void CheckNotifierBalance(Uring& u) {
  std::map<uint32_t, net::SkbSharedInfo*> shinfos;  // by id: deterministic
  u.world().skbs().ForEach([&](net::SkBuff* skb) {
    if (skb->shinfo != nullptr) shinfos[skb->shinfo->id.n] = skb->shinfo;
  });
  std::map<const IoKiocb*, int> held;
  for (const auto& [id, sh] : shinfos) {
    if ((sh->flags & net::SKBFL_ZEROCOPY_ENABLE) && sh->destructor_arg != nullptr &&
        sh->destructor_arg->ops == &io_notif_ubuf_ops) {
      ++held[io_notif_from_uarg(sh->destructor_arg)];
    }
  }
  u.reqs().ForEach([&](IoKiocb* req) {
    if (req->sr.notif != nullptr && req->sr.notif->nd.uarg.ops == &io_notif_ubuf_ops) ++held[req->sr.notif];
  });
  u.notifs().ForEach([&](IoKiocb* n) {
    if (n->nd.head != nullptr && n->nd.head != n && n->nd.uarg.refcnt > 0) ++held[n->nd.head];
  });
  u.notifs().ForEach([&](IoKiocb* n) {
    if (n->nd.uarg.ops != &io_notif_ubuf_ops || n->nd.uarg.refcnt == 0) return;  // v4, or completing
    ZC_CHECK(u.world().checker(), n->nd.uarg.refcnt == held[n], "INV-1", n->id,
             "refcnt {} but request + shinfos + stacked notifiers hold {}", n->nd.uarg.refcnt, held[n]);
  });
}

}  // namespace

void CheckUringInvariants(Uring& u) {
  sim::Checker& checker = u.world().checker();
  CheckNotifierBalance(u);
  u.world().skbs().ForEach([&](net::SkBuff* skb) {
    if (skb->shinfo == nullptr || !(skb->shinfo->flags & net::SKBFL_MANAGED_FRAG_REFS)) return;
    for (int i = 0; i < skb->shinfo->nr_frags; ++i) {
      const net::Page* p = skb->shinfo->frags[i].page;
      ZC_CHECK(checker, !p->dead && p->pincount > 0, "INV-5", p->id,
               "managed frag of {} points at a page that is no longer pinned", skb->id);
    }
  });
  u.notifs().ForEach([&](IoKiocb* n) {
    if (n->rsrc_node != nullptr) {
      ZC_CHECK(checker, n->rsrc_node->refs > 0, "INV-5", n->id, "its rsrc node {} has no references",
               n->rsrc_node->id);
    }
  });
  u.rings().ForEach([&](IoRingCtx* ctx) {
    const uint64_t accounted = ctx->cqes_reaped + (ctx->cq_tail - ctx->cq_head) + ctx->overflow_list.size();
    ZC_CHECK(checker, ctx->cqes_posted == accounted, "INV-15", ctx->id,
             "{} CQEs produced but {} reaped + {} ready + {} overflowed", ctx->cqes_posted, ctx->cqes_reaped,
             ctx->cq_tail - ctx->cq_head, ctx->overflow_list.size());
  });
}

}  // namespace zcsim::uring
