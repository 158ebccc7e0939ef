// Socket memory and error-queue helpers (net/core/sock.c, 6.1).
#include "net/sock.h"

#include <sys/epoll.h>

#include "net/host.h"
#include "net/tcp.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {

bool sk_is_writeable(const Sock* sk) {
  if (sk->tcp == nullptr) return sock_writeable(sk);
  const int64_t queued = sk->tcp->sk_wmem_queued;
  return sk->sk_sndbuf - queued >= queued / 2;  // sk_stream_wspace() >= sk_stream_min_wspace()
}

void sk_write_space(Sock* sk) {
  // sock_def_write_space_wfree() / sk_stream_write_space(): wake sleepers
  // and POLLOUT waiters only once the socket is writable.
  if (!sk_is_writeable(sk)) return;
  ++sk->wakeups;
  // Pollers: every time for a datagram socket; for TCP only when a sender
  // or tcp_poll() found the buffer full (tcp_check_space() tests
  // SOCK_NOSPACE, sk_stream_write_space() clears it).
  if (sk->tcp == nullptr || sk->sock_nospace) {
    if (sk->tcp != nullptr) sk->sock_nospace = false;
    wake_up_poll(&sk->sk_wq, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
  }
  if (sk->write_waiters.empty()) return;
  std::vector<std::function<void()>> waiters;
  waiters.swap(sk->write_waiters);
  for (auto& w : waiters) w();
}

void skb_set_owner_w(SkBuff* skb, Sock* sk) {
  skb->sk = sk;
  skb->destructor = SkbDestructor::kSockWfree;
  sk->sk_wmem_alloc += skb->truesize;
  ZC_TRACE(sk->world->tracer(), "sock", "skb_set_owner_w")
      .Obj(sk->id, {{"wmem_alloc", sk->sk_wmem_alloc}, {"sndbuf", sk->sk_sndbuf}})
      .Obj(skb->id, {{"truesize", skb->truesize}});
}

SkBuff* sock_alloc_send_skb(Sock* sk, uint32_t size, bool noblock, int* err) {
  World& world = *sk->world;
  for (;;) {
    if (sk->sk_err != 0) {
      *err = -sk->sk_err;
      sk->sk_err = 0;
      return nullptr;
    }
    if (sk->sk_wmem_alloc < sk->sk_sndbuf) break;
    sk->sock_nospace = true;
    if (noblock) {
      *err = -EAGAIN;
      ZC_TRACE(world.tracer(), "sock", "sock_alloc_send_pskb")
          .Obj(sk->id, {{"wmem_alloc", sk->sk_wmem_alloc}, {"sndbuf", sk->sk_sndbuf}})
          .Msg("send buffer full, non-blocking: -EAGAIN");
      return nullptr;
    }
    ZC_TRACE(world.tracer(), "sock", "sock_wait_for_wmem")
        .Obj(sk->id, {{"wmem_alloc", sk->sk_wmem_alloc}, {"sndbuf", sk->sk_sndbuf}})
        .Msg("send buffer full: the task sleeps");
    // Asleep until woken (writable again, or an error report), then the
    // loop re-checks the condition.
    const uint64_t woken = sk->wakeups;
    if (!world.WaitFor([sk, woken] { return sk->wakeups != woken || sk->sk_err != 0; })) {
      // Nothing left that could free memory: the task would sleep forever.
      *err = -EAGAIN;
      return nullptr;
    }
  }
  SkBuff* skb = alloc_skb(world, size, "sock_alloc_send_skb");
  skb_set_owner_w(skb, sk);
  return skb;
}

SkBuff* sock_omalloc(Sock* sk, uint32_t size) {
  const int optmem_max = sk->host->sysctl().optmem_max;
  if (sk->sk_omem_alloc + SKB_TRUESIZE(size) > int64_t{optmem_max}) {
    ZC_TRACE(sk->world->tracer(), "sock", "sock_omalloc")
        .Obj(sk->id, {{"omem_alloc", sk->sk_omem_alloc}, {"optmem_max", optmem_max}})
        .Msg("option memory exhausted");
    return nullptr;
  }
  SkBuff* skb = alloc_skb(*sk->world, size, "sock_omalloc");
  sk->sk_omem_alloc += skb->truesize;
  skb->sk = sk;
  skb->destructor = SkbDestructor::kSockOfree;
  ZC_TRACE(sk->world->tracer(), "sock", "sock_omalloc")
      .Obj(sk->id, {{"omem_alloc", sk->sk_omem_alloc}, {"optmem_max", optmem_max}})
      .Obj(skb->id, {{"truesize", skb->truesize}});
  return skb;
}

void sock_hold(Sock* sk) { ++sk->refcnt; }

void sock_put(Sock* sk) {
  ZC_CHECK(sk->world->checker(), sk->refcnt > 0, "INV-7", sk->id, "sock_put below zero");
  if (--sk->refcnt == 0) {
    // The file went first (close() released its poll hooks).
    ZC_CHECK(sk->world->checker(), !waitqueue_active(&sk->sk_wq) && sk->f_ep.empty(), "INV-22", sk->id,
             "freed with {} poll hooks still on its wait queue", sk->sk_wq.head.size());
    tcp_destroy_sock(sk);
    // inet_sock_destruct(): the queues go with the last reference, which
    // an in-flight MSG_ZEROCOPY ubuf may hold long after close().
    for (auto* queue : {&sk->sk_receive_queue, &sk->sk_error_queue}) {
      while (!queue->empty()) {
        SkBuff* skb = queue->front();
        queue->pop_front();
        kfree_skb(skb, "inet_sock_destruct");
      }
    }
    ZC_TRACE(sk->world->tracer(), "sock", "sk_free").Obj(sk->id);
    page_frag_release(sk->host->mm(), &sk->sk_frag);
    sk->world->socks().Retire(sk);
  }
}

void sk_error_report(Sock* sk) {
  // sock_def_error_report(): wakes everything waiting on the socket.
  ++sk->wakeups;
  wake_up_poll(&sk->sk_wq, EPOLLERR);
}

void sk_data_ready(Sock* sk) { wake_up_poll(&sk->sk_wq, EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND); }

void sk_state_change(Sock* sk) { wake_up_poll(&sk->sk_wq, 0); }

SkBuff* sock_dequeue_err_skb(Sock* sk) {
  if (sk->sk_error_queue.empty()) return nullptr;
  SkBuff* skb = sk->sk_error_queue.front();
  sk->sk_error_queue.pop_front();
  // Only a queued ICMP error becomes sk_err (is_icmp_err_skb()); zerocopy
  // notifications leave it alone, so a reset's ECONNRESET survives them.
  if (!sk->sk_error_queue.empty()) {
    const auto& next = sk->sk_error_queue.front()->ee;
    if (next.ee_origin == SO_EE_ORIGIN_ICMP || next.ee_origin == SO_EE_ORIGIN_ICMP6) sk->sk_err = static_cast<int>(next.ee_errno);
  }
  return skb;
}

}  // namespace zcsim::net
