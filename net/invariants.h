// Whole-world invariant checks for net/ (kernel-reference.md §5), run after
// every event and every scenario statement when deep checking is on. Each
// walks the live objects in creation order, so a report is deterministic.
//
//   INV-1  a MSG_ZEROCOPY ubuf's refcnt equals the shinfos that point at it
//   INV-4  a user page's refcount equals its mapping + pins + the
//          non-managed frags pointing at it; frag_users matches all frags
//   INV-7  each socket's wmem/rmem/omem equals the truesize of the skbs it
//          owns; each user's locked_vm equals what live ubufs charged
#ifndef ZCSIM_NET_INVARIANTS_H_
#define ZCSIM_NET_INVARIANTS_H_

namespace zcsim::net {

class World;

// Runs every check once; violations go to the world's checker.
void CheckWorldInvariants(World& world);
// Registers CheckWorldInvariants as a world check of the simulator.
void RegisterWorldInvariants(World& world);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_INVARIANTS_H_
