// IPv4 and IPv6 datagram output (net/ipv4/ip_output.c, net/ipv6/ip6_output.c,
// Linux 6.1, which carries v4 patches 01/02 "avoid partial copy for zc" and
// 09/10 "support for msg_ubuf"). The append loop is written once and takes
// the family's rules from AppendRules; each difference is commented.
#include "net/ip_output.h"

#include <algorithm>
#include <cstring>

#include "net/checksum.h"
#include "net/datagram.h"
#include "net/host.h"
#include "net/msg_zerocopy.h"
#include "net/netdevice.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

constexpr uint16_t IP_DF = 0x4000;
constexpr uint16_t IP_MF = 0x2000;

// ip_generic_getfrag(): copy from the user's iterator.
int ip_generic_getfrag(World& world, MsgHdr* msg, uint8_t* to, int len) {
  world.sim().costs().Charge(sim::Cost::kCopyByte, static_cast<uint64_t>(len));
  if (copy_from_iter(to, static_cast<size_t>(len), &msg->msg_iter) != static_cast<size_t>(len)) return -EFAULT;
  return 0;
}

// skb_can_coalesce(): the new bytes continue the last frag in the same page.
bool skb_can_coalesce(SkBuff* skb, int i, const Page* page, uint32_t off) {
  if (i == 0) return false;
  const SkbFrag& f = skb->shinfo->frags[i - 1];
  return page == f.page && off == f.offset + f.len;
}

struct AppendRules {
  bool v6;
  uint32_t fragheaderlen;
  uint32_t maxfraglen;
  uint32_t mtu;
  uint32_t maxnonfragsize;  // the largest datagram (headers included)
  bool csum_ok;             // this chunk may use CHECKSUM_PARTIAL
  uint32_t reserve_extra;   // IPv6 reserves room for a fragment header
};

void TraceAppend(Sock* sk, SkBuff* skb, const char* what, uint32_t bytes) {
  ZC_TRACE(sk->world->tracer(), "ip", sk->family == AF_INET6 ? "__ip6_append_data" : "__ip_append_data")
      .Obj(skb->id, {{"len", skb->len}, {"data_len", skb->data_len}, {"truesize", skb->truesize},
                     {"nr_frags", skb->shinfo->nr_frags}})
      .Msg("{} {} bytes", what, bytes);
}

