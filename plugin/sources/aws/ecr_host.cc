// The host pattern is cloud-provider-aws's (cmd/ecr-credential-provider/main.go,
// ecrPrivateHostPattern) so that pullguard accepts exactly the hosts the AWS provider does, matched
// by hand: the pullguard binary does not link RE2 (its start-up and the reference grammar's
// compilation were measured to cost every exec, bench/NOTES.md), and the pattern is a fixed
// sequence without backtracking. The partition table is botocore's data/partitions.json (id,
// dnsSuffix, dualStackDnsSuffix).
#include "plugin/sources/aws/ecr_host.h"

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

// ecrPrivateHostPattern, upstream:
//   ^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|
//   on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|
//   csp\.hci\.ic\.gov)$
// The region has no dot, so it ends at the first dot after "ecr[-fips]." and the rest must be one
// of the suffixes: a single left-to-right pass decides what the regular expression decides.
constexpr std::array<std::string_view, 9> kEcrSuffixes = {"amazonaws.com",
                                                          "amazonaws.com.cn",
                                                          "amazonaws.eu",
                                                          "on.aws",
                                                          "on.amazonwebservices.com.cn",
                                                          "sc2s.sgov.gov",
                                                          "c2s.ic.gov",
                                                          "cloud.adc-e.uk",
                                                          "csp.hci.ic.gov"};

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlnum(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::optional<EcrHost> ParseEcrHost(std::string_view host) {
  if (host.size() > 255 || host.size() < 12) return std::nullopt;
  std::string_view rest = host;
  std::string account(rest.substr(0, 12));
  for (char c : account) {
    if (!IsDigit(c)) return std::nullopt;
  }
  rest.remove_prefix(12);
  auto eat = [&rest](std::string_view lit) {
    if (rest.substr(0, lit.size()) != lit) return false;
    rest.remove_prefix(lit.size());
    return true;
  };
  if (!eat(".dkr") || !(eat(".") || eat("-")) || !eat("ecr")) return std::nullopt;
  std::string fips = eat("-fips") ? "-fips" : "";
  if (!eat(".")) return std::nullopt;
  std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || !IsAlnum(rest[0])) return std::nullopt;
  std::string region(rest.substr(0, dot));
  for (char c : region) {
    if (!IsAlnum(c) && c != '-' && c != '_') return std::nullopt;
  }
  std::string suffix(rest.substr(dot + 1));
  bool known = false;
  for (std::string_view s : kEcrSuffixes) known = known || suffix == s;
  if (!known) return std::nullopt;
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
