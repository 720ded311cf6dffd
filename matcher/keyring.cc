// kubelet's BasicDockerKeyring (pkg/credentialprovider/keyring.go): Add normalises keys with Go's
// url.Parse and keeps them reverse-sorted; Lookup returns every match, then the Docker Hub
// fallback.
#include "matcher/keyring.h"

#include <algorithm>
#include <optional>

#include "matcher/go_url.h"
#include "matcher/urls_match.h"

namespace pullguard {
namespace {

constexpr std::string_view kDefaultRegistryHost = "index.docker.io";

// nullopt when url.Parse rejects the key; kubelet logs and ignores such entries.
std::optional<std::string> NormalizeKey(std::string_view key) {
  std::string_view rest = key;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  }
  auto url = ParseGoUrl(rest);
  if (!url.ok()) return std::nullopt;
  std::string_view path = url->path;
  // docker treats /v1/ and /v2/ as the bare host (ResolveAuthConfig).
  if (path.starts_with("/v2/") || path.starts_with("/v1/")) path.remove_prefix(3);
  if (!path.empty() && path != "/") return url->host + std::string(path);
  return url->host;
}

// isDefaultRegistryMatch: would this image be pulled from Docker Hub?
bool IsDefaultRegistryMatch(std::string_view image) {
  size_t slash = image.find('/');
  std::string_view first = image.substr(0, slash);
  if (first.empty()) return false;
  if (slash == std::string_view::npos) return true;
  if (first == "docker.io" || first == "index.docker.io") return true;
  return first.find_first_of(".:") == std::string_view::npos;
}

}  // namespace

std::string NormalizeKeyringKey(std::string_view key) {
  auto k = NormalizeKey(key);
  if (k) return *k;
  // Unparseable: the best we can say is the key without its scheme.
  if (key.starts_with("https://")) return std::string(key.substr(8));
  if (key.starts_with("http://")) return std::string(key.substr(7));
  return std::string(key);
}

void Keyring::Add(std::string_view key, Credential credential) {
  auto k = NormalizeKey(key);
  if (!k) return;
  KeyedCredential entry{std::move(*k), std::move(credential)};
  // Reverse lexical order, stable among equal keys so they come back in insertion order.
  auto pos = std::upper_bound(
      entries_.begin(), entries_.end(), entry,
      [](const KeyedCredential& a, const KeyedCredential& b) { return a.key > b.key; });
  entries_.insert(pos, std::move(entry));
}

std::vector<KeyedCredential> Keyring::Lookup(std::string_view image) const {
  std::vector<KeyedCredential> out;
  for (const KeyedCredential& e : entries_) {
    auto m = UrlsMatch(e.key, image);
    if (m.ok() && *m) out.push_back(e);
  }
  if (!out.empty() || !IsDefaultRegistryMatch(image)) return out;
  for (const KeyedCredential& e : entries_) {
    if (e.key == kDefaultRegistryHost) out.push_back(e);
  }
  return out;
}

}  // namespace pullguard
