// Network operations of io_uring (io_uring/net.c, Linux 6.1 with the 6.0 /
// 6.2 era differences): SEND and SENDMSG (copying), SEND_ZC and SENDMSG_ZC
// (zerocopy with a notifier), and the sg_from_iter callbacks that fill skb
// frags: io_sg_from_iter (registered buffers: managed frags, no page
// references) and io_sg_from_iter_iovec (user memory: referenced frags).
#ifndef ZCSIM_URING_NET_H_
#define ZCSIM_URING_NET_H_

#include "uring/io_uring.h"

namespace zcsim::uring {

int io_sendmsg_prep(IoKiocb* req, const io_uring_sqe* sqe);
int io_send(IoKiocb* req, unsigned issue_flags);
int io_sendmsg(IoKiocb* req, unsigned issue_flags);
int io_send_zc_prep(IoKiocb* req, const io_uring_sqe* sqe);
int io_send_zc(IoKiocb* req, unsigned issue_flags);
int io_sendmsg_zc(IoKiocb* req, unsigned issue_flags);
void io_sendrecv_fail(IoKiocb* req);
void io_send_zc_cleanup(IoKiocb* req);

int io_sg_from_iter(net::Sock* sk, net::SkBuff* skb, net::IovIter* from, size_t length);
int io_sg_from_iter_iovec(net::Sock* sk, net::SkBuff* skb, net::IovIter* from, size_t length);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_NET_H_
