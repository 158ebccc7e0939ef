// io_uring statements: ring, register_buffers, unregister_buffers, sqe,
// submit, cqe, wait_cqe, ring_exit, and `expect ring`.
#include <fmt/format.h>

#include <cstring>

#include "net/socket.h"
#include "net/uapi.h"
#include "tools/scenario/runner_internal.h"
#include "uring/io_uring.h"
#include "uring/notif_v4.h"

namespace zcsim::scenario {
namespace {

constexpr FlagName kSetupFlags[] = {
    {"CQSIZE", IORING_SETUP_CQSIZE},           {"CLAMP", IORING_SETUP_CLAMP},
    {"COOP_TASKRUN", IORING_SETUP_COOP_TASKRUN}, {"TASKRUN_FLAG", IORING_SETUP_TASKRUN_FLAG},
    {"SUBMIT_ALL", IORING_SETUP_SUBMIT_ALL},   {"SINGLE_ISSUER", IORING_SETUP_SINGLE_ISSUER},
};
constexpr FlagName kSqeFlags[] = {
    {"IOSQE_FIXED_FILE", IOSQE_FIXED_FILE}, {"IOSQE_IO_DRAIN", IOSQE_IO_DRAIN},
    {"IOSQE_IO_LINK", IOSQE_IO_LINK},       {"IOSQE_IO_HARDLINK", IOSQE_IO_HARDLINK},
    {"IOSQE_ASYNC", IOSQE_ASYNC},           {"IOSQE_BUFFER_SELECT", IOSQE_BUFFER_SELECT},
    {"IOSQE_CQE_SKIP_SUCCESS", IOSQE_CQE_SKIP_SUCCESS},
};
constexpr FlagName kIoprio[] = {
    {"POLL_FIRST", IORING_RECVSEND_POLL_FIRST},
    {"FIXED_BUF", IORING_RECVSEND_FIXED_BUF},
    {"REPORT_USAGE", IORING_SEND_ZC_REPORT_USAGE},
    {"NOTIF_FLUSH", uring::IORING_RECVSEND_NOTIF_FLUSH_V4},
    {"BIT1", 1u << 1},
    {"BIT4", 1u << 4},
};
constexpr FlagName kMsgFlags[] = {
    {"MSG_DONTWAIT", MSG_DONTWAIT}, {"MSG_WAITALL", MSG_WAITALL}, {"MSG_MORE", MSG_MORE},
    {"MSG_ZEROCOPY", MSG_ZEROCOPY}, {"MSG_OOB", MSG_OOB},         {"MSG_NOSIGNAL", MSG_NOSIGNAL},
};
constexpr FlagName kCqeFlags[] = {{"MORE", IORING_CQE_F_MORE}, {"NOTIF", IORING_CQE_F_NOTIF}};

struct Op {
  const char* name;
  uint8_t opcode;
};
constexpr Op kOps[] = {{"nop", IORING_OP_NOP},
                       {"send", IORING_OP_SEND},
                       {"sendmsg", IORING_OP_SENDMSG},
                       {"send_zc", IORING_OP_SEND_ZC},
                       {"sendmsg_zc", IORING_OP_SENDMSG_ZC},
                       {"sendzc", uring::IORING_OP_SENDZC_V4},
                       {"notif_update", uring::IORING_OP_RSRC_UPDATE_V4}};

constexpr uint64_t kScratchBase = 0x7f0000000000ull;
constexpr uint64_t kScratchSize = 1ull << 20;

// Bytes the runner places in the host's memory for the kernel to read
// (iovec arrays, msghdrs, sockaddrs), in a scratch mapping of its own.
uint64_t PutScratch(Env& env, net::Host* host, const std::vector<uint8_t>& bytes) {
  uint64_t& cursor = env.scratch_used[host];
  if (host->mm().FindVma("__scratch") == nullptr) {
    host->mm().Map("__scratch", kScratchBase, kScratchSize, [](uint64_t) { return uint8_t{0}; });
  }
  cursor = (cursor + 15) & ~uint64_t{15};
  if (cursor + bytes.size() > kScratchSize) cursor = 0;  // wraps: statements read it at once
  const uint64_t at = kScratchBase + cursor;
  std::memcpy(host->mm().UserToHost(at), bytes.data(), bytes.size());
  cursor += bytes.size();
  return at;
}

void Put64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::vector<uint8_t> IovecBytes(const std::vector<net::Iovec>& iov) {
  std::vector<uint8_t> b;
  for (const net::Iovec& v : iov) {
    Put64(b, v.base);
    Put64(b, v.len);
  }
  return b;
}

uring::IoRingCtx* Ring(Env& env, const std::string& name) { return env.rings.at(name); }

bool KnownRing(Compiler& c, const Word& w) {
  return c.rings.count(w.text) || c.Fail(w.pos, fmt::format("unknown ring '{}' (create it with: ring HOST {})", w.text, w.text));
}

bool CompileRing(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "ring HOST NAME [entries=N] [cq_entries=N] [flags=COOP_TASKRUN|...] [-> ERRNO]") ||
      !c.OnlyKeys(args, {"entries", "cq_entries", "flags"}) || !c.KnownHost(args.pos[1])) {
    return false;
  }
  uring::RingParams p;
  p.sq_entries = 64;
  uint64_t v;
  if (args.kv.count("entries")) {
    if (!c.Take(ParseUint(args.kv.at("entries"), 1u << 20), &v)) return false;
    p.sq_entries = static_cast<uint32_t>(v);
  }
  if (args.kv.count("cq_entries")) {
    if (!c.Take(ParseUint(args.kv.at("cq_entries"), 1u << 20), &v)) return false;
    p.cq_entries = static_cast<uint32_t>(v);
    p.flags |= IORING_SETUP_CQSIZE;
  }
  if (args.kv.count("flags")) {
    if (!c.Take(ParseFlags(args.kv.at("flags"), kSetupFlags), &v)) return false;
    p.flags |= static_cast<uint32_t>(v);
  }
  long expected = 0;
  const bool has = args.has_arrow;
  if (has && !c.ExpectedResult(args, 0, &expected)) return false;
  const std::string host = args.pos[1].text, name = args.pos[2].text;
  if (c.rings.count(name)) return c.Fail(args.pos[2].pos, fmt::format("ring '{}' already exists", name));
  if (!has || expected >= 0) c.rings.insert(name);
  step->action = [host, name, p, has, expected](Env& env) -> std::optional<std::string> {
    int err;
    uring::IoRingCtx* ctx = uring::io_uring_setup(env.uring, env.world.FindHost(host), p, &err);
    ++env.expectations;
    if (ctx != nullptr) env.rings[name] = ctx;
    const long got = ctx != nullptr ? 0 : err;
    if (has ? got != expected : got < 0) return fmt::format("io_uring_setup: expected {}, got {}", has ? ResultName(expected) : "success", ResultName(got));
    return std::nullopt;
  };
  return true;
}

