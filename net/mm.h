// Memory: struct page, a user address space, locked-page accounting and the
// page-frag allocator.
//
// Mirrors (Linux 6.1): include/linux/mm.h (get_page/put_page, _refcount),
// mm/gup.c (get_user_pages / pin_user_pages, reduced to what
// iov_iter_get_pages2 and io_uring registration need), mm/page_alloc.c
// (page_frag_alloc), net/core/sock.c (skb_page_frag_refill, sk_page_frag) and
// net/core/skbuff.c (mm_account_pinned_pages / mm_unaccount_pinned_pages).
//
// User memory holds real bytes. A frag is (page, offset, length); the NIC
// reads the bytes at DMA time, copies read them at copy time, so a scenario
// sees on the wire exactly what the page held at that instant.
#ifndef ZCSIM_NET_MM_H_
#define ZCSIM_NET_MM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/pool.h"
#include "sim/simulator.h"

namespace zcsim::net {

inline constexpr uint32_t PAGE_SHIFT = 12;
inline constexpr uint32_t PAGE_SIZE = 1u << PAGE_SHIFT;
inline constexpr uint64_t PAGE_ALIGN(uint64_t x) { return (x + PAGE_SIZE - 1) & ~uint64_t{PAGE_SIZE - 1}; }
// SKB_FRAG_PAGE_ORDER: skb_page_frag_refill tries 32 KiB compound pages.
inline constexpr uint32_t SKB_FRAG_PAGE_ORDER = 3;

class Mm;

// struct page (a compound page when order > 0: one object, one refcount).
struct Page : sim::PoolNode {
  Mm* mm = nullptr;
  uint32_t order = 0;
  int refcount = 1;  // _refcount; allocation returns one reference
  // FOLL_PIN pins. The kernel adds GUP_PIN_COUNTING_BIAS (1024) to
  // _refcount per pin; here pins are counted apart and each also holds one
  // _refcount, which keeps the arithmetic readable in traces.
  int pincount = 0;
  bool user = false;        // anonymous user memory (else a kernel page)
  uint64_t uaddr = 0;       // user address it is mapped at (user pages)
  std::string region;       // the user region's name, for traces
  bool mapped = false;      // still mapped in the address space
  // Diagnostic, not a kernel field: how many skb frag descriptors point into
  // this page right now (managed or referenced). A user page written while
  // this is non-zero is a premature buffer reuse (USER-1).
  int frag_users = 0;
  // The bytes. A kernel page owns its buffer; a user page points into its
  // VMA's contiguous backing and co-owns it, so that a page skbs still hold
  // outlives munmap, and so that a program can use a region as ordinary
  // memory (Mm::HostToUser).
  std::shared_ptr<uint8_t[]> backing;
  uint8_t* bytes = nullptr;

  uint32_t size() const { return PAGE_SIZE << order; }
  void Release() {
    backing.reset();
    bytes = nullptr;
  }
};

// struct user_struct + RLIMIT_MEMLOCK: whose locked pages are counted.
struct UserStruct {
  uint64_t locked_vm = 0;                 // pages
  uint64_t memlock_limit = 8ull << 20;    // bytes; MLOCK_LIMIT default (8 MiB, since 5.16)
  bool memlock_unlimited = false;
  bool cap_ipc_lock = false;              // root has it: accounting is skipped
};

// struct mmpin: what one ubuf charged, so that it can be uncharged once.
struct MmPin {
  UserStruct* user = nullptr;
  uint64_t num_pg = 0;
};

// mm_account_pinned_pages(): 0 or -ENOBUFS (6.1, net/core/skbuff.c).
int mm_account_pinned_pages(MmPin* mmp, size_t size, UserStruct* user);
// mm_unaccount_pinned_pages().
void mm_unaccount_pinned_pages(MmPin* mmp);

// A user region: one VMA of anonymous memory.
struct Vma {
  std::string name;
  uint64_t start = 0;
  uint64_t len = 0;
  std::vector<Page*> pages;
  std::shared_ptr<uint8_t[]> backing;  // PAGE_ALIGN(len) contiguous bytes
};

// The page allocator and one process's address space (one process per
// simulated host), plus the accounting user.
class Mm {
 public:
  // `pages` is the world's page pool, so page ids are unique in a world.
  Mm(sim::Simulator& sim, sim::Pool<Page>& pages, std::string owner);
  Mm(const Mm&) = delete;
  Mm& operator=(const Mm&) = delete;
  ~Mm();

  sim::Simulator& sim() { return sim_; }
  sim::Pool<Page>& pages() { return pages_; }
  UserStruct& user() { return user_; }

  // alloc_pages(): a kernel page of 2^order base pages, one reference.
  Page* alloc_pages(uint32_t order, const char* why);
  void get_page(Page* page, const char* why);
  // put_page(): frees at zero. A put on a page with no references is INV-4.
  void put_page(Page* page, const char* why);
  // pin_user_pages()/unpin_user_page() for one page.
  void pin_page(Page* page, const char* why);
  void unpin_page(Page* page, const char* why);

  // mmap of anonymous memory at `start` (page aligned), `len` bytes, filled
  // by `fill(i)` for byte i of the region. Returns 0 or -EINVAL (bad
  // alignment, zero length, overlap, duplicate name).
  int Map(const std::string& name, uint64_t start, uint64_t len,
          const std::function<uint8_t(uint64_t)>& fill);
  // munmap: the address space drops its page references; pages still held
  // by skbs live on until those go. Returns 0 or -EINVAL.
  int Unmap(const std::string& name);
  const Vma* FindVma(const std::string& name) const;
  const Vma* VmaAt(uint64_t uaddr) const;

  // A user store of `len` bytes at `uaddr`, byte i from `byte(i)`.
  // -EFAULT if any byte is unmapped (nothing is written then). Writing a
  // page that an skb frag still points at is reported as USER-1.
  int Write(uint64_t uaddr, uint64_t len, const std::function<uint8_t(uint64_t)>& byte);
  // A user load; -EFAULT if unmapped.
  int Read(uint64_t uaddr, uint64_t len, uint8_t* out) const;

  // Translates a user address: the page and the offset in it, or null.
  Page* Translate(uint64_t uaddr, uint32_t* offset) const;
  // A simulated program's pointer into a mapped region -> its user address
  // (0 if the pointer is not inside a live mapping); and back.
  uint64_t HostToUser(const void* p) const;
  uint8_t* UserToHost(uint64_t uaddr) const;

  // Bytes of a page, checked: reading a freed page is INV-4.
  const uint8_t* PageData(const Page* page, const char* who);

 private:
  void FreePage(Page* page);

  sim::Simulator& sim_;
  sim::Pool<Page>& pages_;
  std::string owner_;
  UserStruct user_;
  std::vector<Vma> vmas_;  // sorted by start
};

// struct page_frag + skb_page_frag_refill(): a socket's (or task's) current
// page for copied data.
struct PageFrag {
  Page* page = nullptr;
  uint32_t offset = 0;
  uint32_t size = 0;
};

// skb_page_frag_refill(sz, pfrag): make room for at least `sz` bytes,
// reusing the page when the frag holds its only reference. False on OOM.
bool skb_page_frag_refill(Mm& mm, uint32_t sz, PageFrag* pfrag);
// Drops the frag's page reference (socket destruction).
void page_frag_release(Mm& mm, PageFrag* pfrag);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_MM_H_
