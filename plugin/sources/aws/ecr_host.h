// Amazon ECR registry hosts and AWS partitions: which account, region and partition an image's
// registry host names, and the DNS suffixes each partition's endpoints use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullguard::aws {

// One AWS partition as the SDKs' partitions.json describes it.
struct AwsPartition {
  std::string_view id;                     // "aws", "aws-cn", "aws-us-gov", "aws-iso", ...
  std::string_view dns_suffix;             // "amazonaws.com"
  std::string_view dual_stack_dns_suffix;  // "api.aws"
};

// A private ECR registry host: <account>.dkr.ecr[-fips].<region>.<suffix>, and the dual-stack
// <account>.dkr-ecr[-fips].<region>.on.aws (cloud-provider-aws's ecrPrivateHostPattern, ported
// with its tests).
struct EcrHost {
  std::string account;  // the registry id: 12 digits
  std::string region;
  const AwsPartition* partition = nullptr;  // from the host's suffix (and us-gov-* regions)
  bool fips = false;
  bool dual_stack = false;  // *.on.aws, *.on.amazonwebservices.com.cn
};

// nullopt when `host` (no port, no path) is not an ECR registry host.
std::optional<EcrHost> ParseEcrHost(std::string_view host);

}  // namespace pullguard::aws
