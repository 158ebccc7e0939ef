// sk_buff allocation, cloning, copying and release (net/core/skbuff.c, 6.1).
#include "net/skbuff.h"

#include <algorithm>
#include <cstring>

#include "net/msg_zerocopy.h"
#include "net/sock.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

constexpr char kInvSkb[] = "INV-3";   // clones share, copies own (kernel-reference §5)
constexpr char kInvPages[] = "INV-4";

template <typename... Args>
void TraceSkb(SkBuff* skb, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(skb->world->tracer(), "skb", func)
      .Obj(skb->id, {{"users", skb->users},
                     {"dataref", skb->shinfo->dataref},
                     {"len", skb->len},
                     {"nr_frags", skb->shinfo->nr_frags}})
      .Msg(format, std::forward<Args>(args)...);
}

SkbSharedInfo* NewShinfo(World& world, uint32_t head_size) {
  SkbSharedInfo* sh = world.shinfos().New();
  sh->head.assign(head_size, 0);
  return sh;
}

// Bookkeeping of the diagnostic Page::frag_users (not a kernel field).
void NoteFragInstalled(Page* page) { ++page->frag_users; }
void NoteFragRemoved(Page* page) { --page->frag_users; }

void sock_wfree(SkBuff* skb);

void skb_release_head_state(SkBuff* skb) {
  switch (skb->destructor) {
    case SkbDestructor::kNone:
      break;
    case SkbDestructor::kSockWfree:
      sock_wfree(skb);
      break;
    case SkbDestructor::kSockRfree:
      skb->sk->sk_rmem_alloc -= skb->truesize;
      break;
    case SkbDestructor::kSockOfree:
      skb->sk->sk_omem_alloc -= skb->truesize;
      break;
  }
  skb->destructor = SkbDestructor::kNone;
  skb->sk = nullptr;
}

void sock_wfree(SkBuff* skb) {
  Sock* sk = skb->sk;
  sk->sk_wmem_alloc -= skb->truesize;
  ZC_CHECK(skb->world->checker(), sk->sk_wmem_alloc >= 0, "INV-7", sk->id,
           "sk_wmem_alloc below zero after freeing {}", skb->id.ToString());
  ZC_TRACE(skb->world->tracer(), "sock", "sock_wfree")
      .Obj(sk->id, {{"wmem_alloc", sk->sk_wmem_alloc}})
      .Obj(skb->id, {{"truesize", skb->truesize}});
  sk_write_space(sk);
}

// skb_release_data(): drop this skb's share of the data.
void skb_release_data(SkBuff* skb) {
  SkbSharedInfo* sh = skb->shinfo;
  if (skb->cloned) {
    --sh->dataref;
    ZC_CHECK(skb->world->checker(), sh->dataref >= 0, kInvSkb, skb->id, "dataref below zero");
    if (sh->dataref != 0) {
      TraceSkb(skb, "skb_release_data", "data still shared");
      skb->shinfo = nullptr;
      return;
    }
  }
  bool skip_unref = false;
  if (skb_zcopy(skb) != nullptr) {
    skip_unref = (sh->flags & SKBFL_MANAGED_FRAG_REFS) != 0;
    skb_zcopy_clear(skb, true);
  }
  for (int i = 0; i < sh->nr_frags; ++i) {
    Page* page = sh->frags[i].page;
    NoteFragRemoved(page);
    if (!skip_unref) page->mm->put_page(page, "skb_release_data");
  }
  sh->nr_frags = 0;
  if (sh->frag_list != nullptr) {
    SkBuff* list = sh->frag_list;
    sh->frag_list = nullptr;
    kfree_skb_list(list, "frag_list");
  }
  ZC_TRACE(skb->world->tracer(), "skb", "skb_free_head").Obj(skb->id).Obj(sh->id);
  skb->world->shinfos().Retire(sh);
  skb->shinfo = nullptr;
}

void __kfree_skb(SkBuff* skb) {
  World& world = *skb->world;
  skb_release_head_state(skb);
  if (skb->shinfo != nullptr) skb_release_data(skb);
  if (skb->cb_msgzc != nullptr) {
    world.msgzc_ubufs().Retire(skb->cb_msgzc);
    skb->cb_msgzc = nullptr;
  }
  world.skbs().Retire(skb);
}

bool skb_unref(SkBuff* skb, const char* func, const char* reason) {
  if (skb->dead) {
    skb->world->checker().Fail(kInvSkb, skb->id, fmt::format("{} on a freed skb", func));
    return false;
  }
  --skb->users;
  TraceSkb(skb, func, "{}", reason);
  ZC_CHECK(skb->world->checker(), skb->users >= 0, kInvSkb, skb->id, "users below zero");
  return skb->users == 0;
}

}  // namespace

