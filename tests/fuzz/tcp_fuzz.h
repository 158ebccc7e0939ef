// A fuzz harness for the TCP zerocopy notifier lifecycle: the input bytes
// choose a world (IPv4 or IPv6; a NIC pair with or without TSO, with seeded
// wire faults, or loopback, or a veth pair; kernel era 6.1 or 6.10) and then
// a program on one TCP connection: MSG_ZEROCOPY and copy sends of varied
// sizes and iovecs (MSG_MORE, TCP_NODELAY toggles), io_uring SEND_ZC
// requests (linked batches, fixed buffers), receiver reads or a rate
// reader, error-queue reads, time passing and closes. Every model
// invariant runs after every event and call (deep checks). At the end:
//  - the receiver read exactly the bytes sent, in order (only a prefix if
//    the receiver closed, or the connection died);
//  - every MSG_ZEROCOPY id was notified exactly once (ranges may coalesce),
//    every SEND_ZC request got one completion and one notification CQE;
//  - the sender's sk_wmem_alloc, sk_wmem_queued, sk_omem_alloc and the
//    host's locked_vm are back to 0.
// Any bytes are a valid program: nothing an input says may crash the model.
#ifndef ZCSIM_TESTS_FUZZ_TCP_FUZZ_H_
#define ZCSIM_TESTS_FUZZ_TCP_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace zcsim::fuzz {

// What a run did, so that tests can tell a harness that does nothing.
struct TcpRunStats {
  bool connected = false;
  uint64_t bytes_sent = 0;      // queued by the sender, in stream order
  uint64_t bytes_received = 0;  // read by the receiver
  uint32_t zerocopy_ids = 0;    // MSG_ZEROCOPY ids handed out
  uint32_t requests = 0;        // SEND_ZC requests submitted
};

// "" when every invariant and end-of-run rule held, else the first broken.
std::string RunTcpProgram(const uint8_t* data, size_t size, TcpRunStats* stats = nullptr);

// Whether `error` is a model bug already reported against net/tcp.cc (which
// this harness may not fix): the name of the bug, or "" if it is new. The
// seeded test and the fuzzer count these instead of failing, so that new
// bugs stand out; ZCSIM_FUZZ_STRICT=1 makes them fail too.
std::string KnownTcpModelBug(const std::string& error);

}  // namespace zcsim::fuzz

#endif  // ZCSIM_TESTS_FUZZ_TCP_FUZZ_H_
