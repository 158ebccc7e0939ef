#include "sim/time.h"

#include <fmt/format.h>

namespace zcsim::sim {

std::string FormatTime(Time t) {
  const char* sign = t < 0 ? "-" : "";
  const uint64_t abs = t < 0 ? 0 - static_cast<uint64_t>(t) : static_cast<uint64_t>(t);
  return fmt::format("{}{}.{:09}", sign, abs / kSecond, abs % kSecond);
}

std::string FormatDuration(Time d) {
  if (d == 0) return "0";
  struct Unit {
    Time size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {kSecond, "s"}, {kMillisecond, "ms"}, {kMicrosecond, "us"}};
  for (const Unit& unit : kUnits) {
    if (d % unit.size == 0) return fmt::format("{}{}", d / unit.size, unit.name);
  }
  return fmt::format("{}ns", d);
}

}  // namespace zcsim::sim
