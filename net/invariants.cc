#include "net/invariants.h"

#include <algorithm>
#include <map>

#include "net/host.h"
#include "net/msg_zerocopy.h"
#include "net/tcp.h"
#include "net/world.h"
#include "sim/check.h"

namespace zcsim::net {
namespace {

// Live shinfos are reached through live skbs (several clones may share one).
template <typename Fn>
void ForEachShinfo(World& world, Fn fn) {
  std::map<uint32_t, SkbSharedInfo*> seen;  // by id: deterministic order
  world.skbs().ForEach([&](SkBuff* skb) {
    if (skb->shinfo != nullptr) seen[skb->shinfo->id.n] = skb->shinfo;
  });
  // frag_list members are skbs too, so they are covered above.
  for (const auto& [id, sh] : seen) fn(sh);
}

void CheckUbufBalance(World& world) {
  std::map<const UbufInfo*, int> holders;
  ForEachShinfo(world, [&](SkbSharedInfo* sh) {
    if ((sh->flags & SKBFL_ZEROCOPY_ENABLE) && sh->destructor_arg != nullptr) ++holders[sh->destructor_arg];
  });
  world.msgzc_ubufs().ForEach([&](UbufInfoMsgzc* uz) {
    if (uz->ubuf.refcnt == 0) return;  // completed: it is a notification now
    const int held = holders[&uz->ubuf];
    ZC_CHECK(world.checker(), uz->ubuf.refcnt == held, "INV-1", uz->ubuf.id,
             "refcnt {} but {} shinfo(s) hold it", uz->ubuf.refcnt, held);
  });
}

// INV-3: clones share one shinfo (so its frags and its single ubuf
// reference), and its dataref counts every skb sharing it. TCP relies on it:
// __tcp_transmit_skb() sends a copy instead of a clone while skb_cloned()
// says an earlier clone is still on a NIC.
void CheckSharedInfo(World& world) {
  std::map<uint32_t, int> sharers;  // by shinfo id
  world.skbs().ForEach([&](SkBuff* skb) {
    if (skb->shinfo != nullptr) ++sharers[skb->shinfo->id.n];
  });
  ForEachShinfo(world, [&](SkbSharedInfo* sh) {
    ZC_CHECK(world.checker(), sh->dataref == sharers[sh->id.n], "INV-3", sh->id, "dataref {} but {} skb(s) share it",
             sh->dataref, sharers[sh->id.n]);
  });
}

void CheckPageRefs(World& world) {
  std::map<const Page*, int> frags, unmanaged;
  ForEachShinfo(world, [&](SkbSharedInfo* sh) {
    const bool managed = sh->flags & SKBFL_MANAGED_FRAG_REFS;
    for (int i = 0; i < sh->nr_frags; ++i) {
      const Page* p = sh->frags[i].page;
      ZC_CHECK(world.checker(), !p->dead, "INV-4", p->id, "a frag of {} points at a freed page", sh->id.ToString());
      ++frags[p];
      if (!managed) ++unmanaged[p];
    }
  });
  world.pages().ForEach([&](Page* p) {
    ZC_CHECK(world.checker(), p->frag_users == frags[p], "INV-4", p->id, "frag_users {} but {} frag(s) point at it",
             p->frag_users, frags[p]);
    if (!p->user) return;  // kernel pages also have page-frag holders
    const int want = (p->mapped ? 1 : 0) + p->pincount + unmanaged[p];
    ZC_CHECK(world.checker(), p->refcount == want, "INV-4", p->id,
             "refcount {} but mapping {} + pins {} + referenced frags {} = {}", p->refcount, p->mapped ? 1 : 0,
             p->pincount, unmanaged[p], want);
  });
}

void CheckSocketMemory(World& world) {
  struct Charges {
    int64_t w = 0, r = 0, o = 0;
  };
  std::map<const Sock*, Charges> charges;
  world.skbs().ForEach([&](SkBuff* skb) {
    if (skb->sk == nullptr) return;
    Charges& c = charges[skb->sk];
    if (skb->destructor == SkbDestructor::kSockWfree) c.w += skb->truesize;
    if (skb->destructor == SkbDestructor::kSockRfree) c.r += skb->truesize;
    if (skb->destructor == SkbDestructor::kSockOfree) c.o += skb->truesize;
  });
  world.socks().ForEach([&](Sock* sk) {
    const Charges& c = charges[sk];
    ZC_CHECK(world.checker(), sk->sk_wmem_alloc == c.w, "INV-7", sk->id, "sk_wmem_alloc {} but owned skbs' truesize is {}",
             sk->sk_wmem_alloc, c.w);
    ZC_CHECK(world.checker(), sk->sk_rmem_alloc == c.r, "INV-7", sk->id, "sk_rmem_alloc {} but queued skbs' truesize is {}",
             sk->sk_rmem_alloc, c.r);
    ZC_CHECK(world.checker(), sk->sk_omem_alloc == c.o, "INV-7", sk->id, "sk_omem_alloc {} but option skbs' truesize is {}",
             sk->sk_omem_alloc, c.o);
  });
  std::map<const UserStruct*, uint64_t> pinned;
  world.msgzc_ubufs().ForEach([&](UbufInfoMsgzc* uz) {
    if (uz->mmp.user != nullptr) pinned[uz->mmp.user] += uz->mmp.num_pg;
  });
  for (const auto& source : world.locked_vm_sources()) source(pinned);
  for (const auto& host : world.hosts()) {
    const UserStruct& u = host->mm().user();
    ZC_CHECK(world.checker(), u.locked_vm == pinned[&u], "INV-7", sim::ObjectId{},
             "{}: locked_vm {} but live ubufs charged {} pages", host->name(), u.locked_vm, pinned[&u]);
  }
}

// INV-21 (sequence side): a TCP socket's packets_out, which its congestion
// window is tested against, counts the MSS-sized packets of every skb on the
// retransmit queue, and those skbs cover [snd_una, snd_nxt) in order
// (tso_fragment, tcp_fragment and tcp_trim_head keep both true). Likewise
// sacked_out, which recovery starts on and the packets in flight exclude,
// counts the packets of exactly the skbs marked TCPCB_SACKED_ACKED.
void CheckTcpQueues(World& world) {
  world.socks().ForEach([&](Sock* sk) {
    if (sk->tcp == nullptr) return;
    const TcpSock& t = *sk->tcp;
    uint32_t packets = 0;
    uint32_t seq = t.rtx_queue.empty() ? t.snd_nxt : t.rtx_queue.front()->seq;
    bool contiguous = true;
    int64_t queued = 0;
    int64_t charged = 0;
    for (const auto* q : {&t.write_queue, &t.rtx_queue}) {
      for (SkBuff* skb : *q) {
        queued += skb->truesize;
        charged += tcp_skb_mem_charge(skb);
      }
    }
    // INV-7 for TCP: sk_wmem_queued is the truesize of every queued skb, and
    // the protocol-memory charge follows the PURE_ZEROCOPY rules.
    ZC_CHECK(world.checker(), queued == t.sk_wmem_queued && charged == t.sk_mem_charged, "INV-7", sk->id,
             "wmem_queued {} and mem_charged {}, but the queued skbs hold {} and {}", t.sk_wmem_queued,
             t.sk_mem_charged, queued, charged);
    uint32_t sacked = 0;
    for (const SkBuff* skb : t.rtx_queue) {
      packets += std::max<uint32_t>(skb->shinfo->gso_segs, 1);
      if (skb->sacked & TCPCB_SACKED_ACKED) sacked += std::max<uint32_t>(skb->shinfo->gso_segs, 1);
      contiguous = contiguous && skb->seq == seq;
      seq = skb->end_seq;
    }
    ZC_CHECK(world.checker(), packets == t.packets_out && contiguous && seq == t.snd_nxt, "INV-21", sk->id,
             "packets_out {} but the retransmit queue holds {} packet(s){}", t.packets_out, packets,
             contiguous && seq == t.snd_nxt ? "" : ", not contiguous up to snd_nxt");
    ZC_CHECK(world.checker(), sacked == t.sacked_out, "INV-21", sk->id,
             "sacked_out {} but the SACKed skbs of the retransmit queue hold {} packet(s)", t.sacked_out, sacked);
  });
}

}  // namespace

void CheckWorldInvariants(World& world) {
  CheckUbufBalance(world);
  CheckSharedInfo(world);
  CheckPageRefs(world);
  CheckSocketMemory(world);
  CheckTcpQueues(world);
}

void RegisterWorldInvariants(World& world) {
  world.sim().AddWorldCheck("net", [&world] {
    if (world.syscall_depth() == 0) CheckWorldInvariants(world);
  });
}

}  // namespace zcsim::net
