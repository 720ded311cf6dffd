// The ecr source's plain-HTTP rule for IMDS over IPv6: AWS serves instance metadata on
// [fd00:ec2::254] (what the AWS SDKs call with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6) as on
// 169.254.169.254. Plain HTTP goes to exactly that address (any spelling of it), nothing wider,
// and never through a proxy.
#include "plugin/sources/aws/endpoints.h"

#include <catch2/catch.hpp>
#include <string>

#include "plugin/sources/exchange_context.h"
#include "registry/url.h"

namespace pullguard::aws {
namespace {

bool PlainHttpReaches(const registry::RegistryEndpoint& e, const std::string& url) {
  auto u = registry::ParseUrl(url);
  REQUIRE(u.ok());
  return registry::AllowsPlainHttpTo(e, *u);
}

TEST_CASE("AwsTransport: plain HTTP to IMDS at [fd00:ec2::254] as at 169.254.169.254",
          "[aws-endpoints]") {
  for (const char* base :
       {"http://169.254.169.254", "http://[fd00:ec2::254]", "http://[FD00:EC2::254]",
        "http://[fd00:ec2:0:0::254]", "http://[fd00:0ec2:0000:0000:0000:0000:0000:0254]"}) {
    INFO(base);
    auto e = AwsTransport(base, AwsService::kImds, "imdsEndpoint");
    REQUIRE(e.ok());
    CHECK(e->transport.plain_http);
    CHECK(PlainHttpReaches(*e, std::string(base) + "/latest/api/token"));
    // Only its own host: an IMDS endpoint never opens plain HTTP to another address.
    CHECK_FALSE(PlainHttpReaches(*e, "http://[fd00:ec2::253]/latest/api/token"));
    CHECK_FALSE(PlainHttpReaches(*e, "http://169.254.169.253/latest/api/token"));
  }
}

TEST_CASE("AwsTransport: nothing wider than the exact IMDS address is plain HTTP",
          "[aws-endpoints]") {
  for (const char* base :
       {"http://[fd00:ec2::253]", "http://[fd00:ec2::1:254]", "http://[fd00::254]",
        "http://[fd00:ec2::23]", "http://[fe80::254]", "http://[::ffff:169.254.169.254]",
        "http://[::ffff:a9fe:a9fe]", "http://[fd00:ec2::254%25eth0]",
        "http://fd00-ec2--254.example", "http://169.254.169.254.nip.io"}) {
    INFO(base);
    auto e = AwsTransport(base, AwsService::kImds, "imdsEndpoint");
    CHECK_FALSE(e.ok());
  }
  // The IMDS address is IMDS's only: STS and ECR take https.
  for (AwsService s : {AwsService::kEcr, AwsService::kSts}) {
    CHECK_FALSE(AwsTransport("http://[fd00:ec2::254]", s, "x").ok());
    CHECK_FALSE(AwsTransport("http://169.254.169.254", s, "x").ok());
  }
  CHECK_FALSE(AwsTransport("http://[fd00:ec2::254]", AwsService::kContainerCredentials, "x").ok());
  CHECK(AwsTransport("http://[fd00:ec2::23]", AwsService::kContainerCredentials, "x").ok());
}

TEST_CASE(
    "ResolveEndpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 reaches [fd00:ec2::254] "
    "without a proxy",
    "[aws-endpoints]") {
  auto host = ParseEcrHost("123456789012.dkr.ecr.us-east-1.amazonaws.com");
  REQUIRE(host);
  Getenv getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") return "IPv6";
    return std::nullopt;
  };
  auto ep = ResolveEndpoint(AwsService::kImds, EcrSourceSpec{}, getenv, *host, "us-east-1");
  REQUIRE(ep.ok());
  CHECK(ep->url == "http://[fd00:ec2::254]");
  CHECK(PlainHttpReaches(ep->transport, "http://[fd00:ec2::254]/latest/api/token"));

  registry::ProxyConfig proxy;
  proxy.http_proxy = "http://proxy.example:3128";
  proxy.https_proxy = "http://proxy.example:3128";
  registry::ProxyConfig got = ProxyConfigForHost(ep->transport.host, proxy);
  CHECK(got.http_proxy.empty());
  CHECK(got.https_proxy.empty());
}

}  // namespace
}  // namespace pullguard::aws