bool CompileRegister(Compiler& c, const Line& line, const Args& args, Step* step) {
  const bool reg = args.pos[0].text == "register_buffers";
  if (!c.NeedPositionals(line, args, reg ? 3 : 2, reg ? "register_buffers RING IOVECS|raw [arg=ADDR] [nr=N] [-> RESULT]" : "unregister_buffers RING [-> RESULT]") ||
      !c.OnlyKeys(args, {"arg", "nr"}) || !KnownRing(c, args.pos[1])) {
    return false;
  }
  std::vector<Range> ranges;
  bool raw = false;
  uint64_t raw_arg = 0, raw_nr = 0;
  if (reg) {
    raw = args.pos[2].text == "raw";
    if (raw) {
      if (!args.kv.count("arg") || !args.kv.count("nr")) return c.Fail(line.pos, "register_buffers RING raw arg=ADDR nr=N");
      if (!c.Take(ParseUint(args.kv.at("arg"), UINT64_MAX), &raw_arg) || !c.Take(ParseUint(args.kv.at("nr"), UINT32_MAX), &raw_nr)) return false;
    } else if (!ParseIovecs(c, args.pos[2], &ranges)) {
      return false;
    }
  }
  long expected = 0;
  const bool has = args.has_arrow;
  if (has && !c.ExpectedResult(args, 0, &expected)) return false;
  const std::string ring = args.pos[1].text;
  step->action = [reg, ring, ranges, raw, raw_arg, raw_nr, has, expected](Env& env) -> std::optional<std::string> {
    uring::IoRingCtx* ctx = Ring(env, ring);
    int rc;
    if (!reg) {
      rc = uring::io_uring_register(ctx, IORING_UNREGISTER_BUFFERS, 0, 0);
    } else if (raw) {
      rc = uring::io_uring_register(ctx, IORING_REGISTER_BUFFERS, raw_arg, static_cast<unsigned>(raw_nr));
    } else {
      std::vector<net::Iovec> iov;
      net::Host* host;
      if (auto err = ResolveIovecs(env, ranges, &host, &iov)) return err;
      const uint64_t arg = PutScratch(env, ctx->host, IovecBytes(iov));
      rc = uring::io_uring_register(ctx, IORING_REGISTER_BUFFERS, arg, static_cast<unsigned>(iov.size()));
    }
    ++env.expectations;
    if (has ? rc != expected : rc < 0) return fmt::format("expected {}, got {}", has ? ResultName(expected) : "success", ResultName(rc));
    return std::nullopt;
  };
  return true;
}

