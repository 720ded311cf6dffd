#include "registry/http_date.h"

#include <ctime>
#include <string>

namespace pullguard::registry {

std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  if (tm.tm_year < 70 || tm.tm_year > 300) return std::nullopt;
  std::time_t when = timegm(&tm);
  if (when == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(when);
}

}  // namespace pullguard::registry
