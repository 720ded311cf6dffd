// Manifest and repository probes used by preflight: HEAD (then GET) a manifest for its digest, and
// GET tags/list?n=1 to learn whether a credential may pull from a repository.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "registry/http_client.h"
#include "registry/transport.h"

namespace pullguard::registry {

// The Accept list sent for manifests: OCI index and manifest, Docker manifest list and v2
// manifest, then the old signed v1 schema.
extern const char* const kManifestAccept;

struct ManifestInfo {
  std::string digest;      // "sha256:<64 hex>"
  std::string media_type;  // Content-Type, may be empty
  std::optional<std::uint64_t> size;
  bool digest_from_body = false;  // true when computed because no Docker-Content-Digest was sent
};

// HEAD <base>/v2/<repository>/manifests/<reference>; when the answer has no usable
// Docker-Content-Digest, GET it and hash the body. A digest reference must match what the
// registry served (else kCorrupt). 401/403 kUnauthorized, 404 kNotFound, other statuses kNetwork.
Result<ManifestInfo> ResolveManifest(HttpClient& client, const RegistryEndpoint& endpoint,
                                     std::string_view repository, std::string_view reference,
                                     const std::optional<Secret>& authorization);

enum class RepositoryAccess {
  kAllowed,            // 200
  kRefused,            // 401 or 403
  kUnknownRepository,  // 404
};

// GET <base>/v2/<repository>/tags/list?n=1. Other statuses are errors (kNetwork).
Result<RepositoryAccess> ProbeTagsList(HttpClient& client, const RegistryEndpoint& endpoint,
                                       std::string_view repository,
                                       const std::optional<Secret>& authorization);

// "sha256:<hex>" of data (base/sha256.h).
std::string Sha256Digest(std::string_view data);

// Whether text is "sha256:" + 64 lower-case hex digits.
bool IsSha256Digest(std::string_view text);

}  // namespace pullguard::registry
