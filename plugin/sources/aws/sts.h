// AWS STS for the ecr source: AssumeRoleWithWebIdentity (a Kubernetes service-account token for a
// role's credentials; unsigned) and AssumeRole (node credentials for a role's; SigV4-signed), the
// query protocol's form POST, and its XML answers read with expat.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "plugin/sources/aws/aws_error.h"
#include "plugin/sources/aws/endpoints.h"
#include "plugin/sources/aws/sigv4.h"
#include "plugin/sources/exchange_context.h"

namespace pullguard::aws {

struct StsCredentials {
  AwsCredentials credentials;    // expires_at always set
  std::string assumed_role_arn;  // AssumedRoleUser/Arn: the session, for doctor and logs
};

// An STS answer body: <ActionResponse><ActionResult><Credentials>... for `action`
// ("AssumeRoleWithWebIdentity", "AssumeRole"), or <ErrorResponse><Error><Code>/<Message>.
// Exactly one of the two is set. Anything else (not XML, a DOCTYPE or entity declaration, another
// root, a missing or repeated credential field, over 64 KiB, nesting over 16) is kCorrupt.
struct StsAnswer {
  std::optional<StsCredentials> result;
  std::optional<AwsErrorAnswer> error;
};
Result<StsAnswer> ParseStsAnswer(std::string_view xml, std::string_view action);

// Session lifetime asked for (STS's default for both calls is one hour).
inline constexpr int kStsSessionSeconds = 3600;

// POST Action=AssumeRoleWithWebIdentity to `sts`. Errors start "STS AssumeRoleWithWebIdentity
// at <url> (role <arn>)"; the token never appears in them.
Result<StsCredentials> AssumeRoleWithWebIdentity(const ExchangeContext& ctx, const AwsEndpoint& sts,
                                                 const std::string& role_arn,
                                                 const std::string& session_name,
                                                 const Secret& web_identity_token);

// POST Action=AssumeRole to `sts`, signed by `caller` for `region` (service "sts").
Result<StsCredentials> AssumeRole(const ExchangeContext& ctx, const AwsEndpoint& sts,
                                  const std::string& region, const std::string& role_arn,
                                  const std::string& session_name, const AwsCredentials& caller);

}  // namespace pullguard::aws
