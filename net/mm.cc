#include "net/mm.h"

#include <algorithm>
#include <cstring>

#include "net/uapi.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {

// Rule ids used here (kernel-reference.md §5; USER-n are user-program rules).
namespace {
constexpr char kInvPageRefs[] = "INV-4";
constexpr char kUserPrematureReuse[] = "USER-1";
}  // namespace

int mm_account_pinned_pages(MmPin* mmp, size_t size, UserStruct* user) {
  // 6.1: only CAP_IPC_LOCK and empty charges are skipped; an unlimited
  // RLIMIT_MEMLOCK never fails but is still charged.
  if (user->cap_ipc_lock || size == 0) return 0;
  const uint64_t max_pg = user->memlock_limit >> PAGE_SHIFT;
  const uint64_t num_pg = (size >> PAGE_SHIFT) + 2;  // worst-case straddling
  if (!user->memlock_unlimited && user->locked_vm + num_pg > max_pg) return -ENOBUFS;
  user->locked_vm += num_pg;
  if (mmp->user == nullptr) {
    mmp->user = user;
    mmp->num_pg = num_pg;
  } else {
    mmp->num_pg += num_pg;
  }
  return 0;
}

void mm_unaccount_pinned_pages(MmPin* mmp) {
  if (mmp->user == nullptr) return;
  mmp->user->locked_vm -= mmp->num_pg;
  mmp->user = nullptr;
  mmp->num_pg = 0;
}

Mm::Mm(sim::Simulator& sim, sim::Pool<Page>& pages, std::string owner)
    : sim_(sim), pages_(pages), owner_(std::move(owner)) {}

Mm::~Mm() {
  // Tear-down: the address space lets go of its pages; pages other objects
  // still hold are freed by the pool.
  // Silent: no trace, no checks, the run is over.
  for (Vma& vma : vmas_) {
    for (Page* p : vma.pages) {
      p->mapped = false;
      if (--p->refcount == 0) {
        p->Release();
        pages_.Retire(p);
      }
    }
  }
}

Page* Mm::alloc_pages(uint32_t order, const char* why) {
  Page* page = pages_.New();
  page->mm = this;
  page->order = order;
  page->backing = std::shared_ptr<uint8_t[]>(new uint8_t[page->size()]());
  page->bytes = page->backing.get();
  ZC_TRACE(sim_.tracer(), "mm", "alloc_pages")
      .Obj(page->id, {{"refcount", page->refcount}, {"order", order}})
      .Msg("{}", why);
  return page;
}

void Mm::get_page(Page* page, const char* why) {
  ZC_CHECK(sim_.checker(), !page->dead && page->refcount > 0, kInvPageRefs, page->id,
           "get_page on a freed page ({})", why);
  ++page->refcount;
  ZC_TRACE(sim_.tracer(), "mm", "get_page").Obj(page->id, {{"refcount", page->refcount}}).Msg("{}", why);
}

void Mm::put_page(Page* page, const char* why) {
  if (page->dead || page->refcount <= 0) {
    sim_.checker().Fail(kInvPageRefs, page->id, fmt::format("put_page on a freed page ({})", why));
    return;
  }
  --page->refcount;
  ZC_TRACE(sim_.tracer(), "mm", "put_page").Obj(page->id, {{"refcount", page->refcount}}).Msg("{}", why);
  if (page->refcount == 0) FreePage(page);
}

void Mm::pin_page(Page* page, const char* why) {
  ZC_CHECK(sim_.checker(), !page->dead && page->refcount > 0, kInvPageRefs, page->id,
           "pinning a freed page ({})", why);
  ++page->pincount;
  ++page->refcount;
  ZC_TRACE(sim_.tracer(), "mm", "pin_user_pages")
      .Obj(page->id, {{"refcount", page->refcount}, {"pincount", page->pincount}})
      .Msg("{}", why);
}

void Mm::unpin_page(Page* page, const char* why) {
  ZC_CHECK(sim_.checker(), page->pincount > 0, kInvPageRefs, page->id, "unpin without a pin ({})", why);
  if (page->pincount <= 0) return;
  --page->pincount;
  ZC_TRACE(sim_.tracer(), "mm", "unpin_user_page")
      .Obj(page->id, {{"refcount", page->refcount - 1}, {"pincount", page->pincount}})
      .Msg("{}", why);
  put_page(page, why);
}

void Mm::FreePage(Page* page) {
  ZC_CHECK(sim_.checker(), page->frag_users == 0, kInvPageRefs, page->id,
           "page freed while {} skb frag(s) still point at it", page->frag_users);
  ZC_TRACE(sim_.tracer(), "mm", "__free_pages").Obj(page->id).Msg("{}", page->user ? "user page" : "kernel page");
  page->Release();
  pages_.Retire(page);
}