// The body shared by __ip_append_data and __ip6_append_data.
int AppendData(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork, PageFrag* pfrag, MsgHdr* from,
               int length, int transhdrlen, unsigned flags, const AppendRules& r) {
  World& world = *sk->world;
  NetDevice* dev = cork->dev;
  SkBuff* skb = queue->empty() ? nullptr : queue->back();
  const uint32_t hh_len = kHhLen;
  const uint32_t mtu = r.mtu;
  const uint32_t fragheaderlen = r.fragheaderlen;
  const int maxfraglen = static_cast<int>(r.maxfraglen);
  bool paged = cork->gso_size != 0;
  bool zc = false;
  UbufInfo* uarg = nullptr;
  bool extra_uref = false;
  int64_t wmem_alloc_delta = 0;
  int err = 0;

  if (cork->length + static_cast<uint32_t>(length) > r.maxnonfragsize - fragheaderlen) {
    ZC_TRACE(world.tracer(), "ip", r.v6 ? "__ip6_append_data" : "__ip_append_data")
        .Obj(sk->id)
        .Msg("datagram of {} bytes exceeds {}: -EMSGSIZE", cork->length + length,
             r.maxnonfragsize - fragheaderlen);
    return -EMSGSIZE;
  }
  const uint8_t csummode = r.csum_ok ? CHECKSUM_PARTIAL : CHECKSUM_NONE;
  uint8_t next_csummode = csummode;

  // The zerocopy decision.
  if ((flags & MSG_ZEROCOPY) && length > 0) {
    UbufInfo* tail_uarg = skb != nullptr ? skb_zcopy(skb) : nullptr;
    if (from->msg_ubuf != nullptr) {
      // An external ubuf (io_uring, v4 patches 09/10).
      if (tail_uarg != nullptr && from->msg_ubuf != tail_uarg) return -EINVAL;
      // Leave uarg null if we can't zerocopy: the data is copied and the
      // ubuf is not attached at all.
      if ((dev->features & NETIF_F_SG) && csummode == CHECKSUM_PARTIAL) {
        paged = true;
        zc = true;
        uarg = from->msg_ubuf;
      }
    } else if (sk->sock_zerocopy) {
      uarg = msg_zerocopy_realloc(sk, static_cast<size_t>(length), tail_uarg);
      if (uarg == nullptr) return -ENOBUFS;
      extra_uref = tail_uarg == nullptr;  // only a new ubuf carries a spare ref (B29)
      if ((dev->features & NETIF_F_SG) && csummode == CHECKSUM_PARTIAL) {
        paged = true;
        zc = true;
      } else {
        uarg_to_msgzc(uarg)->zerocopy = false;
        if (skb != nullptr) skb_zcopy_set(skb, uarg, &extra_uref);
        ZC_TRACE(world.tracer(), "ip", r.v6 ? "__ip6_append_data" : "__ip_append_data")
            .Obj(uarg->id, {{"refcnt", uarg->refcnt}})
            .Msg("zerocopy not possible ({}): data copied, notification will say COPIED",
                 !(dev->features & NETIF_F_SG) ? "device lacks SG" : "no checksum offload for this datagram");
      }
    }
  }

  cork->length += static_cast<uint32_t>(length);
  int offset = 0;  // bytes of `from` consumed so far (besides transhdrlen)
  uint32_t frags_added = 0;
  bool need_new = skb == nullptr;
  while (length > 0) {
    int copy = 0;
    if (!need_new) {
      copy = static_cast<int>(mtu) - static_cast<int>(skb->len);
      if (copy < length) copy = maxfraglen - static_cast<int>(skb->len);
      need_new = copy <= 0;
    }
    if (need_new) {
      need_new = false;
      SkBuff* skb_prev = skb;
      const int fraggap = skb_prev != nullptr ? static_cast<int>(skb_prev->len) - maxfraglen : 0;
      int datalen = length + fraggap;
      // IPv6 uses the fragment size as soon as the datagram is known not to
      // fit the MTU, so that the fast fragmentation path applies.
      const uint32_t limit = r.v6 && cork->length > mtu ? static_cast<uint32_t>(maxfraglen) : mtu;
      if (datalen > static_cast<int>(limit - fragheaderlen)) datalen = maxfraglen - static_cast<int>(fragheaderlen);
      const int fraglen = datalen + static_cast<int>(fragheaderlen);
      int pagedlen = 0;
      // IPv4 adds 15 bytes of slack; IPv6 (since 5.14) only the fragment header.
      const uint32_t alloc_extra = hh_len + (r.v6 ? kFragHdrLen : 15);
      uint32_t alloclen;
      if ((flags & MSG_MORE) && !(dev->features & NETIF_F_SG)) {
        alloclen = mtu;
      } else if (!paged && (static_cast<uint32_t>(fraglen) + alloc_extra < SKB_MAX_ALLOC ||
                            !(dev->features & NETIF_F_SG))) {
        alloclen = static_cast<uint32_t>(fraglen);
      } else if (!zc) {
        alloclen = std::min<uint32_t>(static_cast<uint32_t>(fraglen), 176);  // MAX_HEADER
        pagedlen = fraglen - static_cast<int>(alloclen);
      } else {
        // v4 patches 01/02: a zerocopy skb gets only its headers linear, so
        // no payload byte is copied.
        alloclen = fragheaderlen + static_cast<uint32_t>(transhdrlen);
        pagedlen = datalen - transhdrlen;
      }
      alloclen += alloc_extra;
      if (transhdrlen != 0) {
        skb = sock_alloc_send_skb(sk, alloclen, (flags & MSG_DONTWAIT) != 0, &err);
      } else {
        skb = nullptr;
        if (sk->sk_wmem_alloc + wmem_alloc_delta <= 2 * int64_t{sk->sk_sndbuf}) {
          skb = alloc_skb(world, alloclen, "__ip_append_data fragment");
        }
        if (skb == nullptr) err = -ENOBUFS;
      }
      if (skb == nullptr) goto error;
      skb->ip_summed = next_csummode;
      skb->protocol = r.v6 ? ETH_P_IPV6 : ETH_P_IP;
      skb_reserve(skb, hh_len + r.reserve_extra);
      uint8_t* data = skb_put(skb, static_cast<uint32_t>(fraglen - pagedlen));
      skb->network_header = static_cast<uint16_t>(skb->data);
      skb->transport_header = static_cast<uint16_t>(skb->network_header + fragheaderlen);
      data += fragheaderlen;
      if (fraggap > 0) {
        // Move the tail of the previous skb beyond its fragment boundary.
        skb_copy_bits(skb_prev, static_cast<uint32_t>(maxfraglen), data + transhdrlen, static_cast<uint32_t>(fraggap));
        pskb_trim(skb_prev, static_cast<uint32_t>(maxfraglen));  // pskb_trim_unique()
        data += fraggap;
      }
      copy = datalen - transhdrlen - fraggap - pagedlen;
      if (copy > 0) world.sim().costs().Charge(sim::Cost::kCopySend);
      if (copy > 0 && ip_generic_getfrag(world, from, data + transhdrlen, copy) < 0) {
        err = -EFAULT;
        kfree_skb(skb, "getfrag fault");
        goto error;
      }
      offset += copy;
      length -= copy + transhdrlen;
      transhdrlen = 0;
      next_csummode = CHECKSUM_NONE;
      skb_zcopy_set(skb, uarg, &extra_uref);
      if (skb->destructor == SkbDestructor::kNone) {
        skb->destructor = SkbDestructor::kSockWfree;
        skb->sk = sk;
        wmem_alloc_delta += skb->truesize;
      }
      TraceAppend(sk, skb, copy > 0 ? "new skb, linear copy of" : "new skb, headers only; linear payload", static_cast<uint32_t>(std::max(copy, 0)));
      queue->push_back(skb);
      ++frags_added;
      continue;
    }
    if (copy > length) copy = length;
    if (!(dev->features & NETIF_F_SG) && skb_tailroom(skb) >= static_cast<uint32_t>(copy)) {
      if (ip_generic_getfrag(world, from, skb_put(skb, static_cast<uint32_t>(copy)), copy) < 0) {
        err = -EFAULT;
        goto error;
      }
      TraceAppend(sk, skb, "appended to the linear area:", static_cast<uint32_t>(copy));
    } else if (!zc) {
      int i = skb->shinfo->nr_frags;
      Mm& mm = sk->host->mm();
      if (!skb_page_frag_refill(mm, 32, pfrag)) {
        err = -ENOMEM;
        goto error;
      }
      skb_zcopy_downgrade_managed(skb);
      if (!skb_can_coalesce(skb, i, pfrag->page, pfrag->offset)) {
        if (i == MAX_SKB_FRAGS) {
          err = -EMSGSIZE;
          goto error;
        }
        __skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, 0);
        skb->shinfo->nr_frags = static_cast<uint8_t>(++i);
        mm.get_page(pfrag->page, "page_frag for copied data");
      }
      copy = std::min<int>(copy, static_cast<int>(pfrag->size - pfrag->offset));
      if (ip_generic_getfrag(world, from, pfrag->page->bytes + pfrag->offset, copy) < 0) {
        err = -EFAULT;
        goto error;
      }
      pfrag->offset += static_cast<uint32_t>(copy);
      skb->shinfo->frags[i - 1].len += static_cast<uint32_t>(copy);
      skb->len += static_cast<uint32_t>(copy);
      skb->data_len += static_cast<uint32_t>(copy);
      skb->truesize += static_cast<uint32_t>(copy);
      wmem_alloc_delta += copy;
      TraceAppend(sk, skb, "copied into a page frag:", static_cast<uint32_t>(copy));
    } else {
      err = skb_zerocopy_iter_dgram(skb, from, copy);
      if (err < 0) goto error;
    }
    offset += copy;
    length -= copy;
  }
  (void)offset;
  (void)frags_added;
  sk->sk_wmem_alloc += wmem_alloc_delta;
  return 0;

