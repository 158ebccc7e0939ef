#include "uring/rsrc.h"

#include <algorithm>

#include "net/uapi.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::uring {
namespace {

constexpr uint64_t kSz1G = 1ull << 30;

uint64_t Load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

template <typename... Args>
void TraceNode(IoRingCtx* ctx, const char* func, RsrcNode* node, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(ctx->world->tracer(), "rsrc", func).Obj(node->id, {{"refs", node->refs}}).Msg(format, std::forward<Args>(args)...);
}

// Unpins and uncharges every registered buffer (__io_sqe_buffers_unregister).
void UnregisterAll(IoRingCtx* ctx) {
  net::Mm& mm = ctx->host->mm();
  for (auto& imu : ctx->user_bufs) {
    for (const net::BioVec& bv : imu->bvec) mm.unpin_page(bv.page, "io_buffer_unmap");
    if (ctx->user != nullptr) io_unaccount_mem(ctx->user, imu->acct_pages);
  }
  ctx->user_bufs.clear();
  ctx->buffers_registered = false;
}

// io_sqe_buffer_register() for one iovec.
int RegisterOne(IoRingCtx* ctx, uint64_t base, uint64_t len, std::unique_ptr<IoMappedUbuf>* out) {
  auto imu = std::make_unique<IoMappedUbuf>();
  imu->ubuf = base;
  imu->ubuf_end = base + len;
  if (base == 0) {  // a sparse (dummy) buffer
    *out = std::move(imu);
    return 0;
  }
  net::Mm& mm = ctx->host->mm();
  // pin_user_pages(FOLL_WRITE | FOLL_LONGTERM): every page must be mapped.
  std::vector<net::Page*> pages;
  for (uint64_t a = base & ~uint64_t{net::PAGE_SIZE - 1}; a < base + len; a += net::PAGE_SIZE) {
    uint32_t off;
    net::Page* p = mm.Translate(a < base ? base : a, &off);
    if (p == nullptr) return -EFAULT;
    pages.push_back(p);
  }
  imu->acct_pages = pages.size();
  if (ctx->user != nullptr) {
    const int err = io_account_mem(ctx->user, imu->acct_pages);
    if (err != 0) return err;
  }
  uint64_t left = len;
  uint32_t off = static_cast<uint32_t>(base % net::PAGE_SIZE);
  for (net::Page* p : pages) {
    mm.pin_page(p, "io_sqe_buffer_register");
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(left, net::PAGE_SIZE - off));
    imu->bvec.push_back({p, off, n});
    left -= n;
    off = 0;
  }
  *out = std::move(imu);
  return 0;
}

}  // namespace

int io_account_mem(net::UserStruct* user, uint64_t nr_pages) {
  if (nr_pages == 0) return 0;
  const uint64_t page_limit = user->memlock_unlimited ? UINT64_MAX : user->memlock_limit >> net::PAGE_SHIFT;
  if (user->locked_vm + nr_pages > page_limit) return -ENOMEM;
  user->locked_vm += nr_pages;
  return 0;
}

void io_unaccount_mem(net::UserStruct* user, uint64_t nr_pages) { user->locked_vm -= nr_pages; }

