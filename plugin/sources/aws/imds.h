// EC2 instance metadata, IMDSv2 only: PUT a session token, then GET the instance role's name and
// its credentials with it. Never IMDSv1 (a GET without the token), which a server-side request
// forgery could reach.
#pragma once

#include <string>

#include "base/result.h"
#include "plugin/sources/aws/sigv4.h"
#include "plugin/sources/exchange_context.h"
#include "registry/transport.h"

namespace pullguard::aws {

// Session token lifetime asked for; the token is used at once and never stored.
inline constexpr int kImdsTokenTtlSeconds = 300;

struct ImdsCredentials {
  AwsCredentials credentials;
  std::string role_name;
};

// `base` is the metadata endpoint ("http://169.254.169.254"), `transport` how it is reached. A
// PUT that gets no answer names the likely cause (the instance's hop limit with pullguard in a
// container); 403 means IMDS is disabled, 404 on the role list means no instance profile.
Result<ImdsCredentials> ImdsRoleCredentials(const ExchangeContext& ctx, const std::string& base,
                                            const registry::RegistryEndpoint& transport);

}  // namespace pullguard::aws