error:
  net_zcopy_put_abort(uarg, extra_uref);
  cork->length -= static_cast<uint32_t>(length);
  sk->sk_wmem_alloc += wmem_alloc_delta;
  ZC_TRACE(world.tracer(), "ip", r.v6 ? "__ip6_append_data" : "__ip_append_data")
      .Obj(sk->id, {{"wmem_alloc", sk->sk_wmem_alloc}})
      .Msg("error {}", ErrnoName(-err));
  return err;
}

AppendRules Ipv4Rules(const InetCork* cork, int length, int transhdrlen, unsigned flags) {
  AppendRules r{};
  r.v6 = false;
  r.mtu = cork->gso_size ? IP_MAX_MTU : cork->fragsize;
  r.fragheaderlen = kIpHdrLen;
  r.maxfraglen = ((r.mtu - r.fragheaderlen) & ~7u) + r.fragheaderlen;
  // UDP's default IP_PMTUDISC_WANT: ip_sk_ignore_df() is true, so the limit
  // is IP_MAX_MTU and larger datagrams are fragmented locally.
  r.maxnonfragsize = IP_MAX_MTU;
  r.csum_ok = transhdrlen != 0 && static_cast<uint32_t>(length) + r.fragheaderlen <= r.mtu &&
              (cork->dev->features & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM)) &&
              (!(flags & MSG_MORE) || cork->gso_size);
  r.reserve_extra = 0;
  return r;
}

