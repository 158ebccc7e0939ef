// io_link_skb (Linux 6.10 notification stacking): when a notifier may join
// the ubuf an skb already carries, how the chain is threaded, how the
// references move, and the order in which the chain's CQEs post.
#include "uring/notif.h"

#include <cerrno>
#include <vector>

#include <gtest/gtest.h>

#include "uring/invariants.h"
#include "uring/io_uring.h"

namespace zcsim::uring {
namespace {

// A ubuf of another provider (as a MSG_ZEROCOPY or vhost one would be).
void ForeignComplete(net::SkBuff*, net::UbufInfo* uarg, bool) { --uarg->refcnt; }
const net::UbufInfoOps kForeignOps = {"foreign_callback", &ForeignComplete, nullptr};

class NotifStackingTest : public testing::Test {
 protected:
  NotifStackingTest() : sim_(1, sim::CheckMode::kReport), world_(sim_), uring_(world_) {
    world_.set_era(net::KernelEra::k6_10);
    host_ = world_.AddHost("a");
    other_host_ = world_.AddHost("b");
    r1_ = Ring();
    r2_ = Ring();
  }

  IoRingCtx* Ring() {
    int err;
    RingParams params;
    params.sq_entries = 8;
    return io_uring_setup(uring_, host_, params, &err);
  }

  // A notifier as io_send_zc_prep leaves it, its request's CQE (F_MORE)
  // already posted so that INV-12 lets the notification through.
  IoKiocb* Notif(IoRingCtx* ctx, uint64_t user_data) {
    IoKiocb* n = io_alloc_notif(ctx);
    n->cqe.user_data = user_data;
    n->cqe.flags = IORING_CQE_F_NOTIF;
    n->owner_cqe_posted = n->owner_cqe_had_more = true;
    return n;
  }

  net::SkBuff* Skb() { return net::alloc_skb(world_, 128, "test"); }
  static int Link(net::SkBuff* skb, IoKiocb* n) { return io_notif_ubuf_ops.link_skb(skb, &n->nd.uarg); }
  static int Ref(IoKiocb* n) { return n->nd.uarg.refcnt; }

  std::vector<uint64_t> Posted(IoRingCtx* ctx) {
    std::vector<uint64_t> out;
    for (uint32_t i = ctx->cq_head; i != ctx->cq_tail; ++i) out.push_back(ctx->cqes[i & (ctx->cq_entries - 1)].user_data);
    return out;
  }

