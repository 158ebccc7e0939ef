// The zerocopy parts of net/core/skbuff.c and include/linux/skbuff.h (6.1):
// attaching a ubuf to an skb (and 6.10's ubuf_info_ops::link_skb), dropping
// it, managed frags, and the deferred copy (skb_copy_ubufs) that orphaning
// performs.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/skbuff.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

constexpr char kInvUbuf[] = "INV-1";
constexpr char kInvOneUbuf[] = "INV-2";

template <typename... Args>
void TraceUbuf(UbufInfo* uarg, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(uarg->world->tracer(), "zcopy", func)
      .Obj(uarg->id, {{"refcnt", uarg->refcnt}})
      .Msg(format, std::forward<Args>(args)...);
}

}  // namespace

UbufInfo* skb_zcopy(SkBuff* skb) {
  SkbSharedInfo* sh = skb->shinfo;
  return (sh->flags & SKBFL_ZEROCOPY_ENABLE) ? sh->destructor_arg : nullptr;
}

bool skb_zcopy_managed(const SkBuff* skb) {
  return (skb->shinfo->flags & SKBFL_MANAGED_FRAG_REFS) != 0;
}

void net_zcopy_get(UbufInfo* uarg) {
  ZC_CHECK(uarg->world->checker(), uarg->refcnt > 0, kInvUbuf, uarg->id,
           "net_zcopy_get on a ubuf whose last reference is gone");
  ++uarg->refcnt;
  TraceUbuf(uarg, "net_zcopy_get", "");
}

void net_zcopy_put(UbufInfo* uarg) {
  if (uarg != nullptr) uarg->ops->complete(nullptr, uarg, true);
}

void skb_zcopy_init(SkBuff* skb, UbufInfo* uarg) {
  skb->shinfo->destructor_arg = uarg;
  skb->shinfo->flags |= uarg->flags;
  ZC_TRACE(skb->world->tracer(), "zcopy", "skb_zcopy_init")
      .Obj(skb->id, {{"dataref", skb->shinfo->dataref}})
      .Obj(uarg->id, {{"refcnt", uarg->refcnt}})
      .Msg("shinfo flags {}", SkbflNames(skb->shinfo->flags));
}

void skb_zcopy_set(SkBuff* skb, UbufInfo* uarg, bool* have_ref) {
  if (skb == nullptr || uarg == nullptr) return;
  UbufInfo* current = skb_zcopy(skb);
  if (current != nullptr) {
    // INV-2: one ubuf per shinfo; a second attach is a no-op. Only the same
    // ubuf may come back (TCP and UDP extend it): callers refuse another one
    // first (tcp_sendmsg's -EEXIST, __ip_append_data's -EINVAL), since its
    // pages would be covered by the wrong notification.
    ZC_CHECK(skb->world->checker(), current == uarg, kInvOneUbuf, skb->id, "skb_zcopy_set of {} on an skb holding {}",
             uarg->id.ToString(), current->id.ToString());
    ZC_TRACE(skb->world->tracer(), "zcopy", "skb_zcopy_set")
        .Obj(skb->id)
        .Obj(current->id, {{"refcnt", current->refcnt}})
        .Msg("already zerocopy: unchanged");
    return;
  }
  if (have_ref != nullptr && *have_ref) {
    *have_ref = false;  // the caller's reference moves to this skb
    TraceUbuf(uarg, "skb_zcopy_set", "{} takes over the allocation reference", skb->id);
  } else {
    net_zcopy_get(uarg);
  }
  skb_zcopy_init(skb, uarg);
}

bool skb_zerocopy_uses_link_skb(const UbufInfo* uarg) {
  return uarg->ops->link_skb != nullptr && uarg->world->era() >= KernelEra::k6_10;
}

// skb_zerocopy_iter_stream() (6.10): `if (uarg->ops->link_skb)` hands the
// decision to the ubuf; else the older rule, "an skb can only point to one
// uarg" (TCP appending to an skb whose ubuf msg_zerocopy_realloc replaced).
int skb_zerocopy_link(SkBuff* skb, UbufInfo* uarg) {
  if (skb_zerocopy_uses_link_skb(uarg)) return uarg->ops->link_skb(skb, uarg);
  UbufInfo* orig = skb_zcopy(skb);
  if (orig != nullptr && orig != uarg) {
    ZC_TRACE(skb->world->tracer(), "zcopy", "skb_zerocopy_iter_stream")
        .Obj(skb->id)
        .Obj(orig->id)
        .Msg("already carries another ubuf: -EEXIST, new skb for {}", uarg->id.ToString());
    return -EEXIST;
  }
  return 0;
}

