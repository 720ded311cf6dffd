// HttpResponse header look-ups (names are stored lower-cased by every client).
#include "registry/http_client.h"

#include "base/ascii.h"

namespace pullguard::registry {

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (AsciiEqualFold(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (AsciiEqualFold(n, name)) out.push_back(v);
  }
  return out;
}

}  // namespace pullguard::registry
