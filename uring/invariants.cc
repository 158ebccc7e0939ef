#include "uring/invariants.h"

#include "sim/check.h"
#include "uring/io_uring.h"

namespace zcsim::uring {

void CheckUringInvariants(Uring& u) {
  sim::Checker& checker = u.world().checker();
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