AppendRules Ipv6Rules(const Sock* sk, const InetCork* cork, int length, int transhdrlen, unsigned flags) {
  AppendRules r{};
  r.v6 = true;
  r.mtu = cork->gso_size ? IP_MAX_MTU : cork->fragsize;
  r.fragheaderlen = kIpv6HdrLen;
  // Room for a fragment header in every fragment but the unfragmentable part.
  r.maxfraglen = ((r.mtu - r.fragheaderlen) & ~7u) + r.fragheaderlen - kFragHdrLen;
  r.maxnonfragsize = kIpv6HdrLen + IPV6_MAXPLEN;
  const uint32_t headersize = kIpv6HdrLen;  // no extension headers modelled
  r.csum_ok = transhdrlen != 0 && sk->protocol == IPPROTO_UDP && headersize == kIpv6HdrLen &&
              static_cast<uint32_t>(length) <= r.mtu - headersize &&
              (!(flags & MSG_MORE) || cork->gso_size) &&
              (cork->dev->features & (NETIF_F_IPV6_CSUM | NETIF_F_HW_CSUM));
  r.reserve_extra = kFragHdrLen;
  return r;
}

}  // namespace

int ip_setup_cork(Sock* sk, InetCork* cork, const InetAddr& daddr) {
  NetDevice* dev = nullptr;
  InetAddr saddr;
  const int err = sk->host->RouteOutput(daddr, &dev, &saddr);
  if (err != 0) return err;
  if (sk->bound && !sk->saddr.is_any()) saddr = sk->saddr;
  saddr.port = sk->saddr.port;
  cork->dev = dev;
  cork->fragsize = dev->mtu;
  cork->length = 0;
  cork->gso_size = 0;
  cork->saddr = saddr;
  cork->daddr = daddr;
  return 0;
}