struct SqeSpec {
  uint8_t opcode = 0;
  std::string sock;  // fd=SOCK
  std::optional<int64_t> raw_fd;
  std::vector<Range> buf;     // buf=RANGE (send*) or iov=IOVECS (sendmsg*)
  bool iov = false;
  std::optional<net::InetAddr> dest;
  io_uring_sqe overrides{};
  std::map<std::string, uint64_t> set;  // raw field overrides by name
};

bool CompileNotifiers(Compiler& c, const Line& line, const Args& args, Step* step) {
  const bool reg = args.pos[0].text == "register_notifiers";
  if (!c.NeedPositionals(line, args, reg ? 3 : 2,
                         reg ? "register_notifiers RING TAG[,TAG...] | raw arg=ADDR size=N [-> RESULT]"
                             : "unregister_notifiers RING [-> RESULT]") ||
      !c.OnlyKeys(args, {"arg", "size"}) || !KnownRing(c, args.pos[1])) {
    return false;
  }
  std::vector<uint64_t> tags;
  bool raw = false;
  uint64_t raw_arg = 0, raw_size = 32;
  if (reg && args.pos[2].text == "raw") {
    raw = true;
    if (!args.kv.count("arg")) return c.Fail(line.pos, "register_notifiers RING raw arg=ADDR [size=N]");
    if (!c.Take(ParseUint(args.kv.at("arg"), UINT64_MAX), &raw_arg)) return false;
    if (args.kv.count("size") && !c.Take(ParseUint(args.kv.at("size"), UINT32_MAX), &raw_size)) return false;
  } else if (reg) {
    const Word& w = args.pos[2];
    size_t start = 0;
    while (start <= w.text.size()) {
      const size_t comma = w.text.find(',', start);
      const size_t len = (comma == std::string::npos ? w.text.size() : comma) - start;
      uint64_t tag;
      if (!c.Take(ParseUint(SubWord(w, start, len), UINT64_MAX), &tag)) return false;
      tags.push_back(tag);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  long expected = 0;
  const bool has = args.has_arrow;
  if (has && !c.ExpectedResult(args, 0, &expected)) return false;
  const std::string ring = args.pos[1].text;
  step->action = [reg, ring, tags, raw, raw_arg, raw_size, has, expected](Env& env) -> std::optional<std::string> {
    uring::IoRingCtx* ctx = Ring(env, ring);
    int rc;
    if (!reg) {
      rc = uring::io_uring_register(ctx, uring::IORING_UNREGISTER_NOTIFIERS_V4, 0, 0);
    } else if (raw) {
      rc = uring::io_uring_register(ctx, uring::IORING_REGISTER_NOTIFIERS_V4, raw_arg, static_cast<unsigned>(raw_size));
    } else {
      std::vector<uint8_t> slots;
      for (uint64_t tag : tags) {
        Put64(slots, tag);
        for (int i = 0; i < 3; ++i) Put64(slots, 0);
      }
      const uint64_t data = PutScratch(env, ctx->host, slots);
      std::vector<uint8_t> r;
      Put64(r, tags.size());  // nr_slots (u32) and resv (u32)
      Put64(r, 0);
      Put64(r, data);
      Put64(r, 0);
      rc = uring::io_uring_register(ctx, uring::IORING_REGISTER_NOTIFIERS_V4, PutScratch(env, ctx->host, r), 32);
    }
    ++env.expectations;
    if (has ? rc != expected : rc < 0) return fmt::format("expected {}, got {}", has ? ResultName(expected) : "success", ResultName(rc));
    return std::nullopt;
  };
  return true;
}

// The largest value an SQE field named in a scenario can hold, so a value
// that would be truncated is rejected when the file is read.
uint64_t SqeFieldMax(const std::string& key) {
  if (key == "buf_index" || key == "addr_len" || key == "slot" || key == "pad3") return UINT16_MAX;
  if (key == "len" || key == "file_index" || key == "nr") return UINT32_MAX;
  if (key == "opcode") return UINT8_MAX;
  return UINT64_MAX;
}

bool CompileSqe(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "sqe RING OP [fd=SOCK] [buf=RANGE|iov=IOVECS] [dest=ADDR] [user_data=N] [flags=IOSQE_...] [ioprio=FIXED_BUF|...] [buf_index=N] [msg_flags=...]") ||
      !c.NoResult(args) ||
      !c.OnlyKeys(args, {"fd", "raw_fd", "buf", "iov", "dest", "user_data", "flags", "ioprio", "buf_index", "msg_flags", "len",
                         "addr", "addr2", "addr3", "addr_len", "pad2", "pad3", "file_index", "opcode", "slot",
                         "off", "nr", "tag"}) ||
      !KnownRing(c, args.pos[1])) {
    return false;
  }
  SqeSpec s;
  bool found = false;
  for (const Op& op : kOps) {
    if (args.pos[2].text == op.name) {
      s.opcode = op.opcode;
      found = true;
    }
  }
  if (!found) return c.Fail(args.pos[2].pos, fmt::format("unknown operation '{}' (nop, send, sendmsg, send_zc, sendmsg_zc, sendzc, notif_update)", args.pos[2].text));
  for (const auto& [key, w] : args.kv) {
    uint64_t v = 0;
    if (key == "fd") {
      if (!c.KnownSock(w)) return false;
      s.sock = w.text;
    } else if (key == "raw_fd") {
      int64_t fd;
      if (!c.Take(ParseInt(w, -1, 1 << 20), &fd)) return false;
      s.raw_fd = fd;
    } else if (key == "buf" || key == "iov") {
      s.iov = key == "iov";
      if (!ParseIovecs(c, w, &s.buf)) return false;
      if (!s.iov && s.buf.size() != 1) return c.Fail(w.pos, "buf= takes one range (use iov= for several)");
    } else if (key == "dest") {
      net::InetAddr a;
      if (!c.SockAddrWord(w, &a)) return false;
      s.dest = a;
    } else if (key == "flags") {
      if (!c.Take(ParseFlags(w, kSqeFlags), &v)) return false;
      s.set["flags"] = v;
    } else if (key == "ioprio") {
      if (!c.Take(ParseFlags(w, kIoprio), &v)) return false;
      s.set["ioprio"] = v;
    } else if (key == "msg_flags") {
      if (!c.Take(ParseFlags(w, kMsgFlags), &v)) return false;
      s.set["msg_flags"] = v;
    } else {
      if (!c.Take(ParseUint(w, SqeFieldMax(key)), &v)) return false;
      s.set[key] = v;
    }
  }
  const std::string ring = args.pos[1].text;
  step->action = [ring, s](Env& env) -> std::optional<std::string> {
    uring::IoRingCtx* ctx = Ring(env, ring);
    if (ctx->sq_tail - ctx->sq_head >= ctx->sq_entries) return "the SQ ring is full (io_uring_get_sqe would return NULL)";
    const uint32_t idx = ctx->sq_tail & (ctx->sq_entries - 1);
    io_uring_sqe& sqe = ctx->sqes[idx];
    sqe = io_uring_sqe{};
    sqe.opcode = s.opcode;
    sqe.fd = -1;
    if (!s.sock.empty()) sqe.fd = env.socks.at(s.sock).fd;
    if (s.raw_fd) sqe.fd = static_cast<int32_t>(*s.raw_fd);
    if (!s.buf.empty()) {
      std::vector<net::Iovec> iov;
      net::Host* host;
      if (auto err = ResolveIovecs(env, s.buf, &host, &iov)) return err;
      if (s.iov) {
        // A struct user_msghdr in memory: name, namelen, iov, iovlen, control, controllen, flags.
        std::vector<uint8_t> m;
        uint64_t name = 0, namelen = 0;
        if (s.dest) {
          uint8_t sa[28];
          namelen = static_cast<uint64_t>(net::sockaddr_from_inet(*s.dest, sa));
          name = PutScratch(env, ctx->host, std::vector<uint8_t>(sa, sa + namelen));
        }
        const uint64_t iov_at = PutScratch(env, ctx->host, IovecBytes(iov));
        Put64(m, name);
        Put64(m, namelen);
        Put64(m, iov_at);
        Put64(m, iov.size());
        Put64(m, 0);
        Put64(m, 0);
        Put64(m, 0);
        sqe.addr = PutScratch(env, ctx->host, m);
        sqe.len = 1;
      } else {
        sqe.addr = iov[0].base;
        sqe.len = static_cast<uint32_t>(iov[0].len);
      }
    }
    const bool v4_sendzc = s.opcode == uring::IORING_OP_SENDZC_V4 && uring::IsSlotEra(ctx);
    if (s.dest && !s.iov) {
      uint8_t sa[28];
      const int len = net::sockaddr_from_inet(*s.dest, sa);
      sqe.addr2 = PutScratch(env, ctx->host, std::vector<uint8_t>(sa, sa + len));
      // v4: addr_len is the u16 at offset 46 (__pad3 today).
      if (v4_sendzc) {
        sqe.__pad3[0] = static_cast<uint16_t>(len);
      } else {
        sqe.addr_len = static_cast<uint16_t>(len);
      }
    }
    if (s.opcode == uring::IORING_OP_RSRC_UPDATE_V4 && uring::IsSlotEra(ctx)) sqe.ioprio = uring::IORING_RSRC_UPDATE_NOTIF_V4;
    for (const auto& [key, v] : s.set) {
      if (key == "flags") sqe.flags = static_cast<uint8_t>(v);
      if (key == "ioprio") sqe.ioprio = static_cast<uint16_t>(v);
      if (key == "msg_flags") sqe.msg_flags = static_cast<uint32_t>(v);
      if (key == "user_data") sqe.user_data = v;
      if (key == "buf_index") sqe.buf_index = static_cast<uint16_t>(v);
      if (key == "len") sqe.len = static_cast<uint32_t>(v);
      if (key == "addr") sqe.addr = v;
      if (key == "addr2") sqe.addr2 = v;
      if (key == "addr3") sqe.addr3 = v;
      if (key == "addr_len") sqe.addr_len = static_cast<uint16_t>(v);
      if (key == "pad2") sqe.__pad2[0] = v;
      if (key == "pad3") sqe.__pad3[0] = static_cast<uint16_t>(v);
      if (key == "file_index") sqe.file_index = static_cast<uint32_t>(v);
      if (key == "opcode") sqe.opcode = static_cast<uint8_t>(v);
      if (key == "slot") sqe.addr_len = static_cast<uint16_t>(v);  // v4 notification_idx (offset 44), u16
      if (key == "off") sqe.off = v;
      if (key == "nr") sqe.len = static_cast<uint32_t>(v);
      if (key == "tag") sqe.addr = v;
    }
    ctx->sq_array[idx] = idx;
    ++ctx->sq_tail;
    return std::nullopt;
  };
  return true;
}

