// struct iov_iter and struct msghdr (include/linux/uio.h, lib/iov_iter.c,
// include/linux/socket.h, 6.1), reduced to the sources a send uses:
// ITER_UBUF (one user range), ITER_IOVEC (several) and ITER_BVEC (pages,
// e.g. io_uring's registered buffers).
#ifndef ZCSIM_NET_IOV_ITER_H_
#define ZCSIM_NET_IOV_ITER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/inet.h"
#include "net/mm.h"
#include "net/uapi.h"

namespace zcsim::net {

struct SkBuff;
struct Sock;
struct UbufInfo;

struct Iovec {
  uint64_t base = 0;  // user address
  uint64_t len = 0;
};

struct BioVec {
  Page* page = nullptr;
  uint32_t offset = 0;
  uint32_t len = 0;
};

enum class IterType { ITER_UBUF, ITER_IOVEC, ITER_BVEC };

struct IovIter {
  IterType type = IterType::ITER_IOVEC;
  Mm* mm = nullptr;  // the address space user addresses refer to
  std::vector<Iovec> iov;    // ITER_UBUF (one entry) / ITER_IOVEC
  std::vector<BioVec> bvec;  // ITER_BVEC
  size_t seg = 0;            // current segment
  size_t iov_offset = 0;     // offset in the current segment
  size_t count = 0;          // bytes left
};

// import_ubuf / import_iovec / iov_iter_bvec
IovIter iov_iter_ubuf(Mm* mm, uint64_t base, uint64_t len);
IovIter iov_iter_iovec(Mm* mm, std::vector<Iovec> iov);
IovIter iov_iter_bvec(std::vector<BioVec> bvec, size_t count);

inline size_t iov_iter_count(const IovIter* i) { return i->count; }
void iov_iter_advance(IovIter* i, size_t bytes);
void iov_iter_revert(IovIter* i, size_t bytes);
// copy_from_iter(): copies up to `bytes`, stopping at the first unmapped
// byte; returns how many were copied.
size_t copy_from_iter(uint8_t* to, size_t bytes, IovIter* i);
// iov_iter_get_pages2(): references (get_page) the pages backing the next
// bytes of the current segment, at most `maxsize` bytes and `maxpages`
// pages; `*start` is the offset in the first page. Advances the iterator.
// Returns bytes covered, or -EFAULT.
long iov_iter_get_pages2(IovIter* i, std::vector<Page*>* pages, size_t maxsize, unsigned maxpages,
                         size_t* start);

// The in-kernel struct msghdr.
struct MsgHdr {
  bool has_name = false;
  InetAddr name;          // msg_name (the destination for sendto)
  int namelen = 0;        // msg_namelen
  IovIter msg_iter;
  unsigned msg_flags = 0;
  // 6.0 (v4 patches 05/06): a caller-provided ubuf_info (io_uring's
  // notifier) and the callback that fills frags from the iterator.
  UbufInfo* msg_ubuf = nullptr;
  int (*sg_from_iter)(Sock* sk, SkBuff* skb, IovIter* from, size_t length) = nullptr;
};

// What recvmsg() hands back to the user: data, source address, flags and
// at most one control message (the extended error of MSG_ERRQUEUE).
struct RecvMsg {
  std::vector<uint8_t> data;
  InetAddr from;
  int namelen = 0;
  unsigned msg_flags = 0;
  bool has_cmsg = false;
  int cmsg_level = 0;
  int cmsg_type = 0;
  int cmsg_len = 0;
  sock_extended_err ee;
};

}  // namespace zcsim::net

#endif  // ZCSIM_NET_IOV_ITER_H_