void skb_zcopy_clear(SkBuff* skb, bool zerocopy_success) {
  UbufInfo* uarg = skb_zcopy(skb);
  if (uarg != nullptr) {
    ZC_TRACE(skb->world->tracer(), "zcopy", "skb_zcopy_clear")
        .Obj(skb->id)
        .Obj(uarg->id, {{"refcnt", uarg->refcnt}})
        .Msg("{} callback, success={}", uarg->ops->name, zerocopy_success);
    // The kernel clears the flags just after the callback; nothing in
    // between reads them, and clearing first means a completion check
    // (INV-6) sees that this shinfo no longer holds the ubuf.
    skb->shinfo->flags &= static_cast<uint8_t>(~SKBFL_ALL_ZEROCOPY);
    skb->shinfo->destructor_arg = nullptr;
    uarg->ops->complete(skb, uarg, zerocopy_success);
  }
}

void skb_zcopy_downgrade_managed(SkBuff* skb) {
  if (!skb_zcopy_managed(skb)) return;
  // __skb_zcopy_downgrade_managed(): take the page references the frags
  // never had, then become an ordinary skb.
  SkbSharedInfo* sh = skb->shinfo;
  for (int i = 0; i < sh->nr_frags; ++i) skb_frag_ref(skb, i);
  sh->flags &= static_cast<uint8_t>(~SKBFL_MANAGED_FRAG_REFS);
  ZC_TRACE(skb->world->tracer(), "zcopy", "__skb_zcopy_downgrade_managed")
      .Obj(skb->id, {{"nr_frags", sh->nr_frags}})
      .Msg("frags now hold page references");
}

int skb_zerocopy_clone(SkBuff* nskb, SkBuff* orig) {
  UbufInfo* uarg = skb_zcopy(orig);
  if (uarg == nullptr) return 0;
  UbufInfo* theirs = skb_zcopy(nskb);
  if (theirs != nullptr) {
    ZC_CHECK(nskb->world->checker(), theirs == uarg, kInvOneUbuf, nskb->id,
             "skb_zerocopy_clone would mix {} and {}", theirs->id.ToString(), uarg->id.ToString());
    return theirs == uarg ? 0 : -5;  // -EIO
  }
  net_zcopy_get(uarg);
  skb_zcopy_init(nskb, uarg);
  return 0;
}

// skb_split() / skb_split_no_header() (net/core/skbuff.c, 6.1). Managed
// frags are downgraded first: the two halves will own page references
// independently. SHARED_FRAG and PURE_ZEROCOPY carry over, and skb1 takes
// its own ubuf reference (skb_zerocopy_clone). A frag that straddles `len`
// ends up in both, with one more page reference.
void skb_split(SkBuff* skb, SkBuff* skb1, uint32_t len) {
  sim::Checker& checker = skb->world->checker();
  const uint32_t headlen = skb_headlen(skb);
  ZC_CHECK(checker, len >= headlen && len < skb->len && skb1->len == 0 && !skb_cloned(skb), kInvOneUbuf, skb->id,
           "skb_split at {} of {} bytes ({} linear)", len, skb->len, headlen);
  skb_zcopy_downgrade_managed(skb);
  skb1->shinfo->flags |= skb->shinfo->flags & (SKBFL_SHARED_FRAG | SKBFL_PURE_ZEROCOPY);
  skb_zerocopy_clone(skb1, skb);
  SkbSharedInfo* sh = skb->shinfo;
  SkbSharedInfo* sh1 = skb1->shinfo;
  const int nfrags = sh->nr_frags;
  sh->nr_frags = 0;
  skb1->len = skb1->data_len = skb->len - len;
  skb->len = len;
  skb->data_len = len - headlen;
  uint32_t pos = headlen;
  int k = 0;
  for (int i = 0; i < nfrags; ++i) {
    const uint32_t size = sh->frags[i].len;
    if (pos + size > len) {
      sh1->frags[k] = sh->frags[i];
      if (pos < len) {
        // Both keep a part of this frag: one more page reference.
        skb_frag_ref(skb, i);
        ++sh->frags[i].page->frag_users;  // diagnostic count of frags on the page
        sh1->frags[k].offset += len - pos;
        sh1->frags[k].len -= len - pos;
        sh->frags[i].len = len - pos;
        ++sh->nr_frags;
      }
      ++k;
    } else {
      ++sh->nr_frags;
    }
    pos += size;
  }
  sh1->nr_frags = static_cast<uint8_t>(k);
  ZC_TRACE(skb->world->tracer(), "skb", "skb_split")
      .Obj(skb->id, {{"len", skb->len}, {"nr_frags", sh->nr_frags}})
      .Obj(skb1->id, {{"len", skb1->len}, {"nr_frags", sh1->nr_frags}})
      .Msg("split at {}", len);
}

