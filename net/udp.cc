#include "net/udp.h"

#include <algorithm>
#include <cstring>

#include "net/checksum.h"
#include "net/host.h"
#include "net/ip_output.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

template <typename... Args>
void TraceSend(Sock* sk, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(sk->world->tracer(), "udp", func)
      .Obj(sk->id, {{"wmem_alloc", sk->sk_wmem_alloc}, {"zckey", sk->sk_zckey}})
      .Msg(format, std::forward<Args>(args)...);
}

// udp_send_skb() / udp_v6_send_skb(): the UDP header, the checksum, and out.
int udp_send_skb(Sock* sk, SkBuff* skb, InetCork* cork) {
  uint8_t* uh = skb_transport_header(skb);
  const uint32_t offset = skb->transport_header - skb->data;
  const uint32_t len = skb->len - offset;
  put_be16(uh, sk->saddr.port);
  put_be16(uh + 2, cork->daddr.port);
  put_be16(uh + 4, static_cast<uint16_t>(len));
  put_be16(uh + 6, 0);
  if (skb->ip_summed == CHECKSUM_PARTIAL && skb->shinfo->frag_list == nullptr) {
    // udp4_hwcsum / udp6_hwcsum_outgoing: seed with the pseudo-header; the
    // device completes the sum over the bytes it reads.
    skb->csum_start = skb->transport_header;
    skb->csum_offset = 6;
    put_be16(uh + 6, static_cast<uint16_t>(~csum_fold(csum_pseudo(cork->saddr, cork->daddr, len, IPPROTO_UDP))));
  } else {
    // Software checksum over the (already copied) payload.
    std::vector<uint8_t> bytes(len);
    skb_copy_bits(skb, offset, bytes.data(), len);
    uint16_t check = csum_magic(cork->saddr, cork->daddr, len, IPPROTO_UDP, csum_partial(bytes.data(), len, 0));
    if (check == 0) check = 0xffff;  // CSUM_MANGLED_0
    put_be16(uh + 6, check);
    skb->ip_summed = CHECKSUM_NONE;
  }
  ZC_TRACE(sk->world->tracer(), "udp", sk->family == AF_INET6 ? "udp_v6_send_skb" : "udp_send_skb")
      .Obj(sk->id)
      .Obj(skb->id, {{"len", skb->len}, {"nr_frags", skb->shinfo->nr_frags}})
      .Msg("{} -> {} {} bytes, checksum {}", cork->saddr.ToString(), cork->daddr.ToString(), len - kUdpHdrLen,
           skb->ip_summed == CHECKSUM_PARTIAL ? "offloaded" : "in software");
  // INV-20: a zerocopy datagram is one skb with only headers linear, its
  // checksum offloaded, within the MTU.
  if (skb_zcopy(skb) != nullptr && skb->shinfo->nr_frags > 0 && skb->shinfo->frags[0].page->user) {
    ZC_CHECK(sk->world->checker(),
             skb_headlen(skb) == offset + kUdpHdrLen && skb->ip_summed == CHECKSUM_PARTIAL &&
                 skb->len <= cork->dev->mtu && skb->shinfo->frag_list == nullptr,
             "INV-20", skb->id, "zerocopy datagram shape: headlen {} (headers {}), ip_summed {}, len {} (mtu {})",
             skb_headlen(skb), offset + kUdpHdrLen, skb->ip_summed, skb->len, cork->dev->mtu);
  }
  int err = ip_send_skb(skb, cork->dev);
  if (err == -ENOBUFS) {
    ++sk->sndbuf_errors;
    err = 0;  // without IP_RECVERR a local drop is not reported
  } else if (err == 0) {
    ++sk->out_datagrams;
  }
  return err;
}

// The part of udp_sendmsg/udpv6_sendmsg after the address checks.
int SendDatagram(Sock* sk, MsgHdr* msg, size_t len, const InetAddr& daddr, bool corkreq) {
  const int ulen = static_cast<int>(len) + static_cast<int>(kUdpHdrLen);
  int err;
  if (!corkreq) {
    InetCork cork;
    err = ip_setup_cork(sk, &cork, daddr);
    if (err != 0) return err;
    SkBuff* skb = ip_make_skb(sk, &cork, msg, ulen, kUdpHdrLen, msg->msg_flags, &err);
    if (skb != nullptr) err = udp_send_skb(sk, skb, &cork);
  } else {
    sk->owned_by_user = true;  // lock_sock()
    err = ip_setup_cork(sk, &sk->cork, daddr);
    if (err == 0) {
      sk->udp_pending = sk->family;
      sk->udp_len += static_cast<uint32_t>(ulen);
      err = ip_append_data(sk, msg, ulen, kUdpHdrLen, msg->msg_flags | MSG_MORE);
      if (err != 0) {
        udp_flush_pending_frames(sk);
      } else if (sk->sk_write_queue.empty()) {
        sk->udp_pending = 0;
      }
    }
    sk->owned_by_user = false;
  }
  return err;
}

