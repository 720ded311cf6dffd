// ECR host parsing: cloud-provider-aws's table tests (cmd/ecr-credential-provider/main_test.go,
// TestRegistryPatternMatch and Test_parseRegionFromECRPrivateHost), ported row for row, plus the
// account, partition, FIPS and dual-stack flags pullguard reads from the host.
#include "plugin/sources/aws/ecr_host.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace pullguard::aws;

TEST_CASE("ECR host: upstream's TestRegistryPatternMatch grid", "[ecr-host]") {
  const std::pair<const char*, bool> grid[] = {
      {"123456789012.dkr.ecr.lala-land-1.amazonaws.com", true},
      // fips
      {"123456789012.dkr.ecr-fips.lala-land-1.amazonaws.com", true},
      // .cn
      {"123456789012.dkr.ecr.lala-land-1.amazonaws.com.cn", true},
      // .eu
      {"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", true},
      // .eu with fips
      {"123456789012.dkr.ecr-fips.eusc-de-east-1.amazonaws.eu", true},
      // registry ID too long
      {"1234567890123.dkr.ecr.lala-land-1.amazonaws.com", false},
      // registry ID too short
      {"12345678901.dkr.ecr.lala-land-1.amazonaws.com", false},
      // registry ID has invalid chars
      {"12345678901A.dkr.ecr.lala-land-1.amazonaws.com", false},
      // region has invalid chars
      {"123456789012.dkr.ecr.lala-land-1!.amazonaws.com", false},
      // region starts with invalid char
      {"123456789012.dkr.ecr.#lala-land-1.amazonaws.com", false},
      // invalid host suffix
      {"123456789012.dkr.ecr.lala-land-1.amazonaws.hacker.com", false},
      {"123456789012.dkr.ecr.lala-land-1.hacker.com", false},
      {"123456789012.dkr.ecr.lala-land-1.amazonaws.lol", false},
      // without dkr
      {"123456789012.dog.ecr.lala-land-1.amazonaws.com", false},
      // without ecr
      {"123456789012.dkr.cat.lala-land-1.amazonaws.com", false},
      // without amazonaws
      {"123456789012.dkr.cat.lala-land-1.awsamazon.com", false},
      // too short
      {"123456789012.lala-land-1.amazonaws.com", false},
      // iso
      {"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", true},
      // iso-b
      {"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", true},
      // iso-e
      {"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", true},
      // iso-f
      {"123456789012.dkr.ecr.us-isof-east-1.csp.hci.ic.gov", true},
      // invalid gov endpoint
      {"123456789012.dkr.ecr.us-iso-east-1.amazonaws.gov", false},
      // IPv6 dual stack endpoint
      {"123456789012.dkr-ecr.lala-land-1.on.aws", true},
      // IPv6 dual stack endpoint fips
      {"123456789012.dkr-ecr-fips.lala-land-1.on.aws", true},
      // IPv6 dual stack endpoint .cn
      {"123456789012.dkr-ecr.lala-land-1.on.amazonwebservices.com.cn", true},
  };
  for (const auto& [host, want] : grid) {
    INFO(host);
    CHECK(ParseEcrHost(host).has_value() == want);
  }
}

TEST_CASE("ECR host: upstream's region table", "[ecr-host]") {
  const std::pair<const char*, const char*> rows[] = {
      {"123456789123.dkr.ecr.us-west-2.amazonaws.com", "us-west-2"},
      {"123456789123.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1"},
      {"123456789123.dkr.ecr.us-gov-east-1.amazonaws.com", "us-gov-east-1"},
      {"123456789123.dkr.ecr.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"},
      {"123456789123.dkr.ecr.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"},
      {"123456789123.dkr-ecr.us-west-2.on.aws", "us-west-2"},
      {"123456789123.dkr-ecr-fips.us-west-2.on.aws", "us-west-2"},
      {"123456789123.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", "cn-north-1"},
      {"123456789123.dkr-ecr.us-gov-east-1.on.aws", "us-gov-east-1"},
      {"123456789123.dkr-ecr-fips.us-gov-east-1.on.aws", "us-gov-east-1"},
  };
  for (const auto& [host, region] : rows) {
    INFO(host);
    auto h = ParseEcrHost(host);
    REQUIRE(h);
    CHECK(h->region == region);
    CHECK(h->account == "123456789123");
  }
  CHECK_FALSE(ParseEcrHost("foobar"));  // "invalid registry"
}

