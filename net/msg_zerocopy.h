// MSG_ZEROCOPY's ubuf_info: allocation, extension, completion and the
// error-queue notification (net/core/skbuff.c, 6.1: msg_zerocopy_alloc,
// msg_zerocopy_realloc, msg_zerocopy_callback, __msg_zerocopy_callback,
// msg_zerocopy_put_abort, skb_zerocopy_notify_extend).
#ifndef ZCSIM_NET_MSG_ZEROCOPY_H_
#define ZCSIM_NET_MSG_ZEROCOPY_H_

#include <cstdint>

#include "net/mm.h"
#include "net/skbuff.h"
#include "sim/pool.h"

namespace zcsim::net {

struct Sock;

// struct ubuf_info_msgzc (6.2 name; in 6.1 the fields sit in ubuf_info
// itself). In the kernel it lives in the cb[] of the skb that sock_omalloc()
// returned, which later becomes the error-queue notification; here that skb
// owns it through SkBuff::cb_msgzc.
struct UbufInfoMsgzc : sim::PoolNode {
  UbufInfo ubuf;
  uint32_t id = 0;       // first notification id covered
  uint16_t len = 0;      // number of ids (sends) covered
  bool zerocopy = true;  // false once any part was copied
  uint32_t bytelen = 0;
  MmPin mmp;
  Sock* sk = nullptr;
  SkBuff* skb = nullptr;  // the skb whose cb holds this
};

extern const UbufInfoOps msg_zerocopy_ubuf_ops;

// container_of(uarg, struct ubuf_info_msgzc, ubuf)
inline UbufInfoMsgzc* uarg_to_msgzc(UbufInfo* uarg) { return static_cast<UbufInfoMsgzc*>(uarg->container); }

UbufInfo* msg_zerocopy_alloc(Sock* sk, size_t size);
UbufInfo* msg_zerocopy_realloc(Sock* sk, size_t size, UbufInfo* uarg);
void msg_zerocopy_callback(SkBuff* skb, UbufInfo* uarg, bool success);
void msg_zerocopy_put_abort(UbufInfo* uarg, bool have_uref);
bool skb_zerocopy_notify_extend(SkBuff* skb, uint32_t lo, uint16_t len);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_MSG_ZEROCOPY_H_