// Appending to a corked datagram: the address of this call is ignored.
int AppendPending(Sock* sk, MsgHdr* msg, size_t len, bool corkreq) {
  sk->owned_by_user = true;
  sk->udp_len += static_cast<uint32_t>(len);
  int err = ip_append_data(sk, msg, static_cast<int>(len), kUdpHdrLen,
                           corkreq ? msg->msg_flags | MSG_MORE : msg->msg_flags);
  if (err != 0) {
    udp_flush_pending_frames(sk);
  } else if (!corkreq) {
    err = udp_push_pending_frames(sk);
  } else if (sk->sk_write_queue.empty()) {
    sk->udp_pending = 0;
  }
  sk->owned_by_user = false;
  return err;
}

int Finish(Sock* sk, int err, size_t len) {
  if (err == 0) return static_cast<int>(len);
  if (err == -ENOBUFS || sk->sock_nospace) ++sk->sndbuf_errors;
  TraceSend(sk, sk->family == AF_INET6 ? "udpv6_sendmsg" : "udp_sendmsg", "-> {}", ErrnoName(-err));
  return err;
}

}  // namespace

int udp_sendmsg(Sock* sk, MsgHdr* msg, size_t len) {
  if (len > 0xFFFF) return -EMSGSIZE;
  if (msg->msg_flags & MSG_OOB) return -EOPNOTSUPP;
  const bool corkreq = sk->udp_corkflag || (msg->msg_flags & MSG_MORE);
  if (sk->udp_pending != 0) {
    if (sk->udp_pending != AF_INET) return -EINVAL;
    return Finish(sk, AppendPending(sk, msg, len, corkreq), len);
  }
  InetAddr daddr;
  if (msg->has_name) {
    if (msg->namelen < 16) return -EINVAL;
    if (msg->name.family != AF_INET && msg->name.family != AF_UNSPEC) return -EAFNOSUPPORT;
    daddr = msg->name;
    daddr.family = AF_INET;
    if (daddr.port == 0) return -EINVAL;
  } else {
    if (!sk->connected) return -EDESTADDRREQ;
    daddr = sk->daddr;
  }
  return Finish(sk, SendDatagram(sk, msg, len, daddr, corkreq), len);
}

int udpv6_sendmsg(Sock* sk, MsgHdr* msg, size_t len) {
  InetAddr daddr;
  bool have_addr = false;
  if (msg->has_name) {
    if (msg->namelen < 2) return -EINVAL;
    if (msg->name.family == AF_INET6) {
      if (msg->namelen < 24) return -EINVAL;
      daddr = msg->name;
      have_addr = true;
    } else if (msg->name.family == AF_INET) {
      // A v4 destination on an IPv6 socket goes through udp_sendmsg in the
      // kernel (v4-mapped); dual-stack sockets are not modelled.
      return -EAFNOSUPPORT;
    } else if (msg->name.family != AF_UNSPEC) {
      return -EINVAL;
    }
  }
  if (len > 0x7fffffff - kUdpHdrLen) return -EMSGSIZE;
  const bool corkreq = sk->udp_corkflag || (msg->msg_flags & MSG_MORE);
  if (sk->udp_pending != 0) {
    if (sk->udp_pending != AF_INET6) return -EAFNOSUPPORT;
    return Finish(sk, AppendPending(sk, msg, len, corkreq), len);
  }
  if (have_addr) {
    if (daddr.port == 0) return -EINVAL;
  } else {
    if (!sk->connected) return -EDESTADDRREQ;
    daddr = sk->daddr;
  }
  return Finish(sk, SendDatagram(sk, msg, len, daddr, corkreq), len);
}

int udp_push_pending_frames(Sock* sk) {
  int err = 0;
  SkBuff* skb = __ip_make_skb(sk, &sk->sk_write_queue, &sk->cork);
  if (skb != nullptr) err = udp_send_skb(sk, skb, &sk->cork);
  sk->udp_len = 0;
  sk->udp_pending = 0;
  return err;
}

void udp_flush_pending_frames(Sock* sk) {
  if (sk->udp_pending == 0) return;
  sk->udp_len = 0;
  sk->udp_pending = 0;
  ip_flush_pending_frames(sk);
}