bool CompileSubmit(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "submit RING [wait=N] [-> SUBMITTED]") || !c.OnlyKeys(args, {"wait"}) ||
      !KnownRing(c, args.pos[1])) {
    return false;
  }
  uint64_t wait = 0;
  if (args.kv.count("wait") && !c.Take(ParseUint(args.kv.at("wait"), 1u << 20), &wait)) return false;
  long expected = 0;
  const bool has = args.has_arrow;
  if (has && !c.ExpectedResult(args, 0, &expected)) return false;
  const std::string ring = args.pos[1].text;
  step->action = [ring, wait, has, expected](Env& env) -> std::optional<std::string> {
    uring::IoRingCtx* ctx = Ring(env, ring);
    const int rc = uring::io_uring_enter(ctx, ctx->sq_tail - ctx->sq_head, static_cast<unsigned>(wait),
                                         wait != 0 ? IORING_ENTER_GETEVENTS : 0);
    ++env.expectations;
    if (has ? rc != expected : rc < 0) return fmt::format("io_uring_enter: expected {}, got {}", has ? ResultName(expected) : "success", ResultName(rc));
    return std::nullopt;
  };
  return true;
}

bool CompileCqe(Compiler& c, const Line& line, const Args& args, Step* step) {
  const bool wait = args.pos[0].text == "wait_cqe";
  if (!c.NeedPositionals(line, args, 2, "cqe|wait_cqe RING -> user_data=N res=N|ERRNO|ZC_COPIED [flags=MORE|NOTIF|0]") ||
      !c.OnlyKeys(args, {}) || !KnownRing(c, args.pos[1])) {
    return false;
  }
  if (!args.has_arrow) return c.Fail(line.pos, "a CQE needs its expected fields: -> user_data=N res=N [flags=...]");
  std::optional<uint64_t> user_data;
  std::optional<int64_t> res;
  uint64_t flags = 0;
  for (const Word& w : args.result) {
    KeyValue kv;
    if (!c.Take(SplitKeyValue(w), &kv)) return false;
    if (kv.key.text == "user_data") {
      uint64_t v;
      if (!c.Take(ParseUint(kv.value, UINT64_MAX), &v)) return false;
      user_data = v;
    } else if (kv.key.text == "res") {
      if (kv.value.text == "ZC_COPIED") {
        res = static_cast<int32_t>(IORING_NOTIF_USAGE_ZC_COPIED);
      } else if (!kv.value.text.empty() && kv.value.text[0] == 'E') {
        const int e = net::ErrnoFromName(kv.value.text);
        if (e == 0) return c.Fail(kv.value.pos, fmt::format("unknown errno name '{}'", kv.value.text));
        res = -e;
      } else {
        int64_t v;
        if (!c.Take(ParseInt(kv.value, INT32_MIN, INT32_MAX), &v)) return false;
        res = v;
      }
    } else if (kv.key.text == "flags") {
      if (!c.Take(ParseFlags(kv.value, kCqeFlags), &flags)) return false;
    } else if (kv.key.text == "seq") {  // v4 notifications carry their seq in flags
      if (!c.Take(ParseUint(kv.value, UINT32_MAX), &flags)) return false;
    } else {
      return c.Fail(kv.key.pos, fmt::format("unknown CQE field '{}' (user_data, res, flags, seq)", kv.key.text));
    }
  }
  const std::string ring = args.pos[1].text;
  step->action = [ring, wait, user_data, res, flags](Env& env) -> std::optional<std::string> {
    uring::IoRingCtx* ctx = Ring(env, ring);
    if (wait && uring::io_cqring_events(ctx) == 0) {
      // io_uring_wait_cqe(): enter the kernel and sleep for one CQE.
      const int rc = uring::io_uring_enter(ctx, 0, 1, IORING_ENTER_GETEVENTS);
      if (rc < 0) return fmt::format("io_uring_wait_cqe: {} (the world went idle: no CQE will ever come)", ResultName(rc));
    }
    ++env.expectations;
    if (uring::io_cqring_events(ctx) == 0) {
      return fmt::format("no CQE ready{}", ctx->overflow_list.empty() ? "" : fmt::format(" ({} waiting in the overflow list)", ctx->overflow_list.size()));
    }
    const uring::Cqe cqe = ctx->cqes[ctx->cq_head & (ctx->cq_entries - 1)];
    ++ctx->cq_head;  // io_uring_cqe_seen()
    ++ctx->cqes_reaped;
    const std::string got = fmt::format("user_data={} res={} flags={:#x}", cqe.user_data, cqe.res, cqe.flags);
    if ((user_data && cqe.user_data != *user_data) || (res && cqe.res != *res) || cqe.flags != flags) {
      return fmt::format("expected CQE {}{}flags={:#x}, got {}", user_data ? fmt::format("user_data={} ", *user_data) : "",
                         res ? fmt::format("res={} ", *res) : "", flags, got);
    }
    return std::nullopt;
  };
  return true;
}

