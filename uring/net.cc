#include "uring/net.h"

#include <algorithm>

#include "net/datagram.h"
#include "net/sock.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "sim/check.h"
#include "sim/trace.h"
#include "uring/notif.h"
#include "uring/rsrc.h"

namespace zcsim::uring {
namespace {

constexpr int IOU_OK_ = 0;

bool EraAtLeast(IoKiocb* req, net::KernelEra era) { return req->ctx->world->era() >= era; }

template <typename... Args>
void TraceIssue(IoKiocb* req, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(req->ctx->world->tracer(), "uring", func)
      .Obj(req->id, {{"user_data", static_cast<int64_t>(req->cqe.user_data)}})
      .Msg(format, std::forward<Args>(args)...);
}

// The destination address, copied from user memory once (B12: a retry after
// poll uses the copy, not the user's memory again).
int DestAddr(IoKiocb* req, net::MsgHdr* msg) {
  IoSrMsg& sr = req->sr;
  if (sr.addr == 0) return 0;
  if (!sr.have_async_addr) {
    const int err = net::move_addr_to_kernel(req->ctx->host, sr.addr, sr.addr_len, &sr.async_addr);
    if (err < 0) return err;
    sr.have_async_addr = true;
  }
  msg->has_name = true;
  msg->name = sr.async_addr;
  msg->namelen = sr.addr_len;
  return 0;
}

// The common tail of every send: short/failed results, retries, the result.
int FinishSend(IoKiocb* req, long ret, long min_ret, unsigned issue_flags, uint32_t cflags) {
  IoSrMsg& sr = req->sr;
  if (ret < min_ret) {
    if (ret == -EAGAIN && (issue_flags & IO_URING_F_NONBLOCK)) return -EAGAIN;  // io_setup_async_addr
    // io_net_retry(): only stream sockets retry a partial send.
    if (ret > 0 && req->file->type == SOCK_STREAM) {
      sr.len -= static_cast<uint32_t>(ret);
      sr.buf += static_cast<uint64_t>(ret);
      sr.done_io += static_cast<int>(ret);
      req->flags |= REQ_F_PARTIAL_IO;
      return -EAGAIN;
    }
    req_set_fail(req);
  }
  if (ret >= 0) {
    ret += sr.done_io;
  } else if (sr.done_io != 0) {
    ret = sr.done_io;
  }
  req->cqe.res = static_cast<int32_t>(ret);
  req->cqe.flags = cflags;
  return IOU_OK_;
}

// After a zerocopy issue: flush the notifier unless in io-wq (B3: there the
// request's CQE is not guaranteed to precede task_work, so the flush waits
// for cleanup), and the 6.0.0 rule for failures (B6).
int FinishZc(IoKiocb* req, long ret, long min_ret, unsigned issue_flags) {
  const int rc = FinishSend(req, ret, min_ret, issue_flags, IORING_CQE_F_MORE);
  if (rc != IOU_OK_) return rc;
  if (!EraAtLeast(req, net::KernelEra::k6_1) && req->cqe.res < 0) {
    // 6.0.0: a failed send posts no notification and no F_MORE (6ae91ac9a6aa).
    req->sr.notif->flags |= REQ_F_CQE_SKIP;
    req->cqe.flags = 0;
  }
  if (!(issue_flags & IO_URING_F_UNLOCKED)) {
    io_notif_flush(req->sr.notif);
    req->sr.notif = nullptr;
    req->flags &= ~REQ_F_NEED_CLEANUP;
  }
  return IOU_OK_;
}

bool PollFirst(IoKiocb* req) { return !(req->flags & REQ_F_POLLED) && (req->sr.flags & IORING_RECVSEND_POLL_FIRST); }

}  // namespace

int io_sendmsg_prep(IoKiocb* req, const io_uring_sqe* sqe) {
  IoSrMsg& sr = req->sr;
  if (req->opcode == IORING_OP_SEND) {
    if (sqe->__pad3[0] != 0) return -EINVAL;
    sr.addr = sqe->addr2;
    sr.addr_len = sqe->addr_len;
  } else if (sqe->addr2 != 0 || sqe->file_index != 0) {
    return -EINVAL;
  }
  sr.buf = sqe->addr;
  sr.len = sqe->len;
  sr.flags = sqe->ioprio;
  if (sr.flags & ~IORING_RECVSEND_POLL_FIRST) return -EINVAL;
  sr.msg_flags = sqe->msg_flags | MSG_NOSIGNAL;
  if (sr.msg_flags & MSG_DONTWAIT) req->flags |= REQ_F_NOWAIT;
  sr.done_io = 0;
  return 0;
}

int io_send(IoKiocb* req, unsigned issue_flags) {
  IoSrMsg& sr = req->sr;
  net::MsgHdr msg;
  int err = DestAddr(req, &msg);
  if (err < 0) return err;
  if (PollFirst(req)) return -EAGAIN;
  msg.msg_iter = net::iov_iter_ubuf(&req->ctx->host->mm(), sr.buf, sr.len);
  unsigned flags = sr.msg_flags;
  if (issue_flags & IO_URING_F_NONBLOCK) flags |= MSG_DONTWAIT;
  const long min_ret = (flags & MSG_WAITALL) ? static_cast<long>(sr.len) : 0;
  msg.msg_flags = flags;
  const long ret = net::sock_sendmsg(req->file, &msg);
  TraceIssue(req, "io_send", "sock_sendmsg -> {}", ret);
  return FinishSend(req, ret, min_ret, issue_flags, 0);
}

int io_sendmsg(IoKiocb* req, unsigned issue_flags) {
  IoSrMsg& sr = req->sr;
  net::UserMsg umsg;
  unsigned user_flags = 0;
  int err = net::copy_msghdr_from_user(req->ctx->host, sr.buf, &umsg, &user_flags);
  if (err < 0) return err;
  if (PollFirst(req)) return -EAGAIN;
  net::MsgHdr msg;
  msg.has_name = umsg.has_name;
  msg.name = umsg.name;
  msg.namelen = umsg.namelen;
  msg.msg_iter = net::iov_iter_iovec(&req->ctx->host->mm(), umsg.iov);
  unsigned flags = sr.msg_flags;
  if (issue_flags & IO_URING_F_NONBLOCK) flags |= MSG_DONTWAIT;
  const long min_ret = (flags & MSG_WAITALL) ? static_cast<long>(net::iov_iter_count(&msg.msg_iter)) : 0;
  msg.msg_flags = flags;
  const long ret = net::sock_sendmsg(req->file, &msg);
  TraceIssue(req, "io_sendmsg", "sock_sendmsg -> {}", ret);
  return FinishSend(req, ret, min_ret, issue_flags, 0);
}

int io_send_zc_prep(IoKiocb* req, const io_uring_sqe* sqe) {
  IoRingCtx* ctx = req->ctx;
  IoSrMsg& sr = req->sr;
  if (sqe->__pad2[0] != 0 || sqe->addr3 != 0) return -EINVAL;
  // "we don't support IOSQE_CQE_SKIP_SUCCESS just yet"
  if (req->flags & REQ_F_CQE_SKIP) return -EINVAL;
  sr.flags = sqe->ioprio;
  uint16_t allowed = IORING_RECVSEND_POLL_FIRST | IORING_RECVSEND_FIXED_BUF;
  if (EraAtLeast(req, net::KernelEra::k6_2)) allowed |= IORING_SEND_ZC_REPORT_USAGE;
  if (sr.flags & ~allowed) return -EINVAL;
  IoKiocb* notif = io_alloc_notif(ctx);
  sr.notif = notif;
  notif->owner = req;
  req->zc_notif = notif;
  notif->cqe.user_data = req->cqe.user_data;
  notif->cqe.res = 0;
  notif->cqe.flags = IORING_CQE_F_NOTIF;
  req->flags |= REQ_F_NEED_CLEANUP;
  if (sr.flags & IORING_SEND_ZC_REPORT_USAGE) notif->nd.zc_report = true;
  if (sr.flags & IORING_RECVSEND_FIXED_BUF) {
    const unsigned idx = sqe->buf_index;
    if (idx >= ctx->user_bufs.size()) return -EFAULT;
    req->imu = ctx->user_bufs[idx].get();
    // The notifier, not the request, keeps the buffer table alive: it
    // outlives the request (e3366e023497, B4).
    io_req_set_rsrc_node(notif, ctx);
  }
  if (req->opcode == IORING_OP_SEND_ZC) {
    if (sqe->__pad3[0] != 0) return -EINVAL;
    sr.addr = sqe->addr2;
    sr.addr_len = sqe->addr_len;
  } else {
    if (sqe->addr2 != 0 || sqe->file_index != 0) return -EINVAL;
    if (sr.flags & IORING_RECVSEND_FIXED_BUF) return -EINVAL;
  }
  sr.buf = sqe->addr;
  sr.len = sqe->len;
  sr.msg_flags = sqe->msg_flags | MSG_NOSIGNAL;
  if (sr.msg_flags & MSG_DONTWAIT) req->flags |= REQ_F_NOWAIT;
  sr.done_io = 0;
  return 0;
}

int io_send_zc(IoKiocb* req, unsigned issue_flags) {
  IoSrMsg& sr = req->sr;
  net::MsgHdr msg;
  int err = DestAddr(req, &msg);
  if (err < 0) return err;
  if (PollFirst(req)) return -EAGAIN;
  if (sr.flags & IORING_RECVSEND_FIXED_BUF) {
    err = io_import_fixed(&msg.msg_iter, req->imu, sr.buf, sr.len);
    if (err != 0) return err;
    msg.sg_from_iter = io_sg_from_iter;
  } else {
    msg.msg_iter = net::iov_iter_ubuf(&req->ctx->host->mm(), sr.buf, sr.len);
    err = io_notif_account_mem(sr.notif, sr.len);
    if (err != 0) return err;
    msg.sg_from_iter = io_sg_from_iter_iovec;
  }
  unsigned flags = sr.msg_flags | MSG_ZEROCOPY;
  if (issue_flags & IO_URING_F_NONBLOCK) flags |= MSG_DONTWAIT;
  const long min_ret = (flags & MSG_WAITALL) ? static_cast<long>(net::iov_iter_count(&msg.msg_iter)) : 0;
  msg.msg_flags = flags;
  msg.msg_ubuf = &sr.notif->nd.uarg;
  const long ret = net::sock_sendmsg(req->file, &msg);
  TraceIssue(req, "io_send_zc", "sock_sendmsg -> {} ({})", ret,
                                            (sr.flags & IORING_RECVSEND_FIXED_BUF) ? "fixed buffer" : "user memory");
  return FinishZc(req, ret, min_ret, issue_flags);
}

int io_sendmsg_zc(IoKiocb* req, unsigned issue_flags) {
  IoSrMsg& sr = req->sr;
  net::UserMsg umsg;
  unsigned user_flags = 0;
  int err = net::copy_msghdr_from_user(req->ctx->host, sr.buf, &umsg, &user_flags);
  if (err < 0) return err;
  if (PollFirst(req)) return -EAGAIN;
  net::MsgHdr msg;
  msg.has_name = umsg.has_name;
  msg.name = umsg.name;
  msg.namelen = umsg.namelen;
  msg.msg_iter = net::iov_iter_iovec(&req->ctx->host->mm(), umsg.iov);
  unsigned flags = sr.msg_flags | MSG_ZEROCOPY;
  if (issue_flags & IO_URING_F_NONBLOCK) flags |= MSG_DONTWAIT;
  const long min_ret = (flags & MSG_WAITALL) ? static_cast<long>(net::iov_iter_count(&msg.msg_iter)) : 0;
  msg.msg_flags = flags;
  msg.msg_ubuf = &sr.notif->nd.uarg;
  // 6.1 charges no locked memory for SENDMSG_ZC (fixed in ~6.15, B15).
  msg.sg_from_iter = io_sg_from_iter_iovec;
  const long ret = net::sock_sendmsg(req->file, &msg);
  TraceIssue(req, "io_sendmsg_zc", "sock_sendmsg -> {}, {} iovec(s)", ret, umsg.iov.size());
  return FinishZc(req, ret, min_ret, issue_flags);
}

void io_sendrecv_fail(IoKiocb* req) {
  if (req->flags & REQ_F_PARTIAL_IO) req->cqe.res = req->sr.done_io;
  const bool zc = req->opcode == IORING_OP_SEND_ZC || req->opcode == IORING_OP_SENDMSG_ZC;
  if (zc && (req->flags & REQ_F_NEED_CLEANUP)) {
    if (EraAtLeast(req, net::KernelEra::k6_1)) {
      req->cqe.flags |= IORING_CQE_F_MORE;
    } else {
      req->sr.notif->flags |= REQ_F_CQE_SKIP;  // 6.0.0 (B6)
    }
  }
}

void io_send_zc_cleanup(IoKiocb* req) {
  if (req->sr.notif != nullptr) {
    io_notif_flush(req->sr.notif);
    req->sr.notif = nullptr;
  }
}

int io_sg_from_iter(net::Sock* sk, net::SkBuff* skb, net::IovIter* from, size_t length) {
  net::SkbSharedInfo* shinfo = skb->shinfo;
  int frag = shinfo->nr_frags;
  // v4 passed user memory here too: a non-bvec iterator downgrades and takes
  // the page-referencing path (later kernels use io_sg_from_iter_iovec).
  if (from->type != net::IterType::ITER_BVEC) return io_sg_from_iter_iovec(sk, skb, from, length);
  if (frag == 0) {
    shinfo->flags |= net::SKBFL_MANAGED_FRAG_REFS;
  } else if (!net::skb_zcopy_managed(skb)) {
    return net::__zerocopy_sg_from_iter(nullptr, sk, skb, from, length);
  }
  size_t want = std::min(from->count, length);
  size_t copied = 0;
  uint32_t truesize = 0;
  // Frags point straight at the pinned registered pages: no page reference.
  while (want > 0 && frag < net::MAX_SKB_FRAGS && from->seg < from->bvec.size()) {
    const net::BioVec& b = from->bvec[from->seg];
    const uint32_t off = b.offset + static_cast<uint32_t>(from->iov_offset);
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(want, b.len - from->iov_offset));
    ZC_CHECK(skb->world->checker(), b.page->pincount > 0, "INV-5", b.page->id,
             "a managed frag must point at a pinned registered page");
    net::__skb_fill_page_desc_noacc(skb, frag++, b.page, off, n);
    copied += n;
    truesize += static_cast<uint32_t>(net::PAGE_ALIGN(n + off % net::PAGE_SIZE));
    want -= n;
    net::iov_iter_advance(from, n);
  }
  shinfo->nr_frags = static_cast<uint8_t>(frag);
  skb->data_len += static_cast<uint32_t>(copied);
  skb->len += static_cast<uint32_t>(copied);
  skb->truesize += truesize;
  if (sk != nullptr && sk->type == SOCK_STREAM) {
    // TCP: sk_wmem_queued (with its TCP model).
  } else {
    skb->sk->sk_wmem_alloc += truesize;
  }
  ZC_TRACE(skb->world->tracer(), "uring", "io_sg_from_iter")
      .Obj(skb->id, {{"nr_frags", frag}, {"truesize", skb->truesize}})
      .Msg("{} bytes of registered buffer as managed frags: no page references", copied);
  return want > 0 ? -EMSGSIZE : 0;
}

int io_sg_from_iter_iovec(net::Sock* sk, net::SkBuff* skb, net::IovIter* from, size_t length) {
  net::skb_zcopy_downgrade_managed(skb);
  return net::__zerocopy_sg_from_iter(nullptr, sk, skb, from, length);
}

}  // namespace zcsim::uring
