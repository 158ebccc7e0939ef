// Reference-count rules of sk_buff / skb_shared_info / ubuf_info
// (kernel-reference.md §1.2, §2.2; INV-1..INV-4).
#include "net/skbuff.h"

#include <gtest/gtest.h>

#include "net/msg_zerocopy.h"
#include "net/sock.h"
#include "tests/net/fixture.h"

namespace zcsim::net {
namespace {

class SkbuffTest : public NetFixture {
 protected:
  // A zerocopy skb: header-only linear part plus one referenced user frag,
  // carrying a fresh MSG_ZEROCOPY ubuf (refcnt 1, owned by the skb).
  SkBuff* ZerocopySkb(Sock** sk_out, UbufInfo** uarg_out) {
    const int fd = ConnectedSocket(true);
    Sock* sk = host_->LookupFd(fd);
    UbufInfo* uarg = msg_zerocopy_alloc(sk, 100);
    EXPECT_NE(uarg, nullptr);
    SkBuff* skb = alloc_skb(world_, 64, "test");
    skb_reserve(skb, 16);
    skb_put(skb, 28);
    Page* page = UserPage(0);
    host_->mm().get_page(page, "test gup");
    skb_fill_page_desc(skb, 0, page, 0, 100);
    skb->len += 100;
    skb->data_len += 100;
    bool have_ref = true;
    skb_zcopy_set(skb, uarg, &have_ref);
    EXPECT_FALSE(have_ref) << "the allocation reference moved to the skb";
    *sk_out = sk;
    *uarg_out = uarg;
    return skb;
  }
};

TEST_F(SkbuffTest, TruesizeFollowsKmallocRounding) {
  SkBuff* skb = alloc_skb(world_, 0, "test");
  // 0 + 320 bytes of shared info round up to kmalloc-512: 192 usable.
  EXPECT_EQ(skb->truesize, 768u);
  EXPECT_EQ(skb_end_offset(skb), 192u);
  kfree_skb(skb, "test");
  SkBuff* big = alloc_skb(world_, 1500, "test");
  EXPECT_EQ(big->truesize, 2048u - 320u + 576u);
  kfree_skb(big, "test");
  EXPECT_EQ(kmalloc_size_roundup(65), 96u);
  EXPECT_EQ(kmalloc_size_roundup(129), 192u);
  EXPECT_EQ(kmalloc_size_roundup(193), 256u);
}

TEST_F(SkbuffTest, CloneSharesShinfoAndTheSingleUbufReference) {
  Sock* sk;
  UbufInfo* uarg;
  SkBuff* skb = ZerocopySkb(&sk, &uarg);
  SkBuff* clone = skb_clone(skb);
  ASSERT_NE(clone, nullptr);
  EXPECT_EQ(clone->shinfo, skb->shinfo);
  EXPECT_EQ(skb->shinfo->dataref, 2);
  EXPECT_EQ(uarg->refcnt, 1) << "INV-3: clones take no ubuf reference";
  EXPECT_EQ(UserPage(0)->refcount, 2) << "and no page reference";
  kfree_skb(skb, "test");
  EXPECT_EQ(uarg->refcnt, 1) << "the data is still shared with the clone";
  EXPECT_TRUE(sk->sk_error_queue.empty());
  consume_skb(clone);
  EXPECT_EQ(sk->sk_error_queue.size(), 1u) << "the last data reference completes the ubuf";
  EXPECT_EQ(UserPage(0)->refcount, 1);
  EXPECT_EQ(sk->sk_error_queue.front()->ee.ee_code, 0) << "no copy happened";
}

TEST_F(SkbuffTest, PskbCopyTakesItsOwnUbufAndPageReferences) {
  Sock* sk;
  UbufInfo* uarg;
  SkBuff* skb = ZerocopySkb(&sk, &uarg);
  SkBuff* copy = pskb_copy(skb, 16);
  ASSERT_NE(copy, nullptr);
  EXPECT_NE(copy->shinfo, skb->shinfo);
  EXPECT_EQ(uarg->refcnt, 2);
  EXPECT_EQ(UserPage(0)->refcount, 3);
  EXPECT_EQ(UserPage(0)->frag_users, 2);
  EXPECT_EQ(copy->len, skb->len);
  kfree_skb(skb, "test");
  kfree_skb(copy, "test");
  EXPECT_EQ(UserPage(0)->refcount, 1);
  EXPECT_EQ(sk->sk_error_queue.size(), 1u);
}

TEST_F(SkbuffTest, ExpandingAClonedHeadGivesAPrivateShinfoWithItsOwnRefs) {
  Sock* sk;
  UbufInfo* uarg;
  SkBuff* skb = ZerocopySkb(&sk, &uarg);
  SkBuff* clone = skb_clone(skb);
  ASSERT_EQ(pskb_expand_head(skb, 32, 0), 0);
  EXPECT_NE(skb->shinfo, clone->shinfo);
  EXPECT_EQ(clone->shinfo->dataref, 1);
  EXPECT_EQ(uarg->refcnt, 2) << "the new private shinfo holds its own ubuf reference";
  EXPECT_EQ(UserPage(0)->refcount, 3);
  EXPECT_FALSE(skb->cloned);
  kfree_skb(clone, "test");
  kfree_skb(skb, "test");
  EXPECT_EQ(uarg->refcnt, 0);
  EXPECT_EQ(UserPage(0)->refcount, 1);
}

TEST_F(SkbuffTest, CopyUbufsReplacesUserFragsAndReportsACopy) {
  Sock* sk;
  UbufInfo* uarg;
  SkBuff* skb = ZerocopySkb(&sk, &uarg);
  ASSERT_EQ(skb_copy_ubufs(skb), 0);
  EXPECT_EQ(skb_zcopy(skb), nullptr);
  EXPECT_EQ(skb->shinfo->flags, 0);
  EXPECT_FALSE(skb->shinfo->frags[0].page->user) << "a kernel page now";
  EXPECT_EQ(UserPage(0)->refcount, 1);
  EXPECT_EQ(UserPage(0)->frag_users, 0);
  // The bytes moved with the copy.
  std::vector<uint8_t> bytes(100);
  ASSERT_EQ(skb_copy_bits(skb, 28, bytes.data(), 100), 0);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bytes[i], static_cast<uint8_t>(i));
  ASSERT_EQ(sk->sk_error_queue.size(), 1u) << "the copy dropped the last ubuf reference";
  EXPECT_EQ(sk->sk_error_queue.front()->ee.ee_code, SO_EE_CODE_ZEROCOPY_COPIED);
  kfree_skb(skb, "test");
}

TEST_F(SkbuffTest, DontOrphanKeepsUserPagesOnCloneButRxAlwaysCopies) {
  Sock* sk;
  UbufInfo* uarg;
  SkBuff* skb = ZerocopySkb(&sk, &uarg);
  ASSERT_TRUE(skb->shinfo->flags & SKBFL_DONT_ORPHAN);
  EXPECT_EQ(skb_orphan_frags(skb), 0);
  EXPECT_NE(skb_zcopy(skb), nullptr) << "INV-9: DONT_ORPHAN: no copy";
  EXPECT_EQ(skb_orphan_frags_rx(skb), 0);
  EXPECT_EQ(skb_zcopy(skb), nullptr) << "INV-8: the receive path copies anyway";
  kfree_skb(skb, "test");
}

TEST_F(SkbuffTest, ManagedFragsHoldNoPageReferencesUntilDowngraded) {
  SkBuff* skb = alloc_skb(world_, 64, "test");
  skb->shinfo->flags |= SKBFL_MANAGED_FRAG_REFS;
  __skb_fill_page_desc_noacc(skb, 0, UserPage(1), 0, 50);
  skb->shinfo->nr_frags = 1;
  EXPECT_EQ(UserPage(1)->refcount, 1);
  skb_zcopy_downgrade_managed(skb);
  EXPECT_FALSE(skb_zcopy_managed(skb));
  EXPECT_EQ(UserPage(1)->refcount, 2) << "downgrade takes the missing reference";
  kfree_skb(skb, "test");
  EXPECT_EQ(UserPage(1)->refcount, 1);
}

// The kernel's callers never try it (they refuse a second ubuf first), so
// the model reports it as well.
TEST_F(SkbuffTest, AttachingASecondUbufIsANoOpAndReported) {
  Sock* sk;
  UbufInfo* uarg;
  SkBuff* skb = ZerocopySkb(&sk, &uarg);
  UbufInfo* other = msg_zerocopy_alloc(sk, 10);
  skb_zcopy_set(skb, other, nullptr);
  EXPECT_EQ(skb_zcopy(skb), uarg) << "INV-2";
  ASSERT_FALSE(sim_.checker().ok());
  EXPECT_EQ(sim_.checker().violations()[0].rule, "INV-2");
  EXPECT_EQ(other->refcnt, 1);
  msg_zerocopy_put_abort(other, true);
  kfree_skb(skb, "test");
}

}  // namespace
}  // namespace zcsim::net