void udp_rcv(SkBuff* skb, const PacketSummary& p) {
  NetDevice* dev = skb->dev;
  Host* host = dev->host;
  World& world = host->world();
  Sock* sk = host->LookupUdp(p.dst);
  if (sk == nullptr) {
    ZC_TRACE(world.tracer(), "udp", "__udp4_lib_rcv").Obj(skb->id).Msg("no socket for {}: dropped", p.dst.ToString());
    kfree_skb(skb, "UDP_NO_SOCKET");
    return;
  }
  // A packet that came off a wire is verified; looped CHECKSUM_PARTIAL
  // packets are trusted (skb_csum_unnecessary).
  if (skb->ip_summed != CHECKSUM_PARTIAL && !p.udp_check_ok) {
    ZC_TRACE(world.tracer(), "udp", "__udp4_lib_rcv").Obj(skb->id).Msg("bad UDP checksum: dropped (UDP_MIB_CSUMERRORS)");
    kfree_skb(skb, "UDP_CSUM");
    return;
  }
  // __udp_enqueue_schedule_skb(): drop only when already over the limit,
  // so that at least one datagram always fits.
  if (sk->sk_rmem_alloc > sk->sk_rcvbuf) {
    ++sk->rcvbuf_errors;
    ZC_TRACE(world.tracer(), "udp", "__udp_enqueue_schedule_skb")
        .Obj(sk->id, {{"rmem_alloc", sk->sk_rmem_alloc}, {"rcvbuf", sk->sk_rcvbuf}})
        .Msg("receive buffer full: dropped");
    kfree_skb(skb, "UDP_RCVBUFERRORS");
    return;
  }
  skb_pull(skb, p.payload_offset);
  skb->rx_src = p.src;
  skb->sk = sk;
  skb->destructor = SkbDestructor::kSockRfree;
  sk->sk_rmem_alloc += skb->truesize;
  sk->sk_receive_queue.push_back(skb);
  ++sk->in_datagrams;
  ZC_TRACE(world.tracer(), "udp", "__udp_enqueue_schedule_skb")
      .Obj(sk->id, {{"rmem_alloc", sk->sk_rmem_alloc}, {"queued", static_cast<int64_t>(sk->sk_receive_queue.size())}})
      .Obj(skb->id, {{"len", skb->len}})
      .Msg("{} bytes from {} queued on {}", skb->len, p.src.ToString(), host->name());
  sk_data_ready(sk);
}

long ip_recv_error(Sock* sk, RecvMsg* out, size_t len) {
  SkBuff* skb = sock_dequeue_err_skb(sk);
  if (skb == nullptr) return -EAGAIN;
  const size_t copied = std::min<size_t>(skb->len, len);
  if (copied < skb->len) out->msg_flags |= MSG_TRUNC;
  out->data.assign(copied, 0);
  if (copied > 0) skb_copy_bits(skb, 0, out->data.data(), static_cast<uint32_t>(copied));
  out->namelen = 0;  // zerocopy notifications carry no address
  out->has_cmsg = true;
  out->cmsg_level = sk->family == AF_INET6 ? kSolIpv6 : kSolIp;
  out->cmsg_type = sk->family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR;
  // sock_extended_err + a zeroed offender sockaddr_in (16) / sockaddr_in6 (28).
  out->cmsg_len = 16 + 16 + (sk->family == AF_INET6 ? 28 : 16);
  out->ee = skb->ee;
  out->msg_flags |= MSG_ERRQUEUE;
  ZC_TRACE(sk->world->tracer(), "udp", sk->family == AF_INET6 ? "ipv6_recv_error" : "ip_recv_error")
      .Obj(sk->id, {{"errqueue", static_cast<int64_t>(sk->sk_error_queue.size())}})
      .Obj(skb->id)
      .Msg("origin {} code {} [{}, {}]", skb->ee.ee_origin, skb->ee.ee_code, skb->ee.ee_info, skb->ee.ee_data);
  consume_skb(skb);  // sock_ofree: the option memory comes back
  return static_cast<long>(copied);
}

long udp_recvmsg(Sock* sk, RecvMsg* out, size_t len, unsigned flags) {
  if (flags & MSG_ERRQUEUE) return ip_recv_error(sk, out, len);
  if (sk->sk_receive_queue.empty()) {
    if (flags & MSG_DONTWAIT) return -EAGAIN;
    if (!sk->world->WaitFor([sk] { return !sk->sk_receive_queue.empty(); })) return -EAGAIN;
  }
  SkBuff* skb = sk->sk_receive_queue.front();
  const size_t ulen = skb->len;
  const size_t copied = std::min(len, ulen);
  if (copied < ulen) out->msg_flags |= MSG_TRUNC;
  out->data.assign(copied, 0);
  skb_copy_bits(skb, 0, out->data.data(), static_cast<uint32_t>(copied));
  out->from = skb->rx_src;
  out->namelen = skb->rx_src.family == AF_INET6 ? 28 : 16;
  if (!(flags & MSG_PEEK)) {
    sk->sk_receive_queue.pop_front();
    consume_skb(skb);
  }
  return static_cast<long>((flags & MSG_TRUNC) ? ulen : copied);
}

int udp_lib_setsockopt(Sock* sk, int optname, int val) {
  if (optname != UDP_CORK) return -ENOPROTOOPT;
  if (val != 0) {
    sk->udp_corkflag = true;
  } else {
    sk->udp_corkflag = false;
    sk->owned_by_user = true;
    if (sk->udp_pending != 0) udp_push_pending_frames(sk);  // its error is discarded
    sk->owned_by_user = false;
  }
  return 0;
}

int udp_lib_getsockopt(Sock* sk, int optname, int* val) {
  if (optname != UDP_CORK) return -ENOPROTOOPT;
  *val = sk->udp_corkflag ? 1 : 0;
  return 0;
}

}  // namespace zcsim::net
