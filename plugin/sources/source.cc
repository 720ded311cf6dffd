// The source factory and the helpers every source shares: private-file reads and the image and
// registry name pieces kubelet's cache keys are made of.
#include "plugin/sources/source.h"

#include <cstdio>

#include "matcher/urls_match.h"

namespace pullguard {

std::unique_ptr<Source> MakeSource(const RegistryEntry& entry) {
  if (auto* s = std::get_if<StaticSourceSpec>(&entry.source))
    return MakeStaticSource(*s, entry.match);
  if (auto* t = std::get_if<TokenExchangeSourceSpec>(&entry.source))
    return MakeTokenExchangeSource(*t, entry.match);
  if (auto* r = std::get_if<RefreshTokenSourceSpec>(&entry.source))
    return MakeRefreshTokenSource(*r, entry.match);
  if (auto* f = std::get_if<FederatedTokenSourceSpec>(&entry.source))
    return MakeFederatedTokenSource(*f, entry.match);
  return MakeDockerConfigSource(std::get<DockerConfigSourceSpec>(entry.source));
}

Result<SourceAnswer> Source::Answer(const CredentialQuery& q, Env& env) const {
  auto auth = Lookup(q, env);
  if (!auth.ok()) return auth.error();
  SourceAnswer a;
  a.auth = std::move(*auth);
  return a;
}

Result<std::string> ReadPrivateFile(const std::string& path, std::size_t max_bytes, Env& env) {
  auto st = env.Stat(path);
  if (!st.ok()) return st.error();
  if (!st->exists) return MakeError(ErrorKind::kNotFound, path + " does not exist");
  if (st->is_dir) return MakeError(ErrorKind::kInvalidArgument, path + " is a directory");
  if ((st->mode & 044) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st->mode & 07777));
    return MakeError(ErrorKind::kPermission,
                     path + " is readable by group or others (mode " + mode + "); chmod 600 it");
  }
  if ((st->mode & 022) != 0) {
    // Whoever can write it chooses the credential pullguard hands out.
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st->mode & 07777));
    return MakeError(ErrorKind::kPermission,
                     path + " is writable by group or others (mode " + mode + "); chmod 600 it");
  }
  return env.ReadFile(path, max_bytes);
}

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

}  // namespace pullguard
