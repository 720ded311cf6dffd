// HTTP dates (RFC 9110 section 5.6.7, IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"), as servers
// send them in Date and Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace pullguard::registry {

// The instant of an IMF-fixdate, or nullopt when the text is not one or names a year outside
// 1970..2200 (system_clock's 64-bit nanoseconds end in 2262; a date that far off is no real
// answer, and an overflow there would turn into a date in the past).
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text);

}  // namespace pullguard::registry
