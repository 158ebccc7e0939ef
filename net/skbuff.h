// struct sk_buff, struct skb_shared_info, struct ubuf_info and the helpers
// that move their reference counts.
//
// Mirrors include/linux/skbuff.h and net/core/skbuff.c (Linux 6.1, with the
// 6.0 additions of the io_uring zerocopy series: SKBFL_DONT_ORPHAN,
// SKBFL_MANAGED_FRAG_REFS, msghdr::msg_ubuf). Counters change only through
// the named functions below, each of which traces the move.
//
// Ownership, as in the kernel: an skb owns one reference on its shared info
// (`dataref`); clones share it. The shared info owns one reference per
// non-managed frag page and, when zerocopy, one reference on its ubuf. The
// ubuf reference therefore belongs to the shinfo, not to any one skb.
#ifndef ZCSIM_NET_SKBUFF_H_
#define ZCSIM_NET_SKBUFF_H_

#include <array>
#include <cstdint>
#include <vector>

#include "net/inet.h"
#include "net/mm.h"
#include "net/uapi.h"
#include "sim/pool.h"

namespace zcsim::net {

class World;
class NetDevice;
struct Sock;
struct SkBuff;
struct UbufInfoMsgzc;

inline constexpr int MAX_SKB_FRAGS = 17;

// SKBFL_* (skb_shared_info.flags).
inline constexpr uint8_t SKBFL_ZEROCOPY_ENABLE = 1 << 0;
inline constexpr uint8_t SKBFL_SHARED_FRAG = 1 << 1;
inline constexpr uint8_t SKBFL_PURE_ZEROCOPY = 1 << 2;
inline constexpr uint8_t SKBFL_DONT_ORPHAN = 1 << 3;
inline constexpr uint8_t SKBFL_MANAGED_FRAG_REFS = 1 << 4;
inline constexpr uint8_t SKBFL_ZEROCOPY_FRAG = SKBFL_ZEROCOPY_ENABLE | SKBFL_SHARED_FRAG;
inline constexpr uint8_t SKBFL_ALL_ZEROCOPY =
    SKBFL_ZEROCOPY_FRAG | SKBFL_PURE_ZEROCOPY | SKBFL_DONT_ORPHAN | SKBFL_MANAGED_FRAG_REFS;

// "ZEROCOPY_ENABLE|SHARED_FRAG", or "0".
std::string SkbflNames(uint8_t flags);

// skb->ip_summed
enum IpSummed : uint8_t {
  CHECKSUM_NONE = 0,
  CHECKSUM_UNNECESSARY = 1,
  CHECKSUM_COMPLETE = 2,
  CHECKSUM_PARTIAL = 3,
};

// Sizes that make truesize match x86_64 6.1: SKB_DATA_ALIGN(sizeof(struct
// sk_buff)) and SKB_DATA_ALIGN(sizeof(struct skb_shared_info)).
inline constexpr uint32_t kSkBuffStructSize = 256;
inline constexpr uint32_t kSkbSharedInfoSize = 320;
// kmalloc's size classes (kmalloc_size_roundup) for the head buffer.
uint32_t kmalloc_size_roundup(uint32_t size);
// SKB_TRUESIZE(X)
inline constexpr uint32_t SKB_TRUESIZE(uint32_t x) { return x + kSkBuffStructSize + kSkbSharedInfoSize; }

// struct ubuf_info (6.1 layout: callback + refcnt + flags; 6.10 moved the
// callback into struct ubuf_info_ops, modelled here for every era). The
// object that embeds it (a MSG_ZEROCOPY ubuf_info_msgzc, an io_uring
// notifier) gives it its id for traces.
struct UbufInfo;
struct UbufInfoOps {
  const char* name;  // the kernel's callback, e.g. "msg_zerocopy_callback"
  // ubuf_info->callback(skb, uarg, zerocopy_success); drops one reference.
  void (*complete)(SkBuff* skb, UbufInfo* uarg, bool success);
  // ubuf_info_ops::link_skb (6.10, 65bada80dec1 "net: add callback for
  // setting a ubuf_info to skb"): lets `uarg` onto an skb in place of
  // skb_zcopy_set(), attaching it or chaining it to the ubuf the skb already
  // has; 0, or -EEXIST for "start a new skb". Null: one ubuf per skb. Only
  // consulted from era 6.10 on (skb_zerocopy_link).
  int (*link_skb)(SkBuff* skb, UbufInfo* uarg);
};
struct UbufInfo {
  const UbufInfoOps* ops = nullptr;
  int refcnt = 1;
  uint8_t flags = 0;
  sim::ObjectId id;
  World* world = nullptr;
  // The object that embeds this ubuf_info: what the kernel's container_of()
  // recovers (a ubuf_info_msgzc, an io_uring notifier).
  void* container = nullptr;
};

// skb_frag_t: a bio_vec.
struct SkbFrag {
  Page* page = nullptr;
  uint32_t offset = 0;
  uint32_t len = 0;
};

// The head buffer and, at its end, struct skb_shared_info: shared by clones.
struct SkbSharedInfo : sim::PoolNode {
  uint8_t flags = 0;
  uint8_t nr_frags = 0;
  uint16_t gso_size = 0;
  uint16_t gso_segs = 0;
  SkBuff* frag_list = nullptr;
  int dataref = 1;  // SKB_DATAREF_MASK part: every reference to the data
  UbufInfo* destructor_arg = nullptr;
  std::array<SkbFrag, MAX_SKB_FRAGS> frags;
  std::vector<uint8_t> head;  // skb->head .. skb->end
};

// skb->destructor
enum class SkbDestructor : uint8_t { kNone, kSockWfree, kSockRfree, kSockOfree };

struct SkBuff : sim::PoolNode {
  World* world = nullptr;
  SkBuff* next = nullptr;  // list link: frag_list chains, queues of segments
  Sock* sk = nullptr;
  SkbDestructor destructor = SkbDestructor::kNone;
  NetDevice* dev = nullptr;
  SkbSharedInfo* shinfo = nullptr;  // skb_shinfo(skb), via skb->head
  uint32_t data = 0;  // offset of skb->data in the head
  uint32_t tail = 0;  // offset of skb->tail
  uint32_t len = 0;
  uint32_t data_len = 0;
  uint32_t truesize = 0;
  int users = 1;
  bool cloned = false;
  uint8_t ip_summed = CHECKSUM_NONE;
  uint16_t csum_start = 0;
  uint16_t csum_offset = 0;
  uint16_t network_header = 0;    // offsets in the head
  uint16_t transport_header = 0;
  uint16_t protocol = 0;          // ETH_P_IP / ETH_P_IPV6
  // skb->cb for error-queue skbs (struct sock_exterr_skb) and the
  // ubuf_info_msgzc that msg_zerocopy_alloc() places in the cb.
  sock_extended_err ee;
  UbufInfoMsgzc* cb_msgzc = nullptr;
  // skb->cb on receive: the sender's address and port (udp_skb_cb).
  InetAddr rx_src;
  // struct tcp_skb_cb: the sequence space the skb covers, its flags, and
  // when it was last sent (skb_mstamp_ns).
  uint32_t seq = 0;
  uint32_t end_seq = 0;
  uint8_t tcp_flags = 0;
  bool retransmitted = false;
  // TCP_SKB_CB(skb)->sacked: TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS,
  // TCPCB_LOST (net/tcp.h).
  uint8_t sacked = 0;
  sim::Time tx_time = 0;
};

inline constexpr uint16_t ETH_P_IP = 0x0800;
inline constexpr uint16_t ETH_P_IPV6 = 0x86DD;

// Allocation and the linear area.
SkBuff* alloc_skb(World& world, uint32_t size, const char* why);
void skb_reserve(SkBuff* skb, uint32_t len);
uint8_t* skb_put(SkBuff* skb, uint32_t len);
uint8_t* skb_push(SkBuff* skb, uint32_t len);
uint8_t* skb_pull(SkBuff* skb, uint32_t len);
inline uint8_t* skb_data(SkBuff* skb) { return skb->shinfo->head.data() + skb->data; }
inline uint32_t skb_headlen(const SkBuff* skb) { return skb->len - skb->data_len; }
inline uint32_t skb_headroom(const SkBuff* skb) { return skb->data; }
inline uint32_t skb_end_offset(const SkBuff* skb) { return static_cast<uint32_t>(skb->shinfo->head.size()); }
inline uint32_t skb_tailroom(const SkBuff* skb) {
  return skb->data_len != 0 ? 0 : skb_end_offset(skb) - skb->tail;
}
inline SkbSharedInfo* skb_shinfo(SkBuff* skb) { return skb->shinfo; }
inline bool skb_cloned(const SkBuff* skb) { return skb->cloned && skb->shinfo->dataref != 1; }
inline bool skb_shared(const SkBuff* skb) { return skb->users != 1; }
uint8_t* skb_network_header(SkBuff* skb);
uint8_t* skb_transport_header(SkBuff* skb);

// Lifetime.
SkBuff* skb_get(SkBuff* skb);
void kfree_skb(SkBuff* skb, const char* reason);
void consume_skb(SkBuff* skb);
void kfree_skb_list(SkBuff* segs, const char* reason);
// skb_orphan(): runs the destructor now (e.g. sock_wfree) and detaches sk.
void skb_orphan(SkBuff* skb);

SkBuff* skb_clone(SkBuff* skb);
// __pskb_copy_fclone(skb, headroom, gfp, fclone=false)
SkBuff* pskb_copy(SkBuff* skb, uint32_t headroom);
int pskb_expand_head(SkBuff* skb, uint32_t nhead, uint32_t ntail);
int skb_unclone(SkBuff* skb);
// pskb_trim(): keeps the first `len` bytes, dropping the end of the linear
// area or of the frags (their page references go too).
void pskb_trim(SkBuff* skb, uint32_t len);

// Frags.
void __skb_fill_page_desc_noacc(SkBuff* skb, int i, Page* page, uint32_t off, uint32_t size);
void __skb_fill_page_desc(SkBuff* skb, int i, Page* page, uint32_t off, uint32_t size);
void skb_fill_page_desc(SkBuff* skb, int i, Page* page, uint32_t off, uint32_t size);
void skb_frag_ref(SkBuff* skb, int i);
void skb_frag_unref(SkBuff* skb, int i);
// Reads `len` bytes at `offset` of the skb's data (linear, frags,
// frag_list); the frag bytes are whatever the pages hold right now.
// Returns 0 or -EFAULT when the range is outside the skb.
int skb_copy_bits(SkBuff* skb, uint32_t offset, uint8_t* to, uint32_t len);
// Every byte of the skb's data (a convenience over skb_copy_bits).
std::vector<uint8_t> skb_bytes(SkBuff* skb);

// Zerocopy (include/linux/skbuff.h, net/core/skbuff.c).
UbufInfo* skb_zcopy(SkBuff* skb);
bool skb_zcopy_managed(const SkBuff* skb);
void skb_zcopy_init(SkBuff* skb, UbufInfo* uarg);
void skb_zcopy_set(SkBuff* skb, UbufInfo* uarg, bool* have_ref);
// skb_zerocopy_iter_stream()'s first step (TCP): may `uarg`'s pages join
// skb? From 6.10 a ubuf whose ops have link_skb decides, and has attached
// or chained itself when it says yes (0); otherwise (and before 6.10) an skb
// that already carries a different ubuf says -EEXIST (INV-2).
int skb_zerocopy_link(SkBuff* skb, UbufInfo* uarg);
// True when skb_zerocopy_link() went through link_skb, so the caller must
// not skb_zcopy_set() afterwards (6.10: `if (!uarg->ops->link_skb)`).
bool skb_zerocopy_uses_link_skb(const UbufInfo* uarg);
void skb_zcopy_clear(SkBuff* skb, bool zerocopy_success);
void skb_zcopy_downgrade_managed(SkBuff* skb);
int skb_zerocopy_clone(SkBuff* nskb, SkBuff* orig);
// skb_split(): bytes from `len` on move to the empty `skb1` (the all-paged
// case TCP uses; `len` is past the linear part).
void skb_split(SkBuff* skb, SkBuff* skb1, uint32_t len);
int skb_orphan_frags(SkBuff* skb);
int skb_orphan_frags_rx(SkBuff* skb);
int skb_copy_ubufs(SkBuff* skb);
void skb_tx_error(SkBuff* skb);
void net_zcopy_get(UbufInfo* uarg);
void net_zcopy_put(UbufInfo* uarg);
void net_zcopy_put_abort(UbufInfo* uarg, bool have_uref);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_SKBUFF_H_
