// The AWS identity that signs the ecr source's calls: the node's, found the way the AWS SDKs'
// default chain finds it (environment, web identity, container credentials, IMDSv2), optionally
// turned into a configured role; or a pod's role bought with its service-account token (KEP-4412).
// Planning reads only the environment, so the token cache can be consulted before any network
// call; resolving makes the calls.
#pragma once

#include <string>

#include "base/env.h"
#include "base/result.h"
#include "base/secret.h"
#include "plugin/sources/aws/endpoints.h"
#include "plugin/sources/aws/sigv4.h"
#include "plugin/sources/exchange_context.h"

namespace pullguard::aws {

enum class IdentityLink {
  kEnvironment,  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  kWebIdentity,  // AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE -> STS AssumeRoleWithWebIdentity
  kContainer,    // AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI (ECS, EKS Pod Identity)
  kImds,         // EC2 instance metadata, IMDSv2 only
  kPodRole,      // the request's service-account token for the pod's annotated role
};

// "environment", "web identity", "container credentials", "IMDSv2", "pod role".
std::string_view IdentityLinkName(IdentityLink link);

struct IdentityPlan {
  IdentityLink link = IdentityLink::kImds;
  // Names the identity without a secret and without the network: the cache key's identity part
  // (environment: the access key id; web identity: role ARN and session name; container: the
  // endpoint and a hash of its authorization token; IMDS: the metadata endpoint, i.e. this
  // instance's role; pod role: the role ARN and a hash of the pod's token), then the configured
  // role when there is one.
  std::string cache_identity;
  std::string role_arn;      // web identity / pod role: the role; else empty
  std::string assume_role;   // the entry's roleArn, assumed on top of a node identity
  std::string session_name;  // RoleSessionName for STS
  std::string url;           // container credentials or IMDS endpoint
  registry::RegistryEndpoint transport;
  std::string token_file;  // web identity token file / container authorization token file
  Secret secret;           // the environment's secret key, or the container/pod token
  std::string access_key_id;
  Secret session_token;
};

// Decides the identity from the request, the entry and the environment alone. A link that is
// configured but broken (AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY, a role ARN that is not
// one, a disallowed endpoint) is an error naming the variable; AWS_EC2_METADATA_DISABLED=true
// with no other link is "no AWS credentials".
Result<IdentityPlan> PlanIdentity(const EcrSourceSpec& spec, const ExchangeContext& ctx,
                                  const EcrHost& host, const std::string& region);

struct AwsIdentity {
  AwsCredentials credentials;
  IdentityLink link = IdentityLink::kImds;
  std::string principal;  // "access key AKIA...", "role arn:...", "instance role <name>"
};

// Runs the plan: the link's credentials (network for all but the environment), then the
// configured role through STS AssumeRole.
Result<AwsIdentity> ResolveIdentity(const IdentityPlan& plan, const AwsEndpoint& sts,
                                    const std::string& region, const ExchangeContext& ctx,
                                    Env& env);

// The JSON credential document IMDS and container endpoints serve: AccessKeyId,
// SecretAccessKey, Token, Expiration (RFC 3339); IMDS adds Code ("Success"). `what` names the
// source in errors.
Result<AwsCredentials> ParseCredentialDocument(std::string_view json, std::string_view what);

}  // namespace pullguard::aws