int __ip_append_data(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork, PageFrag* pfrag,
                     MsgHdr* from, int length, int transhdrlen, unsigned flags) {
  return AppendData(sk, queue, cork, pfrag, from, length, transhdrlen, flags,
                    Ipv4Rules(cork, length, transhdrlen, flags));
}

int __ip6_append_data(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork, PageFrag* pfrag,
                      MsgHdr* from, int length, int transhdrlen, unsigned flags) {
  return AppendData(sk, queue, cork, pfrag, from, length, transhdrlen, flags,
                    Ipv6Rules(sk, cork, length, transhdrlen, flags));
}

int ip_append_data(Sock* sk, MsgHdr* from, int length, int transhdrlen, unsigned flags) {
  if (!sk->sk_write_queue.empty()) transhdrlen = 0;
  PageFrag* pfrag = &sk->host->task_frag();
  if (sk->family == AF_INET6) {
    return __ip6_append_data(sk, &sk->sk_write_queue, &sk->cork, pfrag, from, length, transhdrlen, flags);
  }
  return __ip_append_data(sk, &sk->sk_write_queue, &sk->cork, pfrag, from, length, transhdrlen, flags);
}

SkBuff* ip_make_skb(Sock* sk, InetCork* cork, MsgHdr* from, int length, int transhdrlen,
                    unsigned flags, int* err) {
  std::deque<SkBuff*> queue;
  PageFrag* pfrag = &sk->host->task_frag();
  *err = sk->family == AF_INET6
             ? __ip6_append_data(sk, &queue, cork, pfrag, from, length, transhdrlen, flags)
             : __ip_append_data(sk, &queue, cork, pfrag, from, length, transhdrlen, flags);
  if (*err != 0) {
    for (SkBuff* skb : queue) kfree_skb(skb, "__ip_flush_pending_frames");
    return nullptr;
  }
  return __ip_make_skb(sk, &queue, cork);
}

void ip_flush_pending_frames(Sock* sk) {
  while (!sk->sk_write_queue.empty()) {
    SkBuff* skb = sk->sk_write_queue.front();
    sk->sk_write_queue.pop_front();
    kfree_skb(skb, "ip_flush_pending_frames");
  }
  sk->cork = InetCork{};
}

SkBuff* __ip_make_skb(Sock* sk, std::deque<SkBuff*>* queue, InetCork* cork) {
  if (queue->empty()) return nullptr;
  SkBuff* skb = queue->front();
  queue->pop_front();
  const bool v6 = sk->family == AF_INET6;
  const uint32_t nhlen = v6 ? kIpv6HdrLen : kIpHdrLen;
  SkBuff** tail = &skb->shinfo->frag_list;
  while (!queue->empty()) {
    SkBuff* tmp = queue->front();
    queue->pop_front();
    skb_pull(tmp, nhlen);  // later fragments carry no IP header until fragmented
    *tail = tmp;
    tail = &tmp->next;
    skb->len += tmp->len;
    skb->data_len += tmp->len;
    skb->truesize += tmp->truesize;
    // The head skb now carries the whole datagram's socket charge.
    tmp->destructor = SkbDestructor::kNone;
    tmp->sk = nullptr;
  }
  uint8_t* h = skb_network_header(skb);
  if (v6) {
    std::memset(h, 0, kIpv6HdrLen);
    h[0] = 0x60;
    put_be16(h + 4, static_cast<uint16_t>(skb->len - kIpv6HdrLen));
    h[6] = static_cast<uint8_t>(sk->protocol);
    h[7] = 64;  // hop limit
    std::memcpy(h + 8, cork->saddr.addr.data(), 16);
    std::memcpy(h + 24, cork->daddr.addr.data(), 16);
  } else {
    std::memset(h, 0, kIpHdrLen);
    h[0] = 0x45;
    put_be16(h + 2, static_cast<uint16_t>(skb->len));
    put_be16(h + 4, sk->host->NextIpId());
    // IP_PMTUDISC_WANT sets DF; ignore_df still lets us fragment locally.
    put_be16(h + 6, IP_DF);
    h[8] = 64;  // ttl
    h[9] = static_cast<uint8_t>(sk->protocol);
    std::memcpy(h + 12, cork->saddr.addr.data(), 4);
    std::memcpy(h + 16, cork->daddr.addr.data(), 4);
  }
  ZC_TRACE(sk->world->tracer(), "ip", v6 ? "__ip6_make_skb" : "__ip_make_skb")
      .Obj(skb->id, {{"len", skb->len}, {"truesize", skb->truesize}, {"nr_frags", skb->shinfo->nr_frags}})
      .Msg("{} -> {}{}", cork->saddr.ToString(false), cork->daddr.ToString(false),
           skb->shinfo->frag_list != nullptr ? ", with frag_list" : "");
  return skb;
}

