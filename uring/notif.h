// The zerocopy notifier (io_uring/notif.c). Since 6.0 a notifier is an
// io_kiocb of its own whose embedded ubuf_info the send hands to the
// network stack through msghdr.msg_ubuf; the request holds its "master"
// reference until io_notif_flush(); each skb shinfo holds one more; when the
// last goes, the notifier completes through task_work and posts a CQE with
// IORING_CQE_F_NOTIF.
//
// 6.10 adds notification stacking: TCP offers an skb that already carries
// another notifier to io_link_skb (ubuf_info_ops::link_skb), which chains
// the new notifier behind it instead of asking for a new skb. A chained
// notifier holds a reference on the chain's head and passes its own last
// reference on to it; the head, at zero, posts every member's CQE from one
// task_work, head first, then along `next` (INV-17).
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
// INV-17, at `event` ("io_link_skb", "completion"): every member of the
// chain that starts at `head` names it as head and belongs to its ring and
// task; the chain ends.
void CheckNotifChain(IoKiocb* head, const char* event);
inline IoKiocb* io_notif_from_uarg(net::UbufInfo* uarg) { return static_cast<IoKiocb*>(uarg->container); }

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_NOTIF_H_
