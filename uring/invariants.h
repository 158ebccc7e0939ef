// Whole-world invariant checks for uring/ (kernel-reference.md §5), run
// after every event and scenario statement when deep checking is on.
//
//   INV-1   a 6.0+ notifier's refcnt equals its holders: the request until
//           the flush, each shinfo carrying it, each notifier stacked on it
//   INV-5   a managed frag points at a pinned registered page, and a live
//           notifier that pinned a resource node keeps that node referenced
//   INV-15  every CQE produced is in the ring, in the overflow list, or was
//           reaped: none is dropped
// INV-11 and INV-12 are checked where CQEs are posted (io_req_complete_post),
// INV-17 (stacked notifiers share ring and task) where a chain is linked and
// where it completes (uring/notif.cc).
#ifndef ZCSIM_URING_INVARIANTS_H_
#define ZCSIM_URING_INVARIANTS_H_

namespace zcsim::uring {

class Uring;

void CheckUringInvariants(Uring& u);

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_INVARIANTS_H_