bool CompileRingExit(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 2, "ring_exit RING") || !c.OnlyKeys(args, {}) || !c.NoResult(args) ||
      !KnownRing(c, args.pos[1])) {
    return false;
  }
  const std::string ring = args.pos[1].text;
  step->action = [ring](Env& env) -> std::optional<std::string> {
    uring::io_ring_exit(Ring(env, ring));
    return std::nullopt;
  };
  return true;
}

}  // namespace

bool IsUringVerb(const std::string& verb) {
  return verb == "ring" || verb == "register_buffers" || verb == "unregister_buffers" || verb == "sqe" ||
         verb == "register_notifiers" || verb == "unregister_notifiers" ||
         verb == "submit" || verb == "cqe" || verb == "wait_cqe" || verb == "ring_exit";
}

bool CompileUring(Compiler& c, const Line& line, const Args& args, Step* step) {
  const std::string& verb = args.pos[0].text;
  if (verb == "ring") return CompileRing(c, line, args, step);
  if (verb == "register_buffers" || verb == "unregister_buffers") return CompileRegister(c, line, args, step);
  if (verb == "sqe") return CompileSqe(c, line, args, step);
  if (verb == "register_notifiers" || verb == "unregister_notifiers") return CompileNotifiers(c, line, args, step);
  if (verb == "submit") return CompileSubmit(c, line, args, step);
  if (verb == "ring_exit") return CompileRingExit(c, line, args, step);
  return CompileCqe(c, line, args, step);
}

