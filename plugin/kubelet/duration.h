// Go's time.Duration text form: ParseGoDuration accepts what time.ParseDuration accepts (configs),
// FormatGoDuration prints what Duration.String() prints, FormatCompactDuration drops zero units.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard {

// Nanoseconds, like Go's time.Duration.
using GoDuration = std::int64_t;

inline constexpr GoDuration kNanosecond = 1;
inline constexpr GoDuration kMicrosecond = 1000 * kNanosecond;
inline constexpr GoDuration kMillisecond = 1000 * kMicrosecond;
inline constexpr GoDuration kSecond = 1000 * kMillisecond;
inline constexpr GoDuration kMinute = 60 * kSecond;
inline constexpr GoDuration kHour = 60 * kMinute;

// time.ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+", units ns us µs μs ms s m h, "0" alone.
// The error message quotes the input as Go does ("invalid duration \"5x\"").
Result<GoDuration> ParseGoDuration(std::string_view s);

// Exactly time.Duration.String(): "0s", "1.1µs", "4m5s", "1h0m0s", "-2562047h47m16.854775808s".
std::string FormatGoDuration(GoDuration d);

// The String() form with zero trailing units dropped ("1h0m0s" -> "1h", "5m0s" -> "5m",
// "1h30m0s" -> "1h30m"); Go parses both to the same value. Used for responses.
std::string FormatCompactDuration(GoDuration d);

}  // namespace pullguard
