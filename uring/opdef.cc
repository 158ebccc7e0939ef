#include "uring/opdef.h"

#include "uring/net.h"

namespace zcsim::uring {
namespace {

int io_nop_prep(IoKiocb*, const io_uring_sqe*) { return 0; }
int io_nop(IoKiocb* req, unsigned) {
  req->cqe.res = 0;
  req->cqe.flags = 0;
  return IOU_OK;
}

const IoOpDef kNop = {"NOP", false, false, io_nop_prep, io_nop, nullptr, nullptr};
const IoOpDef kSendmsg = {"SENDMSG", true, true, io_sendmsg_prep, io_sendmsg, io_sendrecv_fail, nullptr};
const IoOpDef kSend = {"SEND", true, true, io_sendmsg_prep, io_send, io_sendrecv_fail, nullptr};
const IoOpDef kSendZc = {"SEND_ZC", true, true, io_send_zc_prep, io_send_zc, io_sendrecv_fail, io_send_zc_cleanup};
const IoOpDef kSendmsgZc = {"SENDMSG_ZC", true, true, io_send_zc_prep, io_sendmsg_zc, io_sendrecv_fail,
                            io_send_zc_cleanup};

}  // namespace

const IoOpDef* io_op_def(uint8_t opcode) {
  switch (opcode) {
    case IORING_OP_NOP:
      return &kNop;
    case IORING_OP_SENDMSG:
      return &kSendmsg;
    case IORING_OP_SEND:
      return &kSend;
    case IORING_OP_SEND_ZC:
      return &kSendZc;
    case IORING_OP_SENDMSG_ZC:
      return &kSendmsgZc;
    default:
      return nullptr;
  }
}

}  // namespace zcsim::uring
