#include "uring/opdef.h"

#include "uring/net.h"
#include "uring/notif_v4.h"

namespace zcsim::uring {
namespace {

int io_nop_prep(IoKiocb*, const io_uring_sqe*) { return 0; }
int io_nop(IoKiocb* req, unsigned) {
  req->cqe.res = 0;
  req->cqe.flags = 0;
  return IOU_OK;
}

const IoOpDef kNop = {"NOP", false, false, false, io_nop_prep, io_nop, nullptr, nullptr};
const IoOpDef kSendmsg = {"SENDMSG", true, true, true, io_sendmsg_prep, io_sendmsg, io_sendrecv_fail, nullptr};
const IoOpDef kSend = {"SEND", true, true, true, io_sendmsg_prep, io_send, io_sendrecv_fail, nullptr};
const IoOpDef kSendZc = {"SEND_ZC", true, true, true, io_send_zc_prep, io_send_zc, io_sendrecv_fail, io_send_zc_cleanup};
const IoOpDef kSendmsgZc = {"SENDMSG_ZC", true, true, true, io_send_zc_prep, io_sendmsg_zc, io_sendrecv_fail,
                            io_send_zc_cleanup};
const IoOpDef kSendzcV4 = {"SENDZC", true, true, true, io_sendzc_prep_v4, io_sendzc_v4, nullptr, nullptr};
const IoOpDef kSendzcNotif = {"SENDZC_NOTIF", true, true, true, io_sendzc_prep_v4, io_sendzc_v4, nullptr, nullptr};
const IoOpDef kRsrcUpdate = {"RSRC_UPDATE", false, true, false, io_rsrc_update_prep, io_rsrc_update, nullptr, nullptr};
// From 6.0 on opcode 20 is FILES_UPDATE again and takes no ioprio.
const IoOpDef kFilesUpdate = {"FILES_UPDATE", false, false, false, io_rsrc_update_prep, io_rsrc_update, nullptr,
                              nullptr};

}  // namespace

const IoOpDef* io_op_def(uint8_t opcode, net::KernelEra era) {
  const bool slots = era < net::KernelEra::k6_0;
  switch (opcode) {
    case IORING_OP_NOP:
      return &kNop;
    case IORING_OP_SENDMSG:
      return &kSendmsg;
    case IORING_OP_SEND:
      return &kSend;
    case IORING_OP_FILES_UPDATE:
      return slots ? &kRsrcUpdate : &kFilesUpdate;
    case IORING_OP_SEND_ZC:
      if (era == net::KernelEra::kV4) return &kSendzcV4;
      return slots ? &kSendzcNotif : &kSendZc;
    case IORING_OP_SENDMSG_ZC:
      return era >= net::KernelEra::k6_1 ? &kSendmsgZc : nullptr;
    default:
      return nullptr;
  }
}

}  // namespace zcsim::uring
