// Retry-After parsing and back-off arithmetic.
#include "registry/retry.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "registry/http_date.h"

namespace pullguard::registry {

bool IsRetryableStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long secs = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    // Too many digits to fit: an absurd wait, which the caller refuses as too long.
    if (ec == std::errc::result_out_of_range) return std::chrono::hours(24 * 365);
    if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
    secs = std::min<long long>(secs, 24LL * 365 * 3600);
    return std::chrono::milliseconds(secs * 1000);
  }
  auto at = ParseHttpDate(value);
  if (!at) return std::nullopt;
  if (*at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
}

std::chrono::milliseconds Backoff(int attempt, std::chrono::milliseconds base, double jitter) {
  int shift = std::clamp(attempt - 1, 0, 16);
  long long ms = std::min<long long>(base.count() << shift, 8000);
  jitter = std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(ms +
                                   static_cast<long long>(static_cast<double>(ms) * jitter / 2));
}

}  // namespace pullguard::registry