uint32_t kmalloc_size_roundup(uint32_t size) {
  if (size <= 8) return 8;
  if (size > 64 && size <= 96) return 96;
  if (size > 128 && size <= 192) return 192;
  uint32_t r = 8;
  while (r < size) r <<= 1;
  return r;
}

std::string SkbflNames(uint8_t flags) {
  if (flags == 0) return "0";
  static constexpr struct {
    uint8_t bit;
    const char* name;
  } kNames[] = {{SKBFL_ZEROCOPY_ENABLE, "ZEROCOPY_ENABLE"},
                {SKBFL_SHARED_FRAG, "SHARED_FRAG"},
                {SKBFL_PURE_ZEROCOPY, "PURE_ZEROCOPY"},
                {SKBFL_DONT_ORPHAN, "DONT_ORPHAN"},
                {SKBFL_MANAGED_FRAG_REFS, "MANAGED_FRAG_REFS"}};
  std::string out;
  for (const auto& n : kNames) {
    if (flags & n.bit) {
      if (!out.empty()) out += '|';
      out += n.name;
    }
  }
  return out;
}

SkBuff* alloc_skb(World& world, uint32_t size, const char* why) {
  // __alloc_skb(): the head is kmalloc'd with the shared info at its end,
  // and the usable size grows to whatever the slab rounded up to.
  const uint32_t osize = kmalloc_size_roundup(((size + 63) & ~63u) + kSkbSharedInfoSize);
  const uint32_t usable = osize - kSkbSharedInfoSize;
  SkBuff* skb = world.skbs().New();
  skb->world = &world;
  skb->shinfo = NewShinfo(world, usable);
  skb->truesize = SKB_TRUESIZE(usable);
  // Beyond KMALLOC_MAX_CACHE_SIZE (two pages) the head comes from the page
  // allocator (kmalloc_large): much dearer than a slab object.
  if (osize > 2 * PAGE_SIZE) world.sim().costs().Charge(sim::Cost::kLargeAlloc);
  TraceSkb(skb, "alloc_skb", "size {} truesize {} ({})", size, skb->truesize, why);
  return skb;
}

void skb_reserve(SkBuff* skb, uint32_t len) {
  ZC_CHECK(skb->world->checker(), skb->len == 0 && skb->tail + len <= skb_end_offset(skb), kInvSkb,
           skb->id, "skb_reserve({}) on a non-empty or too small skb", len);
  skb->data += len;
  skb->tail += len;
}

uint8_t* skb_put(SkBuff* skb, uint32_t len) {
  uint8_t* p = skb->shinfo->head.data() + skb->tail;
  ZC_CHECK(skb->world->checker(), skb->data_len == 0 && skb->tail + len <= skb_end_offset(skb),
           kInvSkb, skb->id, "skb_over_panic: put {} bytes with {} tailroom", len, skb_tailroom(skb));
  skb->tail += len;
  skb->len += len;
  return p;
}

uint8_t* skb_push(SkBuff* skb, uint32_t len) {
  ZC_CHECK(skb->world->checker(), len <= skb->data, kInvSkb, skb->id,
           "skb_under_panic: push {} bytes with {} headroom", len, skb->data);
  skb->data -= len;
  skb->len += len;
  return skb_data(skb);
}

uint8_t* skb_pull(SkBuff* skb, uint32_t len) {
  ZC_CHECK(skb->world->checker(), len <= skb_headlen(skb), kInvSkb, skb->id,
           "skb_pull beyond the linear area");
  skb->data += len;
  skb->len -= len;
  return skb_data(skb);
}

uint8_t* skb_network_header(SkBuff* skb) { return skb->shinfo->head.data() + skb->network_header; }
uint8_t* skb_transport_header(SkBuff* skb) { return skb->shinfo->head.data() + skb->transport_header; }

SkBuff* skb_get(SkBuff* skb) {
  ++skb->users;
  TraceSkb(skb, "skb_get", "");
  return skb;
}

void kfree_skb(SkBuff* skb, const char* reason) {
  if (skb != nullptr && skb_unref(skb, "kfree_skb", reason)) __kfree_skb(skb);
}

void consume_skb(SkBuff* skb) {
  if (skb != nullptr && skb_unref(skb, "consume_skb", "")) __kfree_skb(skb);
}

void kfree_skb_list(SkBuff* segs, const char* reason) {
  while (segs != nullptr) {
    SkBuff* next = segs->next;
    segs->next = nullptr;
    kfree_skb(segs, reason);
    segs = next;
  }
}

void skb_orphan(SkBuff* skb) { skb_release_head_state(skb); }

