// The operation table (io_uring/opdef.c, 6.1, and the v4 series): per
// opcode, whether it needs a file, whether sqe->ioprio is meaningful,
// whether -EAGAIN can wait for POLLOUT, and its prep / issue / fail /
// cleanup handlers. Opcode 47 is IORING_OP_SENDZC (slots) before 6.0 and
// IORING_OP_SEND_ZC from 6.0; 48 exists from 6.1.
#ifndef ZCSIM_URING_OPDEF_H_
#define ZCSIM_URING_OPDEF_H_

#include "net/world.h"
#include "uring/io_uring.h"

namespace zcsim::uring {

// Returned by an issue handler that completed the request (res set).
inline constexpr int IOU_OK = 0;

struct IoOpDef {
  const char* name;
  bool needs_file;
  bool ioprio;
  bool pollout;
  int (*prep)(IoKiocb* req, const io_uring_sqe* sqe);
  int (*issue)(IoKiocb* req, unsigned issue_flags);
  void (*fail)(IoKiocb* req);     // may be null
  void (*cleanup)(IoKiocb* req);  // may be null
};

// Null for opcodes the era's kernel does not have, or this model does not
// implement (both fail with -EINVAL, as beyond IORING_OP_LAST).
const IoOpDef* io_op_def(uint8_t opcode, net::KernelEra era);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_OPDEF_H_
