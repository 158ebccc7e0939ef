#include "net/msg_zerocopy.h"

#include "net/host.h"
#include "net/sock.h"
#include "net/world.h"
#include "sim/check.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

// Bound on the bytes one ubuf may cover when extended (TCP: "a few TSO").
constexpr uint32_t kMsgZerocopyByteLimit = 1u << 19;
constexpr uint16_t USHRT_MAX_ = 0xffff;

template <typename... Args>
void TraceMsgzc(UbufInfoMsgzc* uz, const char* func, fmt::format_string<Args...> format, Args&&... args) {
  ZC_TRACE(uz->ubuf.world->tracer(), "zcopy", func)
      .Obj(uz->ubuf.id, {{"refcnt", uz->ubuf.refcnt}, {"id", uz->id}, {"len", uz->len},
                         {"zerocopy", uz->zerocopy}})
      .Obj(uz->sk->id, {{"zckey", uz->sk->sk_zckey}})
      .Msg(format, std::forward<Args>(args)...);
}

void __msg_zerocopy_callback(UbufInfoMsgzc* uz) {
  Sock* sk = uz->sk;
  SkBuff* skb = uz->skb;
  World& world = *sk->world;
  mm_unaccount_pinned_pages(&uz->mmp);
  // An aborted ubuf (len == 0) or a dead socket gets no notification.
  if (uz->len == 0 || sk->sock_dead) {
    TraceMsgzc(uz, "__msg_zerocopy_callback", "{}", uz->len == 0 ? "aborted: no notification" : "socket dead: no notification");
    consume_skb(skb);
    sock_put(sk);
    return;
  }
  // INV-18: a notification covers only ids this socket handed out.
  ZC_CHECK(world.checker(), static_cast<uint32_t>(sk->sk_zckey - uz->id) >= uz->len, "INV-18", uz->ubuf.id,
           "notification [{}, {}] beyond sk_zckey {}", uz->id, uz->id + uz->len - 1, sk->sk_zckey);
  // INV-6: when the notification is generated no skb may still hold the ubuf
  // (and so its user pages).
  if (world.checker().deep()) {
    world.skbs().ForEach([&](SkBuff* held) {
      ZC_CHECK(world.checker(), held->shinfo == nullptr || held->shinfo->destructor_arg != &uz->ubuf, "INV-6",
               uz->ubuf.id, "notified while {} still points at it", held->id);
    });
  }
  const uint32_t lo = uz->id;
  const uint32_t hi = uz->id + uz->len - 1;
  skb->ee = sock_extended_err{};
  skb->ee.ee_errno = 0;
  skb->ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
  skb->ee.ee_data = hi;
  skb->ee.ee_info = lo;
  if (!uz->zerocopy) skb->ee.ee_code |= SO_EE_CODE_ZEROCOPY_COPIED;
  SkBuff* tail = sk->sk_error_queue.empty() ? nullptr : sk->sk_error_queue.back();
  if (tail == nullptr || tail->ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY ||
      !skb_zerocopy_notify_extend(tail, lo, uz->len)) {
    sk->sk_error_queue.push_back(skb);
    ZC_TRACE(world.tracer(), "zcopy", "__msg_zerocopy_callback")
        .Obj(sk->id, {{"errqueue", static_cast<int64_t>(sk->sk_error_queue.size())},
                      {"omem_alloc", sk->sk_omem_alloc}})
        .Obj(skb->id)
        .Msg("notification [{}, {}]{} queued", lo, hi,
             uz->zerocopy ? "" : " COPIED");
    skb = nullptr;
  } else {
    ZC_TRACE(world.tracer(), "zcopy", "__msg_zerocopy_callback")
        .Obj(sk->id, {{"errqueue", static_cast<int64_t>(sk->sk_error_queue.size())}})
        .Obj(tail->id)
        .Msg("notification [{}, {}] merged into the queued one, now [{}, {}]", lo, hi,
             tail->ee.ee_info, tail->ee.ee_data);
  }
  sk_error_report(sk);
  consume_skb(skb);
  sock_put(sk);
}

}  // namespace

const UbufInfoOps msg_zerocopy_ubuf_ops = {"msg_zerocopy_callback", &msg_zerocopy_callback, nullptr};

