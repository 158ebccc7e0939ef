// A fuzz harness for the zerocopy notifier lifecycle: the input bytes are a
// program of system calls and time steps on a small world (io_uring
// SEND_ZC / SENDMSG_ZC / v4 SENDZC with slots and flushes, copy sends,
// MSG_ZEROCOPY sends, buffer registration, error-queue reads, buffer
// writes, socket close, time passing) over a NIC, the dummy device and
// loopback. Every model invariant runs after every event and call; at the
// end every notification a CQE announced must have arrived.
#ifndef ZCSIM_TESTS_FUZZ_NOTIFIER_FUZZ_H_
#define ZCSIM_TESTS_FUZZ_NOTIFIER_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace zcsim::fuzz {

// "" when every invariant held, else the first violation or broken rule.
std::string RunNotifierProgram(const uint8_t* data, size_t size);

}  // namespace zcsim::fuzz

#endif  // ZCSIM_TESTS_FUZZ_NOTIFIER_FUZZ_H_
