// Zerocopy frag filling (net/core/datagram.c and net/core/skbuff.c, 6.1).
#ifndef ZCSIM_NET_DATAGRAM_H_
#define ZCSIM_NET_DATAGRAM_H_

#include <cstddef>
#include <cstdint>

#include "net/iov_iter.h"
#include "net/skbuff.h"

namespace zcsim::net {

// __zerocopy_sg_from_iter(): pins (references) the user pages behind the
// next `length` bytes of `from` and adds them to `skb` as frags, charging
// the page-aligned size to the socket. Delegates to msg->sg_from_iter when
// the caller brought its own ubuf (io_uring). 0, -EMSGSIZE (frags full) or
// -EFAULT.
int __zerocopy_sg_from_iter(MsgHdr* msg, Sock* sk, SkBuff* skb, IovIter* from, size_t length);
// datagram_poll(): EPOLLERR with sk_err or a queued error (a zerocopy
// notification), EPOLLIN with a datagram queued, EPOLLOUT while less than
// half the send buffer is in use (sock_writeable).
uint32_t datagram_poll(Sock* sk);
// skb_zerocopy_iter_dgram()
int skb_zerocopy_iter_dgram(SkBuff* skb, MsgHdr* msg, int len);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_DATAGRAM_H_