int io_sqe_buffers_register(IoRingCtx* ctx, uint64_t arg, unsigned nr_args) {
  if (ctx->buffers_registered) return -EBUSY;
  if (nr_args == 0 || nr_args > IORING_MAX_REG_BUFFERS) return -EINVAL;
  net::Mm& mm = ctx->host->mm();
  for (unsigned i = 0; i < nr_args; ++i) {
    uint8_t iov[16];
    int err = mm.Read(arg + 16ull * i, 16, iov) != 0 ? -EFAULT : 0;
    const uint64_t base = Load64(iov), len = Load64(iov + 8);
    // io_buffer_validate()
    if (err == 0 && base == 0 && len != 0) err = -EFAULT;
    if (err == 0 && len > kSz1G) err = -EFAULT;
    if (err == 0 && base + len < base) err = -EOVERFLOW;
    std::unique_ptr<IoMappedUbuf> imu;
    if (err == 0) err = RegisterOne(ctx, base, len, &imu);
    if (err != 0) {
      UnregisterAll(ctx);
      ZC_TRACE(ctx->world->tracer(), "rsrc", "io_sqe_buffers_register")
          .Obj(ctx->id)
          .Msg("buffer {} rejected: {}", i, net::ErrnoName(-err));
      return err;
    }
    ctx->user_bufs.push_back(std::move(imu));
  }
  ctx->buffers_registered = true;
  ZC_TRACE(ctx->world->tracer(), "rsrc", "io_sqe_buffers_register")
      .Obj(ctx->id)
      .Obj(ctx->rsrc_node->id, {{"refs", ctx->rsrc_node->refs}})
      .Msg("{} buffer(s) registered, locked_vm {} pages", nr_args,
           ctx->user != nullptr ? ctx->user->locked_vm : 0);
  return 0;
}

int io_sqe_buffers_unregister(IoRingCtx* ctx) {
  if (!ctx->buffers_registered) return -ENXIO;
  // io_rsrc_ref_quiesce(): switch to a fresh node and wait, running
  // task_work, until nothing holds the old one (6.1 blocks here; later
  // kernels return at once and free the buffers with the last reference).
  RsrcNode* old = ctx->rsrc_node;
  ctx->nodes.push_back(std::make_unique<RsrcNode>());
  ctx->nodes.back()->id = ctx->uring->NextNodeId();
  TraceNode(ctx, "io_rsrc_ref_quiesce", old, "{}", old->refs == 0 ? "no users" : "waiting for users to drop the node");
  ctx->rsrc_node = ctx->nodes.back().get();
  const bool done = ctx->world->WaitFor([ctx, old] {
    io_run_task_work(ctx);
    return old->refs == 0;
  });
  if (!done) {
    ctx->rsrc_node = old;
    return -EINTR;
  }
  UnregisterAll(ctx);
  ZC_TRACE(ctx->world->tracer(), "rsrc", "io_sqe_buffers_unregister")
      .Obj(ctx->id)
      .Msg("buffers unpinned, locked_vm {} pages", ctx->user != nullptr ? ctx->user->locked_vm : 0);
  return 0;
}

int io_import_fixed(net::IovIter* iter, IoMappedUbuf* imu, uint64_t buf_addr, size_t len) {
  if (imu == nullptr) return -EFAULT;
  const uint64_t buf_end = buf_addr + len;
  if (buf_end < buf_addr) return -EFAULT;
  if (buf_addr < imu->ubuf || buf_end > imu->ubuf_end) return -EFAULT;
  // A bvec iterator over the registered pages, advanced to `offset`.
  uint64_t skip = buf_addr - imu->ubuf;
  std::vector<net::BioVec> bv;
  uint64_t want = len;
  for (const net::BioVec& b : imu->bvec) {
    if (want == 0) break;
    if (skip >= b.len) {
      skip -= b.len;
      continue;
    }
    net::BioVec piece = b;
    piece.offset += static_cast<uint32_t>(skip);
    piece.len = static_cast<uint32_t>(std::min<uint64_t>(b.len - skip, want));
    skip = 0;
    want -= piece.len;
    bv.push_back(piece);
  }
  *iter = net::iov_iter_bvec(std::move(bv), len);
  return 0;
}

void io_req_set_rsrc_node(IoKiocb* req, IoRingCtx* ctx) {
  if (req->rsrc_node != nullptr) return;
  req->rsrc_node = ctx->rsrc_node;
  ++req->rsrc_node->refs;
  TraceNode(ctx, "io_req_set_rsrc_node", req->rsrc_node, "{} pins the buffer table", req->id);
}

void io_put_rsrc_node(IoRingCtx* ctx, RsrcNode* node) {
  ZC_CHECK(ctx->world->checker(), node->refs > 0, "INV-5", node->id, "rsrc node reference dropped below zero");
  --node->refs;
  TraceNode(ctx, "io_put_rsrc_node", node, "");
}

}  // namespace zcsim::uring
