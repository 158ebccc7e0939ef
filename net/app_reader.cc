#include "net/app_reader.h"

#include "net/host.h"
#include "net/sock.h"
#include "net/socket.h"
#include "net/uapi.h"
#include "net/world.h"
#include "sim/trace.h"

namespace zcsim::net {
namespace {

void ScheduleRead(AppReader* r);

// One read of at most `chunk` bytes, without blocking; then, if more is
// queued, the next one at the rate's pace.
void ReadOnce(AppReader* r) {
  r->tick = sim::EventHandle{};
  if (r->done) return;
  RecvMsg out;
  const long n = sys_recvmsg(r->host, r->fd, &out, r->chunk, MSG_DONTWAIT);
  World& world = r->host->world();
  r->next_read = world.now() + r->every;
  if (n == -EAGAIN) return;  // woken for something else (write space, an error-queue entry)
  if (n <= 0) {
    ZC_TRACE(world.tracer(), "app", "reader_done").Msg("{}: fd {} read {} bytes in {} reads, then {}", r->host->name(),
                                                        r->fd, r->data.size(), r->reads, n == 0 ? "end of stream" : ErrnoName(static_cast<int>(-n)));
    app_reader_stop(r);
    return;
  }
  ++r->reads;
  r->data.insert(r->data.end(), out.data.begin(), out.data.end());
  if (!r->sk->sk_receive_queue.empty()) ScheduleRead(r);
}

void ScheduleRead(AppReader* r) {
  if (r->done || r->tick.valid()) return;
  World& world = r->host->world();
  const sim::Time at = std::max(world.now(), r->next_read);
  r->tick = world.sim().scheduler().At(at, "app_reader", [r] { ReadOnce(r); });
}

// The wait-queue callback: data (or an end) arrived; read when the rate
// allows. Never reads inside the softirq that woke it.
int ReaderWake(WaitQueueEntry* wait, uint32_t key) {
  (void)key;
  ScheduleRead(static_cast<AppReader*>(wait));
  return 0;
}

}  // namespace

int app_reader_start(Host* host, int fd, uint64_t chunk, sim::Time every) {
  Sock* sk = sockfd_lookup(host, fd);
  if (sk == nullptr) return -EBADF;
  if (sk->type != SOCK_STREAM || chunk == 0) return -EINVAL;
  if (host->FindAppReader(fd) != nullptr) return -EBUSY;
  auto r = std::make_unique<AppReader>();
  r->func = ReaderWake;
  r->host = host;
  r->fd = fd;
  r->sk = sk;
  r->chunk = chunk;
  r->every = every;
  AppReader* reader = host->AddAppReader(std::move(r));
  add_wait_queue(&sk->sk_wq, reader);
  ZC_TRACE(host->world().tracer(), "app", "reader_start")
      .Obj(sk->id)
      .Msg("{}: fd {} read {} bytes every {}", host->name(), fd, chunk, sim::FormatDuration(every));
  if (!sk->sk_receive_queue.empty()) ScheduleRead(reader);
  return 0;
}

const AppReader* app_reader_find(const Host* host, int fd) { return host->FindAppReader(fd); }

void app_reader_stop(AppReader* r) {
  if (r->done) return;
  r->done = true;
  if (r->tick.valid()) r->host->world().sim().scheduler().Cancel(r->tick);
  r->tick = sim::EventHandle{};
  remove_wait_queue(&r->sk->sk_wq, r);
}

}  // namespace zcsim::net
