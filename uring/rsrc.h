// Registered buffers and resource nodes (io_uring/rsrc.c, 6.1): pinning,
// RLIMIT_MEMLOCK accounting, io_import_fixed, and the quiesce that makes
// IORING_UNREGISTER_BUFFERS wait until no request or notifier uses them.
#ifndef ZCSIM_URING_RSRC_H_
#define ZCSIM_URING_RSRC_H_

#include "uring/io_uring.h"

namespace zcsim::uring {

int io_sqe_buffers_register(IoRingCtx* ctx, uint64_t arg, unsigned nr_args);
int io_sqe_buffers_unregister(IoRingCtx* ctx);
// io_import_fixed(): a bvec iterator over [buf_addr, buf_addr + len) of
// `imu`; -EFAULT if the range is not inside the buffer.
int io_import_fixed(net::IovIter* iter, IoMappedUbuf* imu, uint64_t buf_addr, size_t len);
void io_req_set_rsrc_node(IoKiocb* req, IoRingCtx* ctx);
// __io_account_mem() / __io_unaccount_mem(): RLIMIT_MEMLOCK in pages.
int io_account_mem(net::UserStruct* user, uint64_t nr_pages);
void io_unaccount_mem(net::UserStruct* user, uint64_t nr_pages);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_RSRC_H_
