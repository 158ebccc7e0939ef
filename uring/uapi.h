// The io_uring user ABI. The structures and constants of Linux 6.1+ come
// from the system's <linux/io_uring.h> (the kernel's own uapi header), so
// the SQE and CQE are byte-for-byte the kernel's; the static_asserts pin
// the offsets and values this model depends on. The v4 series' constants,
// which no released header carries, are defined here with their v4 names.
#ifndef ZCSIM_URING_UAPI_H_
#define ZCSIM_URING_UAPI_H_

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>

namespace zcsim::uring {

static_assert(sizeof(io_uring_sqe) == 64, "SQE is 64 bytes");
static_assert(sizeof(io_uring_cqe) == 16, "CQE is 16 bytes");
static_assert(offsetof(io_uring_sqe, opcode) == 0 && offsetof(io_uring_sqe, flags) == 1);
static_assert(offsetof(io_uring_sqe, ioprio) == 2 && offsetof(io_uring_sqe, fd) == 4);
static_assert(offsetof(io_uring_sqe, off) == 8 && offsetof(io_uring_sqe, addr2) == 8);
static_assert(offsetof(io_uring_sqe, addr) == 16 && offsetof(io_uring_sqe, len) == 24);
static_assert(offsetof(io_uring_sqe, msg_flags) == 28 && offsetof(io_uring_sqe, user_data) == 32);
static_assert(offsetof(io_uring_sqe, buf_index) == 40 && offsetof(io_uring_sqe, personality) == 42);
static_assert(offsetof(io_uring_sqe, file_index) == 44 && offsetof(io_uring_sqe, addr_len) == 44);
static_assert(offsetof(io_uring_sqe, __pad3) == 46 && offsetof(io_uring_sqe, addr3) == 48);
static_assert(offsetof(io_uring_cqe, user_data) == 0 && offsetof(io_uring_cqe, res) == 8 &&
              offsetof(io_uring_cqe, flags) == 12);
static_assert(IORING_OP_NOP == 0 && IORING_OP_SENDMSG == 9 && IORING_OP_SEND == 26);
static_assert(IORING_OP_FILES_UPDATE == 20 && IORING_OP_SEND_ZC == 47 && IORING_OP_SENDMSG_ZC == 48);
static_assert(IORING_RECVSEND_POLL_FIRST == 1 && IORING_RECVSEND_FIXED_BUF == 4 &&
              IORING_SEND_ZC_REPORT_USAGE == 8);
static_assert(IORING_CQE_F_MORE == 2 && IORING_CQE_F_NOTIF == 8 && IORING_NOTIF_USAGE_ZC_COPIED == (1U << 31));
static_assert(IOSQE_IO_LINK == 4 && IOSQE_IO_HARDLINK == 8 && IOSQE_ASYNC == 16 && IOSQE_CQE_SKIP_SUCCESS == 64);

// A CQE as the ring stores it: struct io_uring_cqe without its flexible
// big_cqe[] tail (IORING_SETUP_CQE32 is not modelled), so that it can be a
// member and a container element.
struct Cqe {
  uint64_t user_data = 0;
  int32_t res = 0;
  uint32_t flags = 0;
};
static_assert(sizeof(Cqe) == sizeof(io_uring_cqe) && offsetof(Cqe, res) == offsetof(io_uring_cqe, res) &&
              offsetof(Cqe, flags) == offsetof(io_uring_cqe, flags));

// The v4 series (Jul 2022; ../shared/design/kernel-reference.md §4.1).
inline constexpr uint8_t IORING_OP_SENDZC_V4 = 47;           // IORING_OP_SENDZC, later SENDZC_NOTIF
inline constexpr uint16_t IORING_RECVSEND_NOTIF_FLUSH_V4 = 1u << 3;
inline constexpr uint16_t IORING_RSRC_UPDATE_FILES_V4 = 0;
inline constexpr uint16_t IORING_RSRC_UPDATE_NOTIF_V4 = 1;
inline constexpr unsigned IORING_REGISTER_NOTIFIERS_V4 = 26;
inline constexpr unsigned IORING_UNREGISTER_NOTIFIERS_V4 = 27;
inline constexpr unsigned IORING_MAX_NOTIF_SLOTS_V4 = 1u << 10;
inline constexpr unsigned IO_NOTIF_SPLICE_BATCH = 32;
inline constexpr uint8_t IORING_OP_RSRC_UPDATE_V4 = IORING_OP_FILES_UPDATE;  // 20, renamed in v4

// struct io_uring_notification_slot / io_uring_notification_register (v4 patch 18).
struct io_uring_notification_slot_v4 {
  uint64_t tag;
  uint64_t resv[3];
};
struct io_uring_notification_register_v4 {
  uint32_t nr_slots;
  uint32_t resv;
  uint64_t resv2;
  uint64_t data;
  uint64_t resv3;
};
static_assert(sizeof(io_uring_notification_slot_v4) == 32 && sizeof(io_uring_notification_register_v4) == 32);
// The 6.1 uapi header still carries the v4 structures: same layout.
static_assert(sizeof(::io_uring_notification_slot) == sizeof(io_uring_notification_slot_v4) &&
              sizeof(::io_uring_notification_register) == sizeof(io_uring_notification_register_v4));

// io_uring/io_uring.h / rsrc.h limits.
inline constexpr unsigned IORING_MAX_ENTRIES = 32768;
inline constexpr unsigned IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;
inline constexpr unsigned IORING_MAX_REG_BUFFERS = 1u << 14;

// "SEND_ZC", "NOP", ... for traces.
// (declared with the era in io_uring.h)

}  // namespace zcsim::uring

#endif  // ZCSIM_URING_UAPI_H_