UbufInfo* msg_zerocopy_alloc(Sock* sk, size_t size) {
  World& world = *sk->world;
  SkBuff* skb = sock_omalloc(sk, 0);
  if (skb == nullptr) return nullptr;
  UbufInfoMsgzc* uz = world.msgzc_ubufs().New();
  uz->ubuf.world = &world;
  uz->ubuf.container = uz;
  uz->ubuf.id = static_cast<sim::PoolNode*>(uz)->id;  // not uz->id, the notification id
  uz->sk = sk;
  uz->skb = skb;
  skb->cb_msgzc = uz;
  if (mm_account_pinned_pages(&uz->mmp, size, &sk->host->mm().user()) != 0) {
    ZC_TRACE(world.tracer(), "zcopy", "mm_account_pinned_pages")
        .Obj(sk->id)
        .Msg("RLIMIT_MEMLOCK would be exceeded ({} + {} pages > {})", sk->host->mm().user().locked_vm,
             (size >> PAGE_SHIFT) + 2, sk->host->mm().user().memlock_limit >> PAGE_SHIFT);
    kfree_skb(skb, "msg_zerocopy_alloc: memlock");
    return nullptr;
  }
  uz->ubuf.ops = &msg_zerocopy_ubuf_ops;
  uz->id = sk->sk_zckey++;
  uz->len = 1;
  uz->bytelen = static_cast<uint32_t>(size);
  uz->zerocopy = true;
  uz->ubuf.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
  uz->ubuf.refcnt = 1;
  sock_hold(sk);
  TraceMsgzc(uz, "msg_zerocopy_alloc", "{} bytes, locked_vm {} pages", size, sk->host->mm().user().locked_vm);
  return &uz->ubuf;
}

UbufInfo* msg_zerocopy_realloc(Sock* sk, size_t size, UbufInfo* uarg) {
  if (uarg != nullptr) {
    // v4 patch 03 "skbuff: don't mix ubuf_info from different sources".
    if (uarg->ops != &msg_zerocopy_ubuf_ops) return nullptr;
    UbufInfoMsgzc* uz = uarg_to_msgzc(uarg);
    // Only extended with the socket locked (TCP, corked UDP).
    if (!sk->owned_by_user) {
      sk->world->checker().Fail("INV-18", uarg->id, "msg_zerocopy_realloc without the socket lock");
      return nullptr;
    }
    const uint64_t bytelen = uint64_t{uz->bytelen} + size;
    if (uz->len == USHRT_MAX_ - 1 || bytelen > kMsgZerocopyByteLimit) {
      if (sk->type == SOCK_STREAM) return msg_zerocopy_alloc(sk, size);
      return nullptr;
    }
    const uint32_t next = sk->sk_zckey;
    if (uz->id + uz->len == next) {
      if (mm_account_pinned_pages(&uz->mmp, size, &sk->host->mm().user()) != 0) return nullptr;
      ++uz->len;
      uz->bytelen = static_cast<uint32_t>(bytelen);
      sk->sk_zckey = next + 1;
      // No extra reference when appending to a datagram (MSG_MORE): the
      // ubuf is already attached to the corked skb (B28/B29).
      if (sk->type == SOCK_STREAM) net_zcopy_get(uarg);
      TraceMsgzc(uz, "msg_zerocopy_realloc", "extended to the next id");
      return uarg;
    }
  }
  return msg_zerocopy_alloc(sk, size);
}

void msg_zerocopy_callback(SkBuff* skb, UbufInfo* uarg, bool success) {
  (void)skb;
  UbufInfoMsgzc* uz = uarg_to_msgzc(uarg);
  World& world = *uarg->world;
  uz->zerocopy = uz->zerocopy && success;
  if (uarg->refcnt <= 0) {
    world.checker().Fail("INV-1", uarg->id, "callback on a ubuf with no references left");
    return;
  }
  --uarg->refcnt;
  TraceMsgzc(uz, "msg_zerocopy_callback", "success={}", success);
  if (uarg->refcnt == 0) __msg_zerocopy_callback(uz);
}

void msg_zerocopy_put_abort(UbufInfo* uarg, bool have_uref) {
  UbufInfoMsgzc* uz = uarg_to_msgzc(uarg);
  Sock* sk = uz->sk;
  --sk->sk_zckey;
  --uz->len;
  TraceMsgzc(uz, "msg_zerocopy_put_abort", "id {} given back", sk->sk_zckey);
  if (have_uref) msg_zerocopy_callback(nullptr, uarg, true);
}

bool skb_zerocopy_notify_extend(SkBuff* skb, uint32_t lo, uint16_t len) {
  const uint32_t old_lo = skb->ee.ee_info;
  const uint32_t old_hi = skb->ee.ee_data;
  const uint64_t sum_len = uint64_t{old_hi - old_lo} + 1 + len;
  if (sum_len >= (1ull << 32)) return false;
  if (lo != old_hi + 1) return false;
  skb->ee.ee_data += len;
  return true;
}

void net_zcopy_put_abort(UbufInfo* uarg, bool have_uref) {
  if (uarg == nullptr) return;
  if (uarg->ops == &msg_zerocopy_ubuf_ops) {
    msg_zerocopy_put_abort(uarg, have_uref);
  } else if (have_uref) {
    net_zcopy_put(uarg);
  }
}

}  // namespace zcsim::net
