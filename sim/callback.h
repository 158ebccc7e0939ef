// Callback: a move-only `void()` callable that stores closures of up to
// kInlineBytes inline (six pointers' worth), so scheduling a model event
// allocates nothing. Larger closures fall back to the heap. This exists
// because absl::AnyInvocable and std::function keep only 16 bytes inline,
// and model closures typically capture three to five pointers.
#ifndef ZCSIM_SIM_CALLBACK_H_
#define ZCSIM_SIM_CALLBACK_H_

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace zcsim::sim {

class Callback {
 public:
  static constexpr size_t kInlineBytes = 48;

  Callback() = default;
  Callback(std::nullptr_t) {}  // NOLINT: allows `fn = nullptr`

  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, Callback> &&
                                        std::is_invocable_r_v<void, D&>>>
  Callback(F&& f) {  // NOLINT: implicit, like std::function
    if constexpr (sizeof(D) <= kInlineBytes && alignof(D) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<D>) {
      new (&storage_) D(std::forward<F>(f));
      ops_ = &InlineOps<D>::kOps;
    } else {
      *reinterpret_cast<D**>(&storage_) = new D(std::forward<F>(f));
      ops_ = &HeapOps<D>::kOps;
    }
  }

  Callback(Callback&& other) noexcept { MoveFrom(other); }
  Callback& operator=(Callback&& other) noexcept {
    if (this != &other) {
      Reset();
      MoveFrom(other);
    }
    return *this;
  }
  Callback& operator=(std::nullptr_t) {
    Reset();
    return *this;
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  ~Callback() { Reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  void operator()() { ops_->invoke(&storage_); }

 private:
  struct Ops {
    void (*invoke)(void* storage);
    // Move-constructs into `to` and destroys the source.
    void (*relocate)(void* from, void* to);
    void (*destroy)(void* storage);
  };

  template <typename D>
  struct InlineOps {
    static void Invoke(void* s) { (*static_cast<D*>(s))(); }
    static void Relocate(void* from, void* to) {
      new (to) D(std::move(*static_cast<D*>(from)));
      static_cast<D*>(from)->~D();
    }
    static void Destroy(void* s) { static_cast<D*>(s)->~D(); }
    static constexpr Ops kOps = {&Invoke, &Relocate, &Destroy};
  };

  template <typename D>
  struct HeapOps {
    static D*& Ptr(void* s) { return *static_cast<D**>(s); }
    static void Invoke(void* s) { (*Ptr(s))(); }
    static void Relocate(void* from, void* to) { Ptr(to) = Ptr(from); }
    static void Destroy(void* s) { delete Ptr(s); }
    static constexpr Ops kOps = {&Invoke, &Relocate, &Destroy};
  };

  void MoveFrom(Callback& other) {
    ops_ = other.ops_;
    if (ops_ != nullptr) ops_->relocate(&other.storage_, &storage_);
    other.ops_ = nullptr;
  }
  void Reset() {
    if (ops_ != nullptr) ops_->destroy(&storage_);
    ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_CALLBACK_H_
