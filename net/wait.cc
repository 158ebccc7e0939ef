// Wait queues (kernel/sched/wait.c, Linux 6.1).
#include "net/wait.h"

#include <algorithm>
#include <iterator>

namespace zcsim::net {

void add_wait_queue(WaitQueueHead* wq, WaitQueueEntry* wait) {
  wait->flags &= ~WQ_FLAG_EXCLUSIVE;
  wq->head.push_front(wait);
}

void add_wait_queue_exclusive(WaitQueueHead* wq, WaitQueueEntry* wait) {
  wait->flags |= WQ_FLAG_EXCLUSIVE;
  wq->head.push_back(wait);
}

void remove_wait_queue(WaitQueueHead* wq, WaitQueueEntry* wait) { wq->head.remove(wait); }

bool wait_queue_contains(const WaitQueueHead* wq, const WaitQueueEntry* wait) {
  return std::find(wq->head.begin(), wq->head.end(), wait) != wq->head.end();
}

void wake_up_poll(WaitQueueHead* wq, uint32_t key) {
  // __wake_up_common(): safe against the current entry leaving the queue.
  int nr_exclusive = 1;
  for (auto it = wq->head.begin(); it != wq->head.end();) {
    WaitQueueEntry* curr = *it;
    it = std::next(it);
    const unsigned flags = curr->flags;
    const int ret = curr->func(curr, key);
    if (ret < 0) break;
    if (ret != 0 && (flags & WQ_FLAG_EXCLUSIVE) && --nr_exclusive == 0) break;
  }
}

}  // namespace zcsim::net
