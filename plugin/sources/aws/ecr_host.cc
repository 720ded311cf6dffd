// The host pattern is cloud-provider-aws's (cmd/ecr-credential-provider/main.go,
// ecrPrivateHostPattern) so that pullguard accepts exactly the hosts the AWS provider does; the
// partition table is botocore's data/partitions.json (id, dnsSuffix, dualStackDnsSuffix).
#include "plugin/sources/aws/ecr_host.h"

#include <re2/re2.h>

#include <array>

namespace pullguard::aws {
namespace {

constexpr std::array<AwsPartition, 8> kPartitions = {{
    {"aws", "amazonaws.com", "api.aws"},
    {"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
    {"aws-us-gov", "amazonaws.com", "api.aws"},
    {"aws-iso", "c2s.ic.gov", "api.aws.ic.gov"},
    {"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud"},
    {"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"},
    {"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov"},
    {"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu"},
}};

const AwsPartition* PartitionById(std::string_view id) {
  for (const AwsPartition& p : kPartitions) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

}  // namespace

std::optional<EcrHost> ParseEcrHost(std::string_view host) {
  // Upstream, verbatim (RE2 accepts Go's syntax).
  static const RE2 kPattern(
      R"(^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$)");
  std::string account, fips, region, suffix;
  if (host.size() > 255 || !RE2::FullMatch(re2::StringPiece(host.data(), host.size()), kPattern,
                                           &account, &fips, &region, &suffix)) {
    return std::nullopt;
  }
  EcrHost out;
  out.account = account;
  out.region = region;
  out.fips = !fips.empty();
  out.dual_stack = suffix.rfind("on.", 0) == 0;
  std::string_view id = "aws";
  if (suffix == "amazonaws.com.cn" || suffix == "on.amazonwebservices.com.cn") {
    id = "aws-cn";
  } else if (suffix == "amazonaws.eu") {
    id = "aws-eusc";
  } else if (suffix == "c2s.ic.gov") {
    id = "aws-iso";
  } else if (suffix == "sc2s.sgov.gov") {
    id = "aws-iso-b";
  } else if (suffix == "cloud.adc-e.uk") {
    id = "aws-iso-e";
  } else if (suffix == "csp.hci.ic.gov") {
    id = "aws-iso-f";
  } else if (region.rfind("us-gov-", 0) == 0) {
    id = "aws-us-gov";  // GovCloud shares amazonaws.com and on.aws with the commercial partition
  }
  out.partition = PartitionById(id);
  return out;
}

}  // namespace pullguard::aws
