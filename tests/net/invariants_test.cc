// Each whole-world invariant is broken on purpose and must be reported
// with its rule id; an intact world reports nothing.
#include "net/invariants.h"

#include <gtest/gtest.h>

#include "net/msg_zerocopy.h"
#include "net/sock.h"
#include "tests/net/fixture.h"

namespace zcsim::net {
namespace {

class InvariantsTest : public NetFixture {
 protected:
  std::string FirstRule() {
    return sim_.checker().violations().empty() ? "" : sim_.checker().violations()[0].rule;
  }
};

TEST_F(InvariantsTest, AHealthyWorldPasses) {
  const int fd = ConnectedSocket(true);
  EXPECT_EQ(Send(fd, 0, 1000, MSG_ZEROCOPY), 1000);
  CheckWorldInvariants(world_);
  EXPECT_TRUE(sim_.checker().ok()) << sim_.checker().violations()[0].ToString();
}

TEST_F(InvariantsTest, Inv1CatchesAnUnbalancedUbuf) {
  const int fd = ConnectedSocket(true);
  Sock* sk = host_->LookupFd(fd);
  UbufInfo* uarg = msg_zerocopy_alloc(sk, 10);  // refcnt 1, held by no skb
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-1");
  msg_zerocopy_put_abort(uarg, true);
}

TEST_F(InvariantsTest, Inv4CatchesALeakedPageReference) {
  host_->mm().get_page(UserPage(2), "leak on purpose");
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-4");
}

TEST_F(InvariantsTest, Inv7CatchesSocketMemoryDrift) {
  const int fd = ConnectedSocket(false);
  host_->LookupFd(fd)->sk_wmem_alloc += 1;
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-7");
}

TEST_F(InvariantsTest, Inv7CatchesLockedVmDrift) {
  host_->mm().user().locked_vm = 5;
  CheckWorldInvariants(world_);
  EXPECT_EQ(FirstRule(), "INV-7");
}

// A ubuf that completes while an skb still points at it: the bug class of
// a missing reference (one put too many). With deep checks on, the
// notification path looks through every skb and reports INV-6.
TEST_F(InvariantsTest, Inv6CatchesANotificationWhileAnSkbHoldsTheUbuf) {
  world_.set_deep_checks(true);
  const int fd = ConnectedSocket(true);
  Sock* sk = host_->LookupFd(fd);
  UbufInfo* uarg = msg_zerocopy_alloc(sk, 10);
  SkBuff* skb = alloc_skb(world_, 128, "INV-6 test");
  skb_zcopy_set(skb, uarg, nullptr);  // the skb's reference: refcnt 2
  EXPECT_EQ(uarg->refcnt, 2);
  uarg->refcnt = 1;  // the bug: a reference lost
  msg_zerocopy_callback(nullptr, uarg, true);
  EXPECT_EQ(FirstRule(), "INV-6");
  // Detach the dangling pointer by hand so that freeing the skb does not
  // touch the completed ubuf.
  skb->shinfo->destructor_arg = nullptr;
  skb->shinfo->flags &= static_cast<uint8_t>(~SKBFL_ALL_ZEROCOPY);
  consume_skb(skb);
}

TEST_F(InvariantsTest, DeepChecksRunAfterEveryEvent) {
  world_.set_deep_checks(true);
  RegisterWorldInvariants(world_);
  sim_.scheduler().At(5, "corrupt", [this] { UserPage(3)->refcount += 1; });
  sim_.scheduler().RunUntilIdle();
  ASSERT_FALSE(sim_.checker().ok());
  EXPECT_EQ(sim_.checker().violations()[0].rule, "INV-4");
  EXPECT_EQ(sim_.checker().violations()[0].event_label, "");  // checked after the event ended
}

}  // namespace
}  // namespace zcsim::net
