// Wait queues (include/linux/wait.h, kernel/sched/wait.c; Linux 6.1),
// reduced to what poll() and epoll need: entries with a wake function,
// exclusive entries at the tail, and __wake_up_common()'s rule that a wake
// up stops after the first exclusive entry that reports itself woken.
//
// The model's sleepers inside system calls (a sender waiting for memory,
// io_uring's armed poll) keep their own counters and lists on the Sock; this
// queue carries the poll and epoll entries (sk->sk_wq->wait).
#ifndef ZCSIM_NET_WAIT_H_
#define ZCSIM_NET_WAIT_H_

#include <cstdint>
#include <list>

namespace zcsim::net {

inline constexpr unsigned WQ_FLAG_EXCLUSIVE = 0x01;

struct WaitQueueEntry;
// wait_queue_func_t: `key` is the poll mask of the wake up (0: everything).
// Non-zero means "woken", which counts against the exclusive limit.
using WaitQueueFunc = int (*)(WaitQueueEntry* wait, uint32_t key);

// wait_queue_entry_t. Owners derive from it (container_of in the kernel).
struct WaitQueueEntry {
  unsigned flags = 0;
  WaitQueueFunc func = nullptr;
};

// wait_queue_head_t: a FIFO of entries, walked from the head.
struct WaitQueueHead {
  std::list<WaitQueueEntry*> head;
};

// add_wait_queue(): at the head (non-exclusive entries are all woken first).
void add_wait_queue(WaitQueueHead* wq, WaitQueueEntry* wait);
// add_wait_queue_exclusive(): WQ_FLAG_EXCLUSIVE, at the tail.
void add_wait_queue_exclusive(WaitQueueHead* wq, WaitQueueEntry* wait);
void remove_wait_queue(WaitQueueHead* wq, WaitQueueEntry* wait);
inline bool waitqueue_active(const WaitQueueHead* wq) { return !wq->head.empty(); }
bool wait_queue_contains(const WaitQueueHead* wq, const WaitQueueEntry* wait);
// wake_up_interruptible_poll() / __wake_up_common() with nr_exclusive = 1.
void wake_up_poll(WaitQueueHead* wq, uint32_t key);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_WAIT_H_
