// ZC_ASSERT: the simulator's own sanity checks (a bug in zcsim, not in the
// modelled kernel). Always on, in every build mode, like TigerBeetle's
// assert: a broken simulator must stop loudly, never produce a wrong trace.
//
// Model invariants (INV-n of the kernel reference) go through sim::Checker
// instead, which names the object, the rule and the event.
#ifndef ZCSIM_SIM_ASSERT_H_
#define ZCSIM_SIM_ASSERT_H_

namespace zcsim::sim::internal {
[[noreturn]] void AssertFail(const char* cond, const char* file, int line, const char* msg);
}  // namespace zcsim::sim::internal

#define ZC_ASSERT(cond, msg)                                                 \
  do {                                                                       \
    if (__builtin_expect(!(cond), 0))                                        \
      ::zcsim::sim::internal::AssertFail(#cond, __FILE__, __LINE__, (msg));  \
  } while (0)

#endif  // ZCSIM_SIM_ASSERT_H_
