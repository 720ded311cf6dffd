// Registry digests ("sha256:<hex>") on top of the project's one SHA-256 (base/sha256.h).
#include "base/sha256.h"

#include "registry/manifest.h"

namespace pullguard::registry {

std::string Sha256Digest(std::string_view data) {
  return "sha256:" + Sha256Hex(data);
}

bool IsSha256Digest(std::string_view text) {
  if (text.size() != 71 || text.substr(0, 7) != "sha256:") return false;
  for (char c : text.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace pullguard::registry
