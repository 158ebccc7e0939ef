// The operation table (io_uring/opdef.c, 6.1): per opcode, whether it needs
// a file, whether -EAGAIN can wait for POLLOUT, and its prep / issue /
// fail / cleanup handlers.
#ifndef ZCSIM_URING_OPDEF_H_
#define ZCSIM_URING_OPDEF_H_

#include "uring/io_uring.h"

namespace zcsim::uring {

// Returned by an issue handler that completed the request (res set).
inline constexpr int IOU_OK = 0;

struct IoOpDef {
  const char* name;
  bool needs_file;
  bool pollout;
  int (*prep)(IoKiocb* req, const io_uring_sqe* sqe);
  int (*issue)(IoKiocb* req, unsigned issue_flags);
  void (*fail)(IoKiocb* req);     // may be null
  void (*cleanup)(IoKiocb* req);  // may be null
};

// Null for opcodes this model does not implement (they fail with -EINVAL).
const IoOpDef* io_op_def(uint8_t opcode);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_OPDEF_H_
