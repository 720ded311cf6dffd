// kubelet's credential hash: SHA-256 of Go's json.Marshal of a Docker AuthConfig. The hash is
// what records store instead of a secret, so it must match kubelet byte for byte.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/result.h"
#include "base/secret.h"

namespace pullguard {

// Docker's AuthConfig with kubelet's JSON field names, in Go's field order.
struct AuthConfig {
  std::string username;
  Secret password;
  Secret auth;
  std::string email;
  std::string server_address;
  Secret identity_token;
  Secret registry_token;
};

// Strict decoding of {"username":…,"password":…,"auth":…,"email":…,"serveraddress":…,
// "identitytoken":…,"registrytoken":…}: unknown fields and non-string values are errors.
Result<AuthConfig> AuthConfigFromJson(const nlohmann::json& j);

// Exactly Go's json.Marshal output (omitempty on every field, HTML escaping).
std::string MarshalAuthConfigLikeGo(const AuthConfig& a);

// Lowercase hex SHA-256 of MarshalAuthConfigLikeGo; the value records keep as credentialHash.
std::string CredentialHash(const AuthConfig& a);

}  // namespace pullguard