bool CompileRingState(Compiler& c, const Line& line, const Args& args, Step* step) {
  if (!c.NeedPositionals(line, args, 3, "expect ring RING [ready=N] [overflow=N] [sq_pending=N] [inflight=N] [notifs=N]") ||
      !c.OnlyKeys(args, {"ready", "overflow", "sq_pending", "inflight", "notifs", "task_work"}) || !KnownRing(c, args.pos[2])) {
    return false;
  }
  std::vector<std::pair<std::string, uint64_t>> checks;
  for (const auto& [key, w] : args.kv) {
    uint64_t v;
    if (!c.Take(ParseUint(w, 1u << 30), &v)) return false;
    checks.emplace_back(key, v);
  }
  const std::string ring = args.pos[2].text;
  step->action = [ring, checks](Env& env) -> std::optional<std::string> {
    uring::IoRingCtx* ctx = Ring(env, ring);
    for (const auto& [key, want] : checks) {
      ++env.expectations;
      uint64_t got = 0;
      if (key == "ready") got = uring::io_cqring_events(ctx);
      if (key == "overflow") got = ctx->overflow_list.size();
      if (key == "sq_pending") got = ctx->sq_tail - ctx->sq_head;
      if (key == "inflight") got = static_cast<uint64_t>(ctx->inflight);
      if (key == "notifs") got = static_cast<uint64_t>(ctx->notifs_live);
      if (key == "task_work") got = ctx->task_work->size();
      if (got != want) return fmt::format("ring {}: expected {}={}, got {}", ring, key, want, got);
    }
    return std::nullopt;
  };
  return true;
}

}  // namespace zcsim::scenario