SkBuff* skb_clone(SkBuff* skb) {
  if (skb_orphan_frags(skb) != 0) return nullptr;
  World& world = *skb->world;
  SkBuff* n = world.skbs().New();
  n->world = &world;
  n->shinfo = skb->shinfo;
  n->data = skb->data;
  n->tail = skb->tail;
  n->len = skb->len;
  n->data_len = skb->data_len;
  n->truesize = skb->truesize;
  n->ip_summed = skb->ip_summed;
  n->csum_start = skb->csum_start;
  n->csum_offset = skb->csum_offset;
  n->network_header = skb->network_header;
  n->transport_header = skb->transport_header;
  n->protocol = skb->protocol;
  n->dev = skb->dev;
  ++skb->shinfo->dataref;
  skb->cloned = true;
  n->cloned = true;
  TraceSkb(n, "skb_clone", "clone of {} shares {}", skb->id, skb->shinfo->id);
  return n;
}

SkBuff* pskb_copy(SkBuff* skb, uint32_t headroom) {
  World& world = *skb->world;
  const uint32_t headlen = skb_headlen(skb);
  SkBuff* n = alloc_skb(world, headroom + headlen, "__pskb_copy_fclone");
  skb_reserve(n, headroom);
  std::memcpy(skb_put(n, headlen), skb_data(skb), headlen);
  n->network_header = static_cast<uint16_t>(skb->network_header - skb->data + n->data);
  n->transport_header = static_cast<uint16_t>(skb->transport_header - skb->data + n->data);
  n->ip_summed = skb->ip_summed;
  n->csum_start = static_cast<uint16_t>(skb->csum_start - skb->data + n->data);
  n->csum_offset = skb->csum_offset;
  n->protocol = skb->protocol;
  n->dev = skb->dev;
  SkbSharedInfo* sh = skb->shinfo;
  if (sh->nr_frags != 0) {
    if (skb_orphan_frags(skb) != 0 || skb_zerocopy_clone(n, skb) != 0) {
      kfree_skb(n, "pskb_copy failed");
      return nullptr;
    }
    for (int i = 0; i < sh->nr_frags; ++i) {
      n->shinfo->frags[i] = sh->frags[i];
      NoteFragInstalled(sh->frags[i].page);
      // Real page references even when the source was managed: the copy is
      // an ordinary skb (skb_zerocopy_clone passes uarg->flags only).
      sh->frags[i].page->mm->get_page(sh->frags[i].page, "pskb_copy frag ref");
    }
    n->shinfo->nr_frags = sh->nr_frags;
  }
  n->data_len = skb->data_len;
  n->len += skb->data_len;
  n->shinfo->gso_size = sh->gso_size;  // skb_copy_header()
  n->shinfo->gso_segs = sh->gso_segs;
  TraceSkb(n, "__pskb_copy_fclone", "copy of {}", skb->id);
  return n;
}

int pskb_expand_head(SkBuff* skb, uint32_t nhead, uint32_t ntail) {
  World& world = *skb->world;
  ZC_CHECK(world.checker(), !skb_shared(skb), kInvSkb, skb->id, "pskb_expand_head on a shared skb");
  skb_zcopy_downgrade_managed(skb);
  SkbSharedInfo* old = skb->shinfo;
  const uint32_t size = static_cast<uint32_t>(old->head.size()) + nhead + ntail;
  SkbSharedInfo* sh = NewShinfo(world, size);
  std::memcpy(sh->head.data() + nhead, old->head.data(), skb->tail);
  sh->flags = old->flags;
  sh->nr_frags = old->nr_frags;
  sh->frags = old->frags;
  sh->gso_size = old->gso_size;
  sh->gso_segs = old->gso_segs;
  sh->destructor_arg = old->destructor_arg;
  if (skb_cloned(skb)) {
    if (skb_orphan_frags(skb) != 0) {
      world.shinfos().Retire(sh);
      return -ENOMEM;
    }
    // The copy may have replaced the frags and cleared zerocopy.
    sh->flags = old->flags;
    sh->nr_frags = old->nr_frags;
    sh->frags = old->frags;
    sh->destructor_arg = old->destructor_arg;
    if (skb_zcopy(skb) != nullptr) net_zcopy_get(old->destructor_arg);  // the new shinfo's own
    for (int i = 0; i < sh->nr_frags; ++i) {
      NoteFragInstalled(sh->frags[i].page);
      sh->frags[i].page->mm->get_page(sh->frags[i].page, "pskb_expand_head frag ref");
    }
    if (old->frag_list != nullptr) {
      sh->frag_list = skb_get(old->frag_list);
    }
    skb_release_data(skb);
  } else {
    // Sole owner: frags, ubuf and frag_list move to the new head as they are.
    sh->frag_list = old->frag_list;
    old->frag_list = nullptr;
    old->nr_frags = 0;
    old->destructor_arg = nullptr;
    old->flags = 0;
    world.shinfos().Retire(old);
  }
  skb->shinfo = sh;
  skb->data += nhead;
  skb->tail += nhead;
  skb->network_header = static_cast<uint16_t>(skb->network_header + nhead);
  skb->transport_header = static_cast<uint16_t>(skb->transport_header + nhead);
  skb->csum_start = static_cast<uint16_t>(skb->csum_start + nhead);
  skb->cloned = false;
  TraceSkb(skb, "pskb_expand_head", "private head {}", sh->id);
  return 0;
}