int Mm::Map(const std::string& name, uint64_t start, uint64_t len,
            const std::function<uint8_t(uint64_t)>& fill) {
  if (len == 0 || start % PAGE_SIZE != 0 || start == 0 || start + len < start) return -EINVAL;
  if (FindVma(name) != nullptr) return -EINVAL;
  const uint64_t end = start + PAGE_ALIGN(len);
  for (const Vma& v : vmas_) {
    if (start < v.start + PAGE_ALIGN(v.len) && v.start < end) return -EINVAL;
  }
  Vma vma{name, start, len, {}, std::shared_ptr<uint8_t[]>(new uint8_t[PAGE_ALIGN(len)]())};
  for (uint64_t i = 0; i < len; ++i) vma.backing[i] = fill(i);
  for (uint64_t off = 0; off < PAGE_ALIGN(len); off += PAGE_SIZE) {
    Page* page = pages_.New();
    page->mm = this;
    page->user = true;
    page->uaddr = start + off;
    page->region = name;
    page->mapped = true;
    page->backing = vma.backing;
    page->bytes = vma.backing.get() + off;
    vma.pages.push_back(page);
  }
  ZC_TRACE(sim_.tracer(), "mm", "mmap")
      .Obj(vma.pages.front()->id)
      .Msg("{} maps {} [{:#x}, {:#x}) {} bytes in {} pages", owner_, name, start, start + len, len,
           vma.pages.size());
  vmas_.push_back(std::move(vma));
  std::sort(vmas_.begin(), vmas_.end(), [](const Vma& a, const Vma& b) { return a.start < b.start; });
  return 0;
}

int Mm::Unmap(const std::string& name) {
  auto it = std::find_if(vmas_.begin(), vmas_.end(), [&](const Vma& v) { return v.name == name; });
  if (it == vmas_.end()) return -EINVAL;
  Vma vma = std::move(*it);
  vmas_.erase(it);
  ZC_TRACE(sim_.tracer(), "mm", "munmap").Msg("{} unmaps {} ({} pages)", owner_, name, vma.pages.size());
  for (Page* p : vma.pages) {
    p->mapped = false;
    put_page(p, "munmap");
  }
  return 0;
}

const Vma* Mm::FindVma(const std::string& name) const {
  for (const Vma& v : vmas_) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const Vma* Mm::VmaAt(uint64_t uaddr) const {
  for (const Vma& v : vmas_) {
    if (uaddr >= v.start && uaddr - v.start < v.len) return &v;
  }
  return nullptr;
}

Page* Mm::Translate(uint64_t uaddr, uint32_t* offset) const {
  const Vma* vma = VmaAt(uaddr);
  if (vma == nullptr) return nullptr;
  const uint64_t rel = uaddr - vma->start;
  *offset = static_cast<uint32_t>(rel % PAGE_SIZE);
  return vma->pages[rel / PAGE_SIZE];
}

int Mm::Write(uint64_t uaddr, uint64_t len, const std::function<uint8_t(uint64_t)>& byte) {
  for (uint64_t i = 0; i < len; ++i) {
    if (VmaAt(uaddr + i) == nullptr) return -EFAULT;
  }
  Page* last_warned = nullptr;
  for (uint64_t i = 0; i < len; ++i) {
    uint32_t off;
    Page* page = Translate(uaddr + i, &off);
    if (page->frag_users > 0 && page != last_warned) {
      last_warned = page;
      sim_.checker().Warn(kUserPrematureReuse, page->id,
                          fmt::format("{} writes {} at {:#x} while {} skb frag(s) still point at "
                                      "the page: the buffer is reused before its zerocopy "
                                      "notification, and the wire may carry the new bytes",
                                      owner_, page->region, uaddr + i, page->frag_users));
    }
    page->bytes[off] = byte(i);
  }
  ZC_TRACE(sim_.tracer(), "mm", "user_write").Msg("{} writes {} bytes at {:#x}", owner_, len, uaddr);
  return 0;
}

int Mm::Read(uint64_t uaddr, uint64_t len, uint8_t* out) const {
  // Page by page: one translation per page, not per byte.
  uint64_t done = 0;
  while (done < len) {
    uint32_t off;
    const Page* page = Translate(uaddr + done, &off);
    if (page == nullptr) return -EFAULT;
    const uint64_t n = std::min<uint64_t>(len - done, PAGE_SIZE - off);
    std::memcpy(out + done, page->bytes + off, n);
    done += n;
  }
  return 0;
}

const uint8_t* Mm::PageData(const Page* page, const char* who) {
  if (page->dead || page->bytes == nullptr) {
    sim_.checker().Fail(kInvPageRefs, page->id, fmt::format("{} reads a freed page", who));
    static uint8_t zeros[PAGE_SIZE << SKB_FRAG_PAGE_ORDER] = {};
    return zeros;
  }
  return page->bytes;
}

uint64_t Mm::HostToUser(const void* p) const {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  for (const Vma& v : vmas_) {
    if (b >= v.backing.get() && b < v.backing.get() + PAGE_ALIGN(v.len)) return v.start + (b - v.backing.get());
  }
  return 0;
}

uint8_t* Mm::UserToHost(uint64_t uaddr) const {
  const Vma* v = VmaAt(uaddr);
  return v == nullptr ? nullptr : v->backing.get() + (uaddr - v->start);
}

bool skb_page_frag_refill(Mm& mm, uint32_t sz, PageFrag* pfrag) {
  if (pfrag->page != nullptr) {
    if (pfrag->page->refcount == 1) {
      pfrag->offset = 0;  // nobody else uses the page: start it over
      return true;
    }
    if (pfrag->offset + sz <= pfrag->size) return true;
    mm.put_page(pfrag->page, "page_frag exhausted");
  }
  pfrag->page = mm.alloc_pages(SKB_FRAG_PAGE_ORDER, "skb_page_frag_refill");
  pfrag->offset = 0;
  pfrag->size = pfrag->page->size();
  return true;
}

void page_frag_release(Mm& mm, PageFrag* pfrag) {
  if (pfrag->page != nullptr) mm.put_page(pfrag->page, "page_frag release");
  pfrag->page = nullptr;
}

}  // namespace zcsim::net
