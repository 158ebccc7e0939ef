// The zerocopy notifier (io_uring/notif.c). Since 6.0 a notifier is an
// io_kiocb of its own whose embedded ubuf_info the send hands to the
// network stack through msghdr.msg_ubuf; the request holds its "master"
// reference until io_notif_flush(); each skb shinfo holds one more; when the
// last goes, the notifier completes through task_work and posts a CQE with
// IORING_CQE_F_NOTIF.
#ifndef ZCSIM_URING_NOTIF_H_
#define ZCSIM_URING_NOTIF_H_

#include "uring/io_uring.h"

namespace zcsim::uring {

extern const net::UbufInfoOps io_notif_ubuf_ops;

IoKiocb* io_alloc_notif(IoRingCtx* ctx);
// Drops the master reference.
void io_notif_flush(IoKiocb* notif);
// io_notif_account_mem(): charge (len >> PAGE_SHIFT) + 2 pages to the ring's
// user; -ENOMEM over RLIMIT_MEMLOCK.
int io_notif_account_mem(IoKiocb* notif, unsigned len);
inline IoKiocb* io_notif_from_uarg(net::UbufInfo* uarg) { return static_cast<IoKiocb*>(uarg->container); }

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_NOTIF_H_
