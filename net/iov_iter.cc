#include "net/iov_iter.h"

#include <algorithm>

#include "net/uapi.h"

namespace zcsim::net {
namespace {

size_t SegLen(const IovIter* i, size_t seg) {
  return i->type == IterType::ITER_BVEC ? i->bvec[seg].len : i->iov[seg].len;
}
size_t SegCount(const IovIter* i) {
  return i->type == IterType::ITER_BVEC ? i->bvec.size() : i->iov.size();
}
// Skips exhausted segments so that seg/iov_offset name the next byte.
void Normalize(IovIter* i) {
  while (i->seg < SegCount(i) && i->iov_offset >= SegLen(i, i->seg)) {
    i->iov_offset -= SegLen(i, i->seg);
    ++i->seg;
  }
}

}  // namespace

IovIter iov_iter_ubuf(Mm* mm, uint64_t base, uint64_t len) {
  IovIter i;
  i.type = IterType::ITER_UBUF;
  i.mm = mm;
  i.iov = {{base, len}};
  i.count = len;
  return i;
}

IovIter iov_iter_iovec(Mm* mm, std::vector<Iovec> iov) {
  IovIter i;
  i.type = IterType::ITER_IOVEC;
  i.mm = mm;
  for (const Iovec& v : iov) i.count += v.len;
  i.iov = std::move(iov);
  Normalize(&i);
  return i;
}

IovIter iov_iter_bvec(std::vector<BioVec> bvec, size_t count) {
  IovIter i;
  i.type = IterType::ITER_BVEC;
  i.bvec = std::move(bvec);
  i.count = count;
  Normalize(&i);
  return i;
}

void iov_iter_advance(IovIter* i, size_t bytes) {
  bytes = std::min(bytes, i->count);
  i->count -= bytes;
  i->iov_offset += bytes;
  Normalize(i);
}

void iov_iter_revert(IovIter* i, size_t bytes) {
  i->count += bytes;
  while (bytes > 0) {
    if (i->iov_offset >= bytes) {
      i->iov_offset -= bytes;
      return;
    }
    bytes -= i->iov_offset;
    if (i->seg == 0) {
      i->iov_offset = 0;
      return;
    }
    --i->seg;
    i->iov_offset = SegLen(i, i->seg);
  }
}

size_t copy_from_iter(uint8_t* to, size_t bytes, IovIter* i) {
  size_t done = 0;
  bytes = std::min(bytes, i->count);
  while (done < bytes) {
    Normalize(i);
    if (i->seg >= SegCount(i)) break;
    const size_t n = std::min(bytes - done, SegLen(i, i->seg) - i->iov_offset);
    if (i->type == IterType::ITER_BVEC) {
      const BioVec& b = i->bvec[i->seg];
      const uint8_t* src = b.page->mm->PageData(b.page, "copy_from_iter") + b.offset + i->iov_offset;
      std::copy(src, src + n, to + done);
    } else {
      const uint64_t addr = i->iov[i->seg].base + i->iov_offset;
      if (i->mm->Read(addr, n, to + done) != 0) break;  // a fault ends the copy short
    }
    done += n;
    i->count -= n;
    i->iov_offset += n;
  }
  Normalize(i);
  return done;
}

long iov_iter_get_pages2(IovIter* i, std::vector<Page*>* pages, size_t maxsize, unsigned maxpages,
                         size_t* start) {
  pages->clear();
  Normalize(i);
  if (i->seg >= SegCount(i) || maxsize == 0 || maxpages == 0) return 0;
  const size_t seg_left = SegLen(i, i->seg) - i->iov_offset;
  size_t want = std::min({maxsize, seg_left, i->count});
  if (i->type == IterType::ITER_BVEC) {
    const BioVec& b = i->bvec[i->seg];
    *start = b.offset + i->iov_offset;
    want = std::min<size_t>(want, size_t{maxpages} * PAGE_SIZE - *start % PAGE_SIZE);
    b.page->mm->get_page(b.page, "iov_iter_get_pages2 (bvec)");
    pages->push_back(b.page);
    iov_iter_advance(i, want);
    return static_cast<long>(want);
  }
  const uint64_t addr = i->iov[i->seg].base + i->iov_offset;
  *start = addr % PAGE_SIZE;
  want = std::min<size_t>(want, size_t{maxpages} * PAGE_SIZE - *start);
  // get_user_pages: every page of the range must be mapped.
  for (uint64_t a = addr - *start; a < addr + want; a += PAGE_SIZE) {
    uint32_t off;
    Page* page = i->mm->Translate(a < addr ? addr : a, &off);
    if (page == nullptr) {
      for (Page* p : *pages) p->mm->put_page(p, "iov_iter_get_pages2 fault");
      pages->clear();
      return -EFAULT;
    }
    page->mm->get_page(page, "iov_iter_get_pages2");
    pages->push_back(page);
  }
  iov_iter_advance(i, want);
  return static_cast<long>(want);
}

}  // namespace zcsim::net
