// Where the ecr source's AWS calls go and how they are reached: the one place that decides each
// endpoint (config key, then the AWS SDKs' environment variable, then the partition's default)
// and which of them may be spoken to in plain HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "plugin/config/config.h"
#include "plugin/sources/aws/ecr_host.h"
#include "registry/transport.h"

namespace pullguard::aws {

enum class AwsService {
  kEcr,                   // ECR API (GetAuthorizationToken)
  kSts,                   // STS (AssumeRole, AssumeRoleWithWebIdentity)
  kImds,                  // EC2 instance metadata (IMDSv2)
  kContainerCredentials,  // ECS / EKS Pod Identity credentials endpoint
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

struct AwsEndpoint {
  std::string
      url;  // base URL, no trailing '/' unless it has a path ("https://sts.x.amazonaws.com")
  std::string from;  // where it came from, for doctor and messages: "ecrEndpoint", "AWS_..."
  registry::RegistryEndpoint transport;  // how it is reached (see AwsTransport)
};

// The transport rule for an AWS URL: https is always verified against the system store; plain
// HTTP only to a loopback host, and for IMDS to 169.254.169.254 / [fd00:ec2::254], for container
// credentials to 169.254.170.2, 169.254.170.23 / [fd00:ec2::23] (the link-local addresses AWS
// serves credentials on, the same list the AWS SDKs accept). Anything else is kInvalidArgument
// naming `what`.
Result<registry::RegistryEndpoint> AwsTransport(std::string_view url, AwsService service,
                                                std::string_view what);

// The endpoint of `service` for a registry in `region` of `host`'s partition (FIPS and
// dual-stack follow the host): the entry's config key, else the environment variable
// (AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL; for IMDS
// AWS_EC2_METADATA_SERVICE_ENDPOINT, or AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6), else the
// default. Not for kContainerCredentials (its URL comes with the credentials' variables).
Result<AwsEndpoint> ResolveEndpoint(AwsService service, const EcrSourceSpec& spec,
                                    const Getenv& getenv, const EcrHost& host,
                                    const std::string& region);

}  // namespace pullguard::aws
