#include "plugin/kubelet/cache_key.h"

#include "matcher/urls_match.h"

namespace pullguard {

std::string_view RegistryOf(std::string_view image) {
  return image.substr(0, image.find('/'));
}

std::string StripTagAndDigest(std::string_view image) {
  std::string_view s = image.substr(0, image.find('@'));
  auto slash = s.rfind('/');
  auto colon = s.rfind(':');
  // A ':' before the last '/' is a port; one after it (or with no '/' at all) starts a tag.
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    s = s.substr(0, colon);
  }
  return std::string(s);
}

bool PatternCoversRegistry(std::string_view pattern, std::string_view registry) {
  auto r = UrlsMatch(RegistryOf(pattern), registry);
  return r.ok() && *r;
}

Result<bool> PatternInScope(std::string_view pattern, std::string_view image, CacheKeyType scope) {
  switch (scope) {
    case CacheKeyType::kImage: {
      auto m = UrlsMatch(pattern, image);
      if (!m.ok()) return MakeError(ErrorKind::kInvalidArgument, m.error().message);
      return *m;
    }
    case CacheKeyType::kRegistry:
      return PatternCoversRegistry(pattern, RegistryOf(image));
    case CacheKeyType::kGlobal:
      return true;
  }
  return false;
}

Result<std::vector<std::string>> PatternsInScope(const std::vector<std::string>& patterns,
                                                 std::string_view image, CacheKeyType scope) {
  std::vector<std::string> out;
  for (const std::string& p : patterns) {
    auto in = PatternInScope(p, image, scope);
    if (!in.ok()) return in.error();
    if (*in) out.push_back(p);
  }
  return out;
}

}  // namespace pullguard
