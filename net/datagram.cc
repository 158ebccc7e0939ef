#include "net/datagram.h"

#include <sys/epoll.h>

#include <algorithm>

#include "net/sock.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {

int __zerocopy_sg_from_iter(MsgHdr* msg, Sock* sk, SkBuff* skb, IovIter* from, size_t length) {
  // B20: consult sg_from_iter only together with msg_ubuf.
  if (msg != nullptr && msg->msg_ubuf != nullptr && msg->sg_from_iter != nullptr) {
    return msg->sg_from_iter(sk, skb, from, length);
  }
  int frag = skb->shinfo->nr_frags;
  std::vector<Page*> pages;
  while (length > 0 && iov_iter_count(from) > 0) {
    if (frag == MAX_SKB_FRAGS) return -EMSGSIZE;
    size_t start = 0;
    const long copied = iov_iter_get_pages2(from, &pages, length, MAX_SKB_FRAGS - frag, &start);
    if (copied < 0) return -EFAULT;
    length -= static_cast<size_t>(copied);
    const uint32_t truesize = static_cast<uint32_t>(PAGE_ALIGN(copied + start));
    skb->data_len += static_cast<uint32_t>(copied);
    skb->len += static_cast<uint32_t>(copied);
    skb->truesize += truesize;
    if (sk != nullptr && sk->type == SOCK_STREAM) {
      // TCP charges sk_wmem_queued (and forward alloc unless pure): see tcp.
    } else {
      skb->sk->sk_wmem_alloc += truesize;
    }
    size_t left = static_cast<size_t>(copied);
    for (size_t n = 0; left != 0; ++n, start = 0) {
      const uint32_t size = static_cast<uint32_t>(std::min<size_t>(left, PAGE_SIZE - start));
      // The page reference taken by get_pages moves to the frag.
      skb_fill_page_desc(skb, frag++, pages[n], static_cast<uint32_t>(start), size);
      left -= size;
    }
    ZC_TRACE(skb->world->tracer(), "zcopy", "__zerocopy_sg_from_iter")
        .Obj(skb->id, {{"nr_frags", skb->shinfo->nr_frags}, {"truesize", skb->truesize}})
        .Obj(pages.front()->id, {{"refcount", pages.front()->refcount}})
        .Msg("{} user bytes as {} frag(s), no copy", copied, pages.size());
  }
  return 0;
}

int skb_zerocopy_iter_dgram(SkBuff* skb, MsgHdr* msg, int len) {
  return __zerocopy_sg_from_iter(msg, skb->sk, skb, &msg->msg_iter, static_cast<size_t>(len));
}

uint32_t datagram_poll(Sock* sk) {
  // net/core/datagram.c (6.1); no shutdown() in the model, so no HUP/RDHUP.
  uint32_t mask = 0;
  if (sk->sk_err != 0 || !sk->sk_error_queue.empty()) mask |= EPOLLERR;
  if (!sk->sk_receive_queue.empty()) mask |= EPOLLIN | EPOLLRDNORM;
  if (sock_writeable(sk)) mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
  return mask;
}

}  // namespace zcsim::net
