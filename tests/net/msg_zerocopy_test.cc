// MSG_ZEROCOPY's ubuf: ids, extension, abort and the error-queue
// coalescing rule (kernel-reference.md §1.5, §4.3; research notes §8-§9).
#include "net/msg_zerocopy.h"

#include <gtest/gtest.h>

#include "net/sock.h"
#include "tests/net/fixture.h"

namespace zcsim::net {
namespace {

class MsgZerocopyTest : public NetFixture {
 protected:
  Sock* sk() { return host_->LookupFd(fd_); }
  void SetUp() override { fd_ = ConnectedSocket(true); }
  int fd_ = -1;
};

TEST_F(MsgZerocopyTest, AllocTakesTheNextIdAndChargesOptmemAndMemlock) {
  UbufInfo* a = msg_zerocopy_alloc(sk(), 4096);
  UbufInfo* b = msg_zerocopy_alloc(sk(), 100);
  EXPECT_EQ(uarg_to_msgzc(a)->id, 0u);
  EXPECT_EQ(uarg_to_msgzc(b)->id, 1u);
  EXPECT_EQ(sk()->sk_zckey, 2u);
  EXPECT_EQ(sk()->sk_omem_alloc, 2 * 768);
  EXPECT_EQ(host_->mm().user().locked_vm, (4096 >> 12) + 2 + 2u);
  EXPECT_EQ(a->flags, SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN);
  msg_zerocopy_put_abort(b, true);
  msg_zerocopy_put_abort(a, true);
  EXPECT_EQ(sk()->sk_zckey, 0u) << "aborts give both ids back";
  EXPECT_EQ(host_->mm().user().locked_vm, 0u);
  EXPECT_EQ(sk()->sk_omem_alloc, 0);
  EXPECT_TRUE(sk()->sk_error_queue.empty()) << "an aborted ubuf notifies nothing";
}

TEST_F(MsgZerocopyTest, ReallocExtendsOnlyTheNewestUbufUnderTheSocketLock) {
  UbufInfo* a = msg_zerocopy_alloc(sk(), 100);
  sk()->owned_by_user = true;
  EXPECT_EQ(msg_zerocopy_realloc(sk(), 100, a), a);
  EXPECT_EQ(uarg_to_msgzc(a)->len, 2);
  EXPECT_EQ(a->refcnt, 1) << "UDP takes no extra reference when extending";
  EXPECT_EQ(sk()->sk_zckey, 2u);
  UbufInfo* b = msg_zerocopy_alloc(sk(), 1);
  UbufInfo* c = msg_zerocopy_realloc(sk(), 1, a);
  EXPECT_NE(c, a) << "a is no longer the newest: a new ubuf";
  sk()->owned_by_user = false;
  msg_zerocopy_callback(nullptr, a, true);
  msg_zerocopy_callback(nullptr, b, true);
  msg_zerocopy_callback(nullptr, c, true);
  ASSERT_EQ(sk()->sk_error_queue.size(), 1u) << "[0,1] then [2,2] then [3,3] coalesce";
  EXPECT_EQ(sk()->sk_error_queue.front()->ee.ee_info, 0u);
  EXPECT_EQ(sk()->sk_error_queue.front()->ee.ee_data, 3u);
}

TEST_F(MsgZerocopyTest, ReallocWithoutTheLockIsReported) {
  UbufInfo* a = msg_zerocopy_alloc(sk(), 100);
  EXPECT_EQ(msg_zerocopy_realloc(sk(), 100, a), nullptr);
  ASSERT_FALSE(sim_.checker().ok());
  EXPECT_EQ(sim_.checker().violations()[0].rule, "INV-18");
  msg_zerocopy_put_abort(a, true);
}

TEST_F(MsgZerocopyTest, NotifyExtendNeedsAdjacencyAndFewerThan2To32Ids) {
  SkBuff* skb = alloc_skb(world_, 0, "test");
  skb->ee.ee_info = 5;
  skb->ee.ee_data = 9;
  EXPECT_FALSE(skb_zerocopy_notify_extend(skb, 11, 1)) << "a gap";
  EXPECT_TRUE(skb_zerocopy_notify_extend(skb, 10, 3));
  EXPECT_EQ(skb->ee.ee_data, 12u);
  skb->ee.ee_info = 0;
  skb->ee.ee_data = 0xfffffffe;
  EXPECT_FALSE(skb_zerocopy_notify_extend(skb, 0xffffffff, 1)) << "2^32 ids would not fit";
  skb->ee.ee_info = 10;
  skb->ee.ee_data = 0xffffffff;
  EXPECT_TRUE(skb_zerocopy_notify_extend(skb, 0, 1)) << "ids wrap at 2^32";
  EXPECT_EQ(skb->ee.ee_data, 0u);
  kfree_skb(skb, "test");
}

TEST_F(MsgZerocopyTest, CopiedCodeIsKeptFromTheTailWhenMerging) {
  UbufInfo* a = msg_zerocopy_alloc(sk(), 1);
  UbufInfo* b = msg_zerocopy_alloc(sk(), 1);
  msg_zerocopy_callback(nullptr, a, true);
  msg_zerocopy_callback(nullptr, b, false);  // b was copied
  ASSERT_EQ(sk()->sk_error_queue.size(), 1u);
  EXPECT_EQ(sk()->sk_error_queue.front()->ee.ee_code, 0) << "the tail's code wins (6.1)";
}

TEST_F(MsgZerocopyTest, ADeadSocketGetsNoNotification) {
  UbufInfo* a = msg_zerocopy_alloc(sk(), 1);
  Sock* s = sk();
  ASSERT_EQ(sys_close(host_, fd_), 0);
  EXPECT_EQ(s->refcnt, 1) << "the ubuf keeps the socket alive";
  msg_zerocopy_callback(nullptr, a, true);
  EXPECT_EQ(world_.socks().live(), 0u) << "freed with the last reference";
}

}  // namespace
}  // namespace zcsim::net
