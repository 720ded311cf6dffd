// The keyring: credentials keyed by docker config.json / response auth keys, looked up the way
// kubelet's BasicDockerKeyring does (keys normalised, most specific first, every match returned).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/secret.h"

namespace pullguard {

struct KeyedCredential {
  std::string key;  // normalised: scheme and a leading /v1/ or /v2/ removed
  Credential credential;
};

class Keyring {
 public:
  // `key` as written in a config.json (may carry https:// and /v1/); normalised here.
  void Add(std::string_view key, Credential credential);
  // Every entry whose key matches `image`, most specific key first (reverse lexical order);
  // when none matched and the image is a Docker Hub image, the index.docker.io entries.
  std::vector<KeyedCredential> Lookup(std::string_view image) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<KeyedCredential> entries_;  // kept sorted, most specific first
};

// Scheme stripped, a leading /v1/ or /v2/ path dropped (kubelet's parseSchemelessUrl + keyring
// Add).
std::string NormalizeKeyringKey(std::string_view key);

}  // namespace pullguard