void ip_send_check(uint8_t* iph) {
  put_be16(iph + 10, 0);
  put_be16(iph + 10, csum_fold(csum_partial(iph, kIpHdrLen, 0)));
}

namespace {

int ip_finish_output2(SkBuff* skb, NetDevice* dev) {
  const int rc = dev_queue_xmit(skb, dev);
  return rc == NET_XMIT_SUCCESS ? 0 : -ENOBUFS;  // net_xmit_errno()
}

// Writes the fragment fields of a copied IP header: IPv4 offset/MF and
// checksum, or an IPv6 fragment header right after the fixed header.
void SetFragmentHeader(uint8_t* h, bool v6, uint32_t payload, uint32_t offset, bool last, uint32_t ident,
                       uint8_t nexthdr) {
  if (v6) {
    put_be16(h + 4, static_cast<uint16_t>(payload + kFragHdrLen));
    h[6] = IPPROTO_FRAGMENT;
    uint8_t* fh = h + kIpv6HdrLen;
    fh[0] = nexthdr;
    fh[1] = 0;
    put_be16(fh + 2, static_cast<uint16_t>(offset | (last ? 0 : 1)));
    put_be32(fh + 4, ident);
  } else {
    put_be16(h + 2, static_cast<uint16_t>(payload + kIpHdrLen));
    put_be16(h + 6, static_cast<uint16_t>((offset >> 3) | (last ? 0 : IP_MF)));
    ip_send_check(h);
  }
}

// The fast path's geometry: every piece already fits one fragment, and all
// but the last are multiples of 8 bytes (ip_do_fragment / ip6_fragment).
bool FragListFits(SkBuff* skb, uint32_t hlen, uint32_t data_mtu) {
  if (skb->shinfo->frag_list == nullptr || skb_cloned(skb)) return false;
  const uint32_t first = skb->len - skb->data_len + [&] {
    uint32_t f = 0;
    for (int i = 0; i < skb->shinfo->nr_frags; ++i) f += skb->shinfo->frags[i].len;
    return f;
  }();
  if (first - hlen > data_mtu || ((first - hlen) & 7) != 0) return false;
  for (SkBuff* f = skb->shinfo->frag_list; f != nullptr; f = f->next) {
    if (f->len > data_mtu || ((f->len & 7) != 0 && f->next != nullptr) || skb_shared(f)) return false;
  }
  return true;
}

// Fast path: each skb of the frag_list gets a copy of the IP header and goes
// out on its own, taking its share of the socket charge back from the head.
int FragmentFast(SkBuff* skb, NetDevice* dev, uint32_t hlen, bool v6) {
  SkBuff* frag = skb->shinfo->frag_list;
  skb->shinfo->frag_list = nullptr;
  std::vector<uint8_t> hdr(skb_network_header(skb), skb_network_header(skb) + hlen);
  const uint32_t ident = v6 ? dev->host->NextIpv6FragId() : 0;
  for (SkBuff* f = frag; f != nullptr; f = f->next) {
    skb->len -= f->len;
    skb->data_len -= f->len;
    skb->truesize -= f->truesize;
    if (skb->sk != nullptr) skb_set_owner_w_noacct(f, skb->sk);
  }
  uint32_t offset = 0;
  int err = 0;
  SkBuff* cur = skb;
  while (cur != nullptr) {
    SkBuff* next = cur == skb ? frag : cur->next;
    cur->next = nullptr;
    uint8_t* h;
    if (cur == skb && v6) {
      h = skb_push(cur, kFragHdrLen);  // room for the fragment header
      std::memmove(h, h + kFragHdrLen, hlen);
    } else if (cur == skb) {
      h = skb_network_header(cur);
    } else {
      h = skb_push(cur, hlen + (v6 ? kFragHdrLen : 0));
      std::memcpy(h, hdr.data(), hlen);
    }
    cur->network_header = static_cast<uint16_t>(cur->data);
    const uint32_t payload = cur->len - hlen - (v6 ? kFragHdrLen : 0);
    SetFragmentHeader(h, v6, payload, offset, next == nullptr, ident, hdr[6]);
    cur->protocol = skb->protocol;
    cur->ip_summed = CHECKSUM_NONE;
    ZC_TRACE(dev->host->world().tracer(), "ip", v6 ? "ip6_fragment" : "ip_do_fragment")
        .Obj(cur->id, {{"len", cur->len}})
        .Msg("fast path: fragment at offset {}{}", offset, next == nullptr ? " (last)" : "");
    offset += payload;
    const int rc = ip_finish_output2(cur, dev);
    if (rc != 0 && err == 0) err = rc;
    cur = next;
  }
  return err;
}

// Slow path: new linear skbs, owned by the sender, each holding a copy of
// its piece; the original (zerocopy or not) is consumed here.
int FragmentSlow(SkBuff* skb, NetDevice* dev, uint32_t hlen, bool v6, uint32_t data_mtu) {
  World& world = dev->host->world();
  const std::vector<uint8_t> hdr(skb_network_header(skb), skb_network_header(skb) + hlen);
  const uint32_t ident = v6 ? dev->host->NextIpv6FragId() : 0;
  uint32_t left = skb->len - hlen;
  uint32_t ptr = hlen;
  uint32_t offset = 0;
  int err = 0;
  while (left > 0) {
    uint32_t len = std::min(left, data_mtu);
    if (len < left) len &= ~7u;
    const uint32_t fhlen = hlen + (v6 ? kFragHdrLen : 0);
    SkBuff* f = alloc_skb(world, len + fhlen + kHhLen, "ip_fragment slow path");
    skb_reserve(f, kHhLen);
    uint8_t* h = skb_put(f, len + fhlen);
    std::memcpy(h, hdr.data(), hlen);
    skb_copy_bits(skb, ptr, h + fhlen, len);
    f->network_header = static_cast<uint16_t>(f->data);
    f->protocol = skb->protocol;
    if (skb->sk != nullptr) skb_set_owner_w(f, skb->sk);
    left -= len;
    SetFragmentHeader(h, v6, len, offset, left == 0, ident, hdr[6]);
    ZC_TRACE(world.tracer(), "ip", v6 ? "ip6_fragment" : "ip_do_fragment")
        .Obj(f->id, {{"len", f->len}})
        .Msg("slow path: copied fragment at offset {}{}", offset, left == 0 ? " (last)" : "");
    offset += len;
    ptr += len;
    const int rc = ip_finish_output2(f, dev);
    if (rc != 0 && err == 0) err = rc;
  }
  consume_skb(skb);
  return err;
}

int ip_do_fragment(SkBuff* skb, NetDevice* dev) {
  const bool v6 = skb->protocol == ETH_P_IPV6;
  const uint32_t hlen = v6 ? kIpv6HdrLen : kIpHdrLen;
  const uint32_t data_mtu = dev->mtu - hlen - (v6 ? kFragHdrLen : 0);
  if (FragListFits(skb, hlen, data_mtu)) return FragmentFast(skb, dev, hlen, v6);
  return FragmentSlow(skb, dev, hlen, v6, data_mtu);
}

}  // namespace

