// Object pools with stable ids, a deterministic live list and tombstones.
//
// Model objects (skbs, ubufs, pages, sockets ...) are referred to by plain
// pointers, like the kernel's. The pool owns them: New() numbers an object
// with the next id of its kind and links it on an intrusive list (creation
// order, so walking live objects is deterministic); Retire() unlinks it.
// With tombstones on (deep checking), a retired object is kept, marked dead,
// so that a later use through a stale pointer is reported as an invariant
// violation naming the object, instead of being undefined behaviour.
// Without tombstones it is deleted at once, which is what benchmarks want.
#ifndef ZCSIM_SIM_POOL_H_
#define ZCSIM_SIM_POOL_H_

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "sim/assert.h"
#include "sim/ids.h"

namespace zcsim::sim {

// Base of every pooled object.
struct PoolNode {
  ObjectId id;
  bool dead = false;  // true only for tombstones
  PoolNode* pool_prev = nullptr;
  PoolNode* pool_next = nullptr;
};

template <typename T>
class Pool {
 public:
  explicit Pool(const char* kind) : ids_(kind) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    while (head_ != nullptr) {
      T* obj = static_cast<T*>(head_);
      Unlink(obj);
      delete obj;
    }
    for (void* raw : free_) ::operator delete(raw);
  }

  void set_keep_tombstones(bool keep) { keep_tombstones_ = keep; }
  bool keep_tombstones() const { return keep_tombstones_; }

  template <typename... Args>
  T* New(Args&&... args) {
    // Retired storage is reused (without tombstones): model objects come and
    // go millions of times in a benchmark.
    T* obj;
    if (!free_.empty()) {
      void* raw = free_.back();
      free_.pop_back();
      obj = new (raw) T(std::forward<Args>(args)...);
    } else {
      obj = new T(std::forward<Args>(args)...);
    }
    // Through the base: a model struct may have a field of its own named
    // `id` (ubuf_info_msgzc does).
    static_cast<PoolNode*>(obj)->id = ids_.Next();
    Link(obj);
    return obj;
  }

  void Retire(T* obj) {
    ZC_ASSERT(!static_cast<PoolNode*>(obj)->dead, "retiring a tombstone");
    Unlink(obj);
    if (keep_tombstones_) {
      static_cast<PoolNode*>(obj)->dead = true;
      tombstones_.emplace_back(obj);
    } else {
      obj->~T();
      free_.push_back(obj);
    }
  }

  size_t live() const { return live_; }
  uint32_t created() const { return ids_.issued(); }
  const char* kind() const { return ids_.kind(); }

  // Visits live objects in creation order. `fn` must not retire objects.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (PoolNode* n = head_; n != nullptr; n = n->pool_next) fn(static_cast<T*>(n));
  }

 private:
  void Link(PoolNode* n) {
    n->pool_prev = tail_;
    n->pool_next = nullptr;
    if (tail_ != nullptr) {
      tail_->pool_next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
    ++live_;
  }
  void Unlink(PoolNode* n) {
    if (n->pool_prev != nullptr) {
      n->pool_prev->pool_next = n->pool_next;
    } else {
      head_ = n->pool_next;
    }
    if (n->pool_next != nullptr) {
      n->pool_next->pool_prev = n->pool_prev;
    } else {
      tail_ = n->pool_prev;
    }
    n->pool_prev = n->pool_next = nullptr;
    --live_;
  }

  IdCounter ids_;
  bool keep_tombstones_ = false;
  PoolNode* head_ = nullptr;
  PoolNode* tail_ = nullptr;
  size_t live_ = 0;
  std::vector<std::unique_ptr<T>> tombstones_;
  std::vector<void*> free_;  // storage of retired objects, sizeof(T) each
};

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_POOL_H_