int skb_orphan_frags(SkBuff* skb) {
  if (skb_zcopy(skb) == nullptr) return 0;
  // SKBFL_DONT_ORPHAN (v4 patch 04, 6.0): the owner tolerates long-lived
  // page references, so clones share the user pages instead of copying.
  if (skb->shinfo->flags & SKBFL_DONT_ORPHAN) return 0;
  return skb_copy_ubufs(skb);
}

int skb_orphan_frags_rx(SkBuff* skb) {
  // A receive path must never hold user pages: copy even with DONT_ORPHAN.
  if (skb_zcopy(skb) == nullptr) return 0;
  return skb_copy_ubufs(skb);
}

int skb_copy_ubufs(SkBuff* skb) {
  World& world = *skb->world;
  if (skb_shared(skb)) return -EINVAL;
  if (skb_unclone(skb) != 0) return -EINVAL;
  SkbSharedInfo* sh = skb->shinfo;
  const int num_frags = sh->nr_frags;
  if (num_frags > 0) {
    uint32_t pagelen = 0;
    for (int i = 0; i < num_frags; ++i) pagelen += sh->frags[i].len;
    // 6.1 copies into order-0 pages (later kernels pick a higher order so
    // that MAX_SKB_FRAGS pages always suffice).
    const uint32_t order = 0;
    const uint32_t psize = PAGE_SIZE;
    const int new_frags = static_cast<int>((pagelen + psize - 1) / psize);
    Mm& mm = *sh->frags[0].page->mm;
    std::vector<Page*> pages;
    for (int i = 0; i < new_frags; ++i) pages.push_back(mm.alloc_pages(order, "skb_copy_ubufs"));
    // Copy every frag's current bytes, in order, into the new pages.
    uint32_t done = 0;
    for (int i = 0; i < num_frags; ++i) {
      const SkbFrag& f = sh->frags[i];
      const uint8_t* src = f.page->mm->PageData(f.page, "skb_copy_ubufs") + f.offset;
      for (uint32_t copied = 0; copied < f.len;) {
        Page* dst = pages[done / psize];
        const uint32_t at = done % psize;
        const uint32_t n = std::min(f.len - copied, psize - at);
        std::memcpy(dst->bytes + at, src + copied, n);
        copied += n;
        done += n;
      }
    }
    for (int i = 0; i < num_frags; ++i) {
      --sh->frags[i].page->frag_users;  // before the unref, which may free it
      skb_frag_unref(skb, i);           // a no-op for managed frags
    }
    for (int i = 0; i < new_frags; ++i) {
      const uint32_t len = i == new_frags - 1 ? pagelen - psize * static_cast<uint32_t>(i) : psize;
      __skb_fill_page_desc(skb, i, pages[i], 0, len);
    }
    sh->nr_frags = static_cast<uint8_t>(new_frags);
    ZC_TRACE(world.tracer(), "zcopy", "skb_copy_ubufs")
        .Obj(skb->id, {{"nr_frags", new_frags}})
        .Msg("copied {} bytes of user frags into {} kernel page(s) of order {}", pagelen, new_frags, order);
  }
  skb_zcopy_clear(skb, false);
  return 0;
}

void skb_tx_error(SkBuff* skb) {
  if (skb == nullptr) return;
  skb_zcopy_downgrade_managed(skb);
  skb_zcopy_clear(skb, true);
}

}  // namespace zcsim::net