int ip_queue_xmit(SkBuff* skb, NetDevice* dev, const InetAddr& saddr, const InetAddr& daddr, int protocol) {
  const bool v6 = saddr.family == AF_INET6;
  const uint32_t l4_len = skb->len;
  skb->transport_header = static_cast<uint16_t>(skb->data);
  uint8_t* th = skb_transport_header(skb);
  const uint32_t check_at = protocol == IPPROTO_TCP ? 16 : 6;
  put_be16(th + check_at, 0);
  if (dev->features & (NETIF_F_HW_CSUM | (v6 ? NETIF_F_IPV6_CSUM : NETIF_F_IP_CSUM))) {
    skb->ip_summed = CHECKSUM_PARTIAL;
    skb->csum_start = skb->transport_header;
    skb->csum_offset = static_cast<uint16_t>(check_at);
    put_be16(th + check_at, static_cast<uint16_t>(~csum_fold(csum_pseudo(saddr, daddr, l4_len, protocol))));
  } else {
    std::vector<uint8_t> bytes = skb_bytes(skb);
    put_be16(th + check_at, csum_magic(saddr, daddr, l4_len, protocol, csum_partial(bytes.data(), bytes.size(), 0)));
    skb->ip_summed = CHECKSUM_NONE;
  }
  uint8_t* h = skb_push(skb, v6 ? kIpv6HdrLen : kIpHdrLen);
  skb->network_header = static_cast<uint16_t>(skb->data);
  skb->protocol = v6 ? ETH_P_IPV6 : ETH_P_IP;
  if (v6) {
    std::memset(h, 0, kIpv6HdrLen);
    h[0] = 0x60;
    put_be16(h + 4, static_cast<uint16_t>(l4_len));
    h[6] = static_cast<uint8_t>(protocol);
    h[7] = 64;
    std::memcpy(h + 8, saddr.addr.data(), 16);
    std::memcpy(h + 24, daddr.addr.data(), 16);
  } else {
    std::memset(h, 0, kIpHdrLen);
    h[0] = 0x45;
    put_be16(h + 4, dev->host->NextIpId());
    put_be16(h + 6, IP_DF);
    h[8] = 64;
    h[9] = static_cast<uint8_t>(protocol);
    std::memcpy(h + 12, saddr.addr.data(), 4);
    std::memcpy(h + 16, daddr.addr.data(), 4);
  }
  return ip_send_skb(skb, dev);
}

void skb_set_owner_w_noacct(SkBuff* skb, Sock* sk) {
  // ip_do_fragment moves the head's charge to each fragment it sends.
  skb->sk = sk;
  skb->destructor = SkbDestructor::kSockWfree;
}

int ip_send_skb(SkBuff* skb, NetDevice* dev) {
  const bool v6 = skb->protocol == ETH_P_IPV6;
  uint8_t* h = skb_network_header(skb);
  if (!v6) {
    put_be16(h + 2, static_cast<uint16_t>(skb->len));  // __ip_local_out: tot_len
    ip_send_check(h);
  }
  // ip_finish_output_gso(): a GSO skb leaves as MSS-sized segments, never
  // as IP fragments.
  const bool gso = skb->shinfo->gso_size != 0;
  if (!gso && (skb->len > dev->mtu || skb->shinfo->frag_list != nullptr)) return ip_do_fragment(skb, dev);
  return ip_finish_output2(skb, dev);
}

}  // namespace zcsim::net