  sim::Simulator sim_;
  net::World world_;
  Uring uring_;
  net::Host* host_;
  net::Host* other_host_;
  IoRingCtx* r1_;
  IoRingCtx* r2_;
};

TEST_F(NotifStackingTest, AnSkbWithoutAUbufTakesTheNotifierWithOneReference) {
  IoKiocb* a = Notif(r1_, 1);
  net::SkBuff* skb = Skb();
  EXPECT_EQ(Link(skb, a), 0);
  EXPECT_EQ(net::skb_zcopy(skb), &a->nd.uarg);
  EXPECT_EQ(Ref(a), 2);
  EXPECT_EQ(Link(skb, a), 0);  // its own skb again: nothing changes
  EXPECT_EQ(Ref(a), 2);
  EXPECT_EQ(a->nd.head, a);
  EXPECT_EQ(a->nd.next, nullptr);
  EXPECT_TRUE(sim_.checker().ok());
}

TEST_F(NotifStackingTest, SameRingAndTaskStackRightAfterTheSkbsNotifier) {
  IoKiocb* a = Notif(r1_, 1);
  IoKiocb* b = Notif(r1_, 2);
  IoKiocb* c = Notif(r1_, 3);
  net::SkBuff* skb = Skb();
  ASSERT_EQ(Link(skb, a), 0);
  EXPECT_EQ(Link(skb, b), 0);
  EXPECT_EQ(Link(skb, c), 0);
  // The skb keeps its ubuf; b and c hold references on the head, not on it.
  EXPECT_EQ(net::skb_zcopy(skb), &a->nd.uarg);
  EXPECT_EQ(Ref(a), 4);
  EXPECT_EQ(Ref(b), 1);
  EXPECT_EQ(Ref(c), 1);
  EXPECT_EQ(b->nd.head, a);
  EXPECT_EQ(c->nd.head, a);
  EXPECT_EQ(a->nd.next, c);  // inserted after the skb's notifier: a, c, b
  EXPECT_EQ(c->nd.next, b);
  EXPECT_EQ(b->nd.next, nullptr);
  EXPECT_TRUE(sim_.checker().ok());
}

TEST_F(NotifStackingTest, RefusesAnotherRingAnotherTaskAnotherProviderAndChainedNotifiers) {
  IoKiocb* a = Notif(r1_, 1);
  IoKiocb* b = Notif(r1_, 2);
  IoKiocb* other_ring = Notif(r2_, 3);
  IoKiocb* other_task = Notif(r1_, 4);
  other_task->task = other_host_;  // as if another thread had submitted it
  net::SkBuff* skb = Skb();
  ASSERT_EQ(Link(skb, a), 0);
  ASSERT_EQ(Link(skb, b), 0);
  EXPECT_EQ(Link(skb, other_ring), -EEXIST);
  EXPECT_EQ(Link(skb, other_task), -EEXIST);
  for (IoKiocb* n : {other_ring, other_task}) {
    EXPECT_EQ(Ref(n), 1);
    EXPECT_EQ(n->nd.head, n);
    EXPECT_EQ(n->nd.next, nullptr);
  }
  EXPECT_EQ(Ref(a), 3);
  // Two chains are never joined: neither a member nor a head with members.
  net::SkBuff* theirs = Skb();
  ASSERT_EQ(Link(theirs, other_ring), 0);
  EXPECT_EQ(Link(theirs, b), -EEXIST);
  EXPECT_EQ(Link(theirs, a), -EEXIST);
  // Never onto another provider's ubuf.
  net::UbufInfo foreign;
  foreign.ops = &kForeignOps;
  foreign.world = &world_;
  foreign.flags = net::SKBFL_ZEROCOPY_FRAG;
  net::SkBuff* msgzc = Skb();
  net::skb_zcopy_init(msgzc, &foreign);
  EXPECT_EQ(Link(msgzc, other_task), -EEXIST);
  EXPECT_EQ(Ref(other_task), 1);
  // But an skb without a ubuf takes even a chained notifier.
  net::SkBuff* fresh = Skb();
  EXPECT_EQ(Link(fresh, b), 0);
  EXPECT_EQ(Ref(b), 2);
  EXPECT_TRUE(sim_.checker().ok());
}

// The whole life of a chain: a, then b and c stacked on a's skb; b goes on
// into an skb of its own, where d stacks behind it (so behind a non-head).
// Every member holds the head until its own references are gone, and the
// head posts everyone from one task_work only when the last skb goes.
TEST_F(NotifStackingTest, TheChainPostsOnceTheLastSkbGoesHeadFirst) {
  IoKiocb* a = Notif(r1_, 1);
  IoKiocb* b = Notif(r1_, 2);
  IoKiocb* c = Notif(r1_, 3);
  IoKiocb* d = Notif(r1_, 4);
  net::SkBuff* first = Skb();
  net::SkBuff* second = Skb();
  ASSERT_EQ(Link(first, a), 0);
  ASSERT_EQ(Link(first, b), 0);
  ASSERT_EQ(Link(first, c), 0);
  ASSERT_EQ(Link(second, b), 0);
  ASSERT_EQ(Link(second, d), 0);
  EXPECT_EQ(d->nd.head, a);
  EXPECT_EQ(b->nd.next, d);  // a, c, b, d
  EXPECT_EQ(Ref(a), 5);      // master, first, b, c, d
  for (IoKiocb* n : {a, b, c, d}) io_notif_flush(n);
  // c and d had only their masters: at zero they let go of the head.
  EXPECT_EQ(Ref(c), 0);
  EXPECT_EQ(Ref(d), 0);
  EXPECT_EQ(Ref(b), 1);  // second
  EXPECT_EQ(Ref(a), 2);  // first, b
  CheckUringInvariants(uring_);  // INV-1 counts shinfos and live stacked notifiers
  EXPECT_TRUE(sim_.checker().ok());
  net::kfree_skb(first, "test");
  io_run_task_work(r1_);
  EXPECT_TRUE(Posted(r1_).empty());  // b still holds the head through `second`
  EXPECT_EQ(Ref(a), 1);
  net::kfree_skb(second, "test");
  EXPECT_EQ(r1_->task_work->size(), 1u);  // one task_work for the chain
  io_run_task_work(r1_);
  EXPECT_EQ(Posted(r1_), (std::vector<uint64_t>{1, 3, 2, 4}));
  EXPECT_EQ(r1_->notifs_live, 0);
  EXPECT_TRUE(sim_.checker().ok());
}

// INV-1 broken on purpose: a stacked notifier that forgets to let go of its
// head (a leaked net_zcopy_get) leaves the head one reference too many.
TEST_F(NotifStackingTest, Inv1CatchesAReferenceTheChainDoesNotAccountFor) {
  IoKiocb* a = Notif(r1_, 1);
  IoKiocb* b = Notif(r1_, 2);
  net::SkBuff* skb = Skb();
  ASSERT_EQ(Link(skb, a), 0);
  ASSERT_EQ(Link(skb, b), 0);
  io_notif_flush(a);
  io_notif_flush(b);
  CheckUringInvariants(uring_);
  ASSERT_TRUE(sim_.checker().ok());
  ++a->nd.uarg.refcnt;
  CheckUringInvariants(uring_);
  ASSERT_FALSE(sim_.checker().ok());
  EXPECT_EQ(sim_.checker().violations()[0].rule, "INV-1");
  EXPECT_EQ(sim_.checker().violations()[0].object, a->id);
}

TEST_F(NotifStackingTest, BeforeSixTenTcpNeverAsksTheNotifier) {
  world_.set_era(net::KernelEra::k6_1);
  IoKiocb* a = Notif(r1_, 1);
  IoKiocb* b = Notif(r1_, 2);
  net::SkBuff* skb = Skb();
  EXPECT_FALSE(net::skb_zerocopy_uses_link_skb(&a->nd.uarg));
  EXPECT_EQ(net::skb_zerocopy_link(skb, &a->nd.uarg), 0);
  net::skb_zcopy_set(skb, &a->nd.uarg, nullptr);
  EXPECT_EQ(net::skb_zerocopy_link(skb, &b->nd.uarg), -EEXIST);
  EXPECT_EQ(b->nd.head, b);
  world_.set_era(net::KernelEra::k6_10);
  EXPECT_TRUE(net::skb_zerocopy_uses_link_skb(&b->nd.uarg));
  EXPECT_EQ(net::skb_zerocopy_link(skb, &b->nd.uarg), 0);
  EXPECT_EQ(b->nd.head, a);
  EXPECT_TRUE(sim_.checker().ok());
}

}  // namespace
}  // namespace zcsim::uring
