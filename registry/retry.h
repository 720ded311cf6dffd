// Retry decisions for registry requests: which answers are worth another attempt, how long to wait
// (Retry-After or exponential back-off). Pure, so the rules are unit-tested without a network.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace pullguard::registry {

// 429, 500, 502, 503, 504.
bool IsRetryableStatus(long status);

// Retry-After as delta-seconds ("120") or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"),
// relative to now (a date in the past is 0). nullopt when absent or unparseable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// base * 2^(attempt-1), capped at 8 s, plus up to 50% jitter drawn from `jitter` in [0, 1).
std::chrono::milliseconds Backoff(int attempt, std::chrono::milliseconds base, double jitter);

}  // namespace pullguard::registry
