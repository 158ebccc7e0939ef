// A far-host application that reads a stream socket at a fixed rate: at most
// `chunk` bytes every `every`, starting as soon as data is queued (woken by
// sk_data_ready through the socket's wait queue, as a poll()-driven reader
// would be). Not a kernel object: it is how a scenario makes a receiver
// slow, so the sender's window, send buffer and zerocopy notifications
// follow the reader's pace. It stops at end of stream, at an error, or when
// its fd is closed; the host owns it.
#ifndef ZCSIM_NET_APP_READER_H_
#define ZCSIM_NET_APP_READER_H_

#include <cstdint>
#include <vector>

#include "net/wait.h"
#include "sim/scheduler.h"
#include "sim/time.h"

namespace zcsim::net {

class Host;
struct Sock;

struct AppReader : WaitQueueEntry {
  Host* host = nullptr;
  int fd = -1;
  Sock* sk = nullptr;
  uint64_t chunk = 0;
  sim::Time every = 0;
  sim::Time next_read = 0;  // the rate: no read before this
  sim::EventHandle tick;
  std::vector<uint8_t> data;  // everything read so far, in order
  uint64_t reads = 0;
  bool done = false;  // end of stream, an error, or the fd closed
};

// Starts a reader on `fd` (a connected TCP socket of `host`): -EBADF,
// -EINVAL (not a stream socket, chunk 0), -EBUSY (one reader per fd), or 0.
int app_reader_start(Host* host, int fd, uint64_t chunk, sim::Time every);
// The reader of `fd`, if any (also after it stopped).
const AppReader* app_reader_find(const Host* host, int fd);
// Detaches the reader from its socket (fd closing, host teardown).
void app_reader_stop(AppReader* r);

}  // namespace zcsim::net

#endif  // ZCSIM_NET_APP_READER_H_