int skb_unclone(SkBuff* skb) { return skb_cloned(skb) ? pskb_expand_head(skb, 0, 0) : 0; }

void pskb_trim(SkBuff* skb, uint32_t len) {
  if (len >= skb->len) return;
  SkbSharedInfo* sh = skb->shinfo;
  const uint32_t headlen = skb_headlen(skb);
  uint32_t keep = len > headlen ? len - headlen : 0;  // bytes of frags kept
  int kept = 0;
  for (int i = 0; i < sh->nr_frags; ++i) {
    SkbFrag& f = sh->frags[i];
    if (keep > 0) {
      f.len = std::min(f.len, keep);
      keep -= f.len;
      ++kept;
      continue;
    }
    NoteFragRemoved(f.page);
    if (!skb_zcopy_managed(skb)) f.page->mm->put_page(f.page, "pskb_trim");
  }
  sh->nr_frags = static_cast<uint8_t>(kept);
  if (len < headlen) skb->tail = skb->data + len;
  skb->data_len = len > headlen ? len - headlen : 0;
  skb->len = len;
  TraceSkb(skb, "pskb_trim", "to {} bytes", len);
}

void __skb_fill_page_desc_noacc(SkBuff* skb, int i, Page* page, uint32_t off, uint32_t size) {
  ZC_CHECK(skb->world->checker(), i < MAX_SKB_FRAGS, kInvSkb, skb->id, "frag index {} out of range", i);
  ZC_CHECK(skb->world->checker(), !page->dead, kInvPages, page->id, "frag points at a freed page");
  skb->shinfo->frags[i] = {page, off, size};
  NoteFragInstalled(page);
}

void __skb_fill_page_desc(SkBuff* skb, int i, Page* page, uint32_t off, uint32_t size) {
  __skb_fill_page_desc_noacc(skb, i, page, off, size);
}

void skb_fill_page_desc(SkBuff* skb, int i, Page* page, uint32_t off, uint32_t size) {
  __skb_fill_page_desc(skb, i, page, off, size);
  skb->shinfo->nr_frags = static_cast<uint8_t>(i + 1);
}

void skb_frag_ref(SkBuff* skb, int i) {
  Page* page = skb->shinfo->frags[i].page;
  page->mm->get_page(page, "skb_frag_ref");
}

void skb_frag_unref(SkBuff* skb, int i) {
  if (skb_zcopy_managed(skb)) return;
  Page* page = skb->shinfo->frags[i].page;
  page->mm->put_page(page, "skb_frag_unref");
}

int skb_copy_bits(SkBuff* skb, uint32_t offset, uint8_t* to, uint32_t len) {
  if (offset + len > skb->len || offset + len < offset) return -EFAULT;
  const uint32_t headlen = skb_headlen(skb);
  if (offset < headlen) {
    const uint32_t n = std::min(len, headlen - offset);
    std::memcpy(to, skb_data(skb) + offset, n);
    to += n;
    offset += n;
    len -= n;
  }
  uint32_t pos = headlen;
  SkbSharedInfo* sh = skb->shinfo;
  for (int i = 0; i < sh->nr_frags && len > 0; ++i) {
    const SkbFrag& f = sh->frags[i];
    if (offset < pos + f.len) {
      const uint32_t in = offset - pos;
      const uint32_t n = std::min(len, f.len - in);
      const uint8_t* bytes = f.page->mm->PageData(f.page, "skb_copy_bits");
      std::memcpy(to, bytes + f.offset + in, n);
      to += n;
      offset += n;
      len -= n;
    }
    pos += f.len;
  }
  for (SkBuff* frag = sh->frag_list; frag != nullptr && len > 0; frag = frag->next) {
    if (offset < pos + frag->len) {
      const uint32_t in = offset - pos;
      const uint32_t n = std::min(len, frag->len - in);
      if (skb_copy_bits(frag, in, to, n) != 0) return -EFAULT;
      to += n;
      offset += n;
      len -= n;
    }
    pos += frag->len;
  }
  return len == 0 ? 0 : -EFAULT;
}

std::vector<uint8_t> skb_bytes(SkBuff* skb) {
  std::vector<uint8_t> out(skb->len);
  skb_copy_bits(skb, 0, out.data(), skb->len);
  return out;
}

}  // namespace zcsim::net
