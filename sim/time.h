// Virtual time: 64-bit nanoseconds since the start of a run.
//
// Nothing in the model reads a wall clock; time moves only when the scheduler
// runs an event whose time lies in the future.
#ifndef ZCSIM_SIM_TIME_H_
#define ZCSIM_SIM_TIME_H_

#include <cstdint>
#include <string>

namespace zcsim::sim {

// A point on the virtual timeline, or a span of it, in nanoseconds.
using Time = int64_t;

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1000 * kNanosecond;
inline constexpr Time kMillisecond = 1000 * kMicrosecond;
inline constexpr Time kSecond = 1000 * kMillisecond;
inline constexpr Time kTimeMax = INT64_MAX;

// "1.000020500" (seconds with nine decimals): fixed width for times under
// 10 s, like ftrace's timestamp column.
std::string FormatTime(Time t);

// The shortest exact unit: "0", "250ns", "12us", "3ms", "2s", "1500ns".
std::string FormatDuration(Time d);

}  // namespace zcsim::sim

#endif  // ZCSIM_SIM_TIME_H_
