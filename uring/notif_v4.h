// The notification slots of the v4 series (Jul 2022), as posted and as
// merged for 6.0-rc1 before the slotless rewrite (io_uring/notif.c of
// isilence/linux zc_v4; ../shared/design/kernel-reference.md §1.6, §4.1).
//
// A ring registers slots with tags. A SENDZC names a slot; the slot's
// active notifier (a generation, seq 0, 1, 2 ...) collects any number of
// requests until it is flushed, by IORING_RECVSEND_NOTIF_FLUSH on a
// successful send or by IORING_OP_RSRC_UPDATE with IORING_RSRC_UPDATE_NOTIF.
// Once flushed and free of skbs it posts one CQE {user_data = the tag it
// captured, res = 0, flags = seq}. In v4 and 6.0-rc1 a flush that drops the
// last reference completes inline, before the flushing request's own CQE
// (B2, fixed in 6.0-rc3 by completing through task_work).
#ifndef ZCSIM_URING_NOTIF_V4_H_
#define ZCSIM_URING_NOTIF_V4_H_

#include "uring/io_uring.h"

namespace zcsim::uring {

bool IsSlotEra(const IoRingCtx* ctx);
int io_notif_register(IoRingCtx* ctx, uint64_t arg, unsigned size);
int io_notif_unregister(IoRingCtx* ctx);
// The slot's active generation, allocating one (seq = slot->seq++) if none.
IoKiocb* io_get_notif(IoRingCtx* ctx, IoRingCtx::NotifSlot* slot);
// io_notif_slot_flush_submit(): detach the generation and drop the slot's
// master reference; `req` is the request doing it (for ordering checks).
void io_notif_slot_flush_submit(IoRingCtx* ctx, IoRingCtx::NotifSlot* slot, unsigned issue_flags, IoKiocb* req);

// IORING_OP_SENDZC (v4) and IORING_OP_RSRC_UPDATE.
int io_sendzc_prep_v4(IoKiocb* req, const io_uring_sqe* sqe);
int io_sendzc_v4(IoKiocb* req, unsigned issue_flags);
int io_rsrc_update_prep(IoKiocb* req, const io_uring_sqe* sqe);
int io_rsrc_update(IoKiocb* req, unsigned issue_flags);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_NOTIF_V4_H_
