// Amazon ECR's GetAuthorizationToken: the JSON 1.1 protocol request (POST /, X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken, SigV4 for service "ecr") and its
// answer, whose authorizationToken is base64 of "<user>:<password>" for the registry.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "plugin/sources/aws/endpoints.h"
#include "plugin/sources/aws/sigv4.h"
#include "plugin/sources/exchange_context.h"

namespace pullguard::aws {

inline constexpr std::string_view kGetAuthorizationTokenTarget =
    "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";

struct EcrAuthorization {
  std::string username;  // "AWS"
  Secret password;
  std::chrono::system_clock::time_point expires_at;
};

// The answer's first authorizationData entry: a base64 token (standard alphabet, padded) that
// decodes to "<user>:<password>", both non-empty, and expiresAt (epoch seconds, a JSON number).
// Anything else is kCorrupt; messages never hold the token.
Result<EcrAuthorization> ParseAuthorizationTokenAnswer(std::string_view json);

// Signs and sends GetAuthorizationToken to `ecr` (retrying ThrottlingException within the exec's
// budget). Errors start "ECR GetAuthorizationToken at <url>".
Result<EcrAuthorization> GetAuthorizationToken(const ExchangeContext& ctx, const AwsEndpoint& ecr,
                                               const std::string& region,
                                               const AwsCredentials& credentials);

}  // namespace pullguard::aws