TEST_CASE("ECR host: partition, FIPS and dual-stack", "[ecr-host]") {
  struct Row {
    const char* host;
    const char* partition;
    const char* suffix;
    bool fips, dual;
  };
  const Row rows[] = {
      {"111122223333.dkr.ecr.us-west-2.amazonaws.com", "aws", "amazonaws.com", false, false},
      {"111122223333.dkr.ecr-fips.us-east-1.amazonaws.com", "aws", "amazonaws.com", true, false},
      {"111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn", "aws-cn", "amazonaws.com.cn", false,
       false},
      {"111122223333.dkr.ecr.us-gov-west-1.amazonaws.com", "aws-us-gov", "amazonaws.com", false,
       false},
      {"111122223333.dkr-ecr.us-west-2.on.aws", "aws", "amazonaws.com", false, true},
      {"111122223333.dkr-ecr-fips.us-gov-east-1.on.aws", "aws-us-gov", "amazonaws.com", true, true},
      {"111122223333.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", "aws-cn", "amazonaws.com.cn",
       false, true},
      {"111122223333.dkr.ecr.us-iso-east-1.c2s.ic.gov", "aws-iso", "c2s.ic.gov", false, false},
      {"111122223333.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "aws-iso-b", "sc2s.sgov.gov", false,
       false},
      {"111122223333.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", "aws-iso-e", "cloud.adc-e.uk", false,
       false},
      {"111122223333.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", "aws-iso-f", "csp.hci.ic.gov", false,
       false},
      {"111122223333.dkr.ecr.eusc-de-east-1.amazonaws.eu", "aws-eusc", "amazonaws.eu", false,
       false},
  };
  for (const Row& row : rows) {
    INFO(row.host);
    auto h = ParseEcrHost(row.host);
    REQUIRE(h);
    REQUIRE(h->partition != nullptr);
    CHECK(h->partition->id == row.partition);
    CHECK(h->partition->dns_suffix == row.suffix);
    CHECK(h->fips == row.fips);
    CHECK(h->dual_stack == row.dual);
  }
  // A port, a path, a trailing dot or upper-case suffix is not a registry host ECR serves.
  CHECK_FALSE(ParseEcrHost("111122223333.dkr.ecr.us-west-2.amazonaws.com:443"));
  CHECK_FALSE(ParseEcrHost("111122223333.dkr.ecr.us-west-2.amazonaws.com."));
  CHECK_FALSE(ParseEcrHost("111122223333.dkr.ecr.us-west-2.AMAZONAWS.com"));
  CHECK_FALSE(ParseEcrHost("public.ecr.aws"));
  CHECK_FALSE(ParseEcrHost(""));
  CHECK_FALSE(ParseEcrHost(std::string("111122223333.dkr.ecr.us-west-2.amazonaws.com\0x", 46)));
}

// The hand-written matcher against upstream's regular expression itself (RE2 reads Go's syntax),
// on every host of the tables above and on every one-character edit of them (deleted, doubled, or
// replaced by a character that matters to the pattern): the same verdict, account and region.
TEST_CASE("ECR host: the hand-written match decides as upstream's regexp", "[ecr-host]") {
  static const RE2 upstream(
      R"(^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$)");
  REQUIRE(upstream.ok());
  const std::vector<std::string> seeds = {
      "123456789012.dkr.ecr.lala-land-1.amazonaws.com",
      "123456789012.dkr-ecr.us-west-2.on.aws",
      "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
      "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
      "123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn",
      "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
      "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
      "123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
      "123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
      "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
      "123456789012.dkr.ecr.a_b.amazonaws.com",
  };
  const std::string edits = ".-_A1#f";
  std::vector<std::string> hosts = seeds;
  for (const std::string& h : seeds) {
    for (std::size_t i = 0; i < h.size(); ++i) {
      hosts.push_back(h.substr(0, i) + h.substr(i + 1));
      hosts.push_back(h.substr(0, i + 1) + h.substr(i));
      for (char c : edits) hosts.push_back(h.substr(0, i) + c + h.substr(i + 1));
    }
  }
  int accepted = 0;
  for (const std::string& h : hosts) {
    INFO(h);
    std::string account, fips, region, suffix;
    bool want = RE2::FullMatch(h, upstream, &account, &fips, &region, &suffix);
    auto got = ParseEcrHost(h);
    REQUIRE(got.has_value() == want);
    if (want) {
      ++accepted;
      CHECK(got->account == account);
      CHECK(got->region == region);
      CHECK(got->fips == !fips.empty());
    }
  }
  CHECK(accepted > static_cast<int>(seeds.size()));  // the edits reach both verdicts
}
