// The kubelet exec credential-provider protocol: strict decoding of CredentialProviderRequest and
// encoding of CredentialProviderResponse for
// credentialprovider.kubelet.k8s.io/{v1,v1beta1,v1alpha1}.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/quote.h"
#include "base/result.h"
#include "base/secret.h"
#include "matcher/keyring.h"
#include "plugin/kubelet/duration.h"

namespace pullguard {

inline constexpr std::string_view kProtocolGroup = "credentialprovider.kubelet.k8s.io/";
// Kubelet's requests are a few hundred bytes; anything near this is not from kubelet.
inline constexpr std::size_t kMaxRequestBytes = 1024 * 1024;

enum class ProtocolVersion { kV1, kV1beta1, kV1alpha1 };

// "credentialprovider.kubelet.k8s.io/v1" etc.
std::string ApiVersionString(ProtocolVersion v);

struct CredentialProviderRequest {
  ProtocolVersion version = ProtocolVersion::kV1;
  std::string image;
  // v1 only (KEP-4412). Absent and empty are the same to kubelet.
  Secret service_account_token;
  std::map<std::string, std::string> service_account_annotations;
};

// Strict, like kubelet's own decoder: one JSON object, no duplicate keys, no unknown fields, no
// trailing data, the right kind and apiVersion, a non-empty string image. Error messages never
// quote values (a token could be among them); field names are quoted, sanitised and shortened.
Result<CredentialProviderRequest> DecodeRequest(std::string_view json);

enum class CacheKeyType { kImage, kRegistry, kGlobal };

std::string_view CacheKeyTypeName(CacheKeyType t);  // "Image" | "Registry" | "Global"
std::optional<CacheKeyType> ParseCacheKeyType(std::string_view s);

struct CredentialProviderResponse {
  ProtocolVersion version = ProtocolVersion::kV1;
  CacheKeyType cache_key_type = CacheKeyType::kRegistry;
  std::optional<GoDuration> cache_duration;  // absent: kubelet's defaultCacheDuration
  std::vector<KeyedCredential> auth;         // key: a matchImages-syntax pattern; keys unique
};

// One line of compact JSON plus "\n". The only place a password is turned into text.
std::string EncodeResponse(const CredentialProviderResponse& response);

}  // namespace pullguard
