#include "plugin/sources/exchange_context.h"

#include <catch2/catch.hpp>

namespace pullguard {
namespace {

TEST_CASE("EndpointForHost: plain HTTP only for loopback, or where the entry says insecure") {
  registry::TransportOptions unset;
  CHECK(EndpointForHost("127.0.0.1:5000", unset).transport.plain_http);
  CHECK(EndpointForHost("localhost:5000", unset).transport.plain_http);
  CHECK_FALSE(EndpointForHost("registry.example:5000", unset).transport.plain_http);

  registry::TransportOptions insecure;
  insecure.insecure = true;
  CHECK(EndpointForHost("registry.example:5000", insecure).transport.plain_http);
  CHECK_FALSE(registry::VerifiesTls(EndpointForHost("registry.example", insecure)));

  registry::TransportOptions strict;
  strict.insecure = false;
  strict.ca_file = "/etc/pullguard/ca.pem";
  registry::RegistryEndpoint e = EndpointForHost("127.0.0.1:5000", strict);
  CHECK_FALSE(e.transport.plain_http);
  CHECK(registry::VerifiesTls(e));
  CHECK(e.transport.ca_file == "/etc/pullguard/ca.pem");
  CHECK(registry::BaseUrl(e) == "https://127.0.0.1:5000");
}

}  // namespace
}  // namespace pullguard

namespace pullguard {

TEST_CASE(
    "ProxyConfigForHost: cloud metadata addresses (169.254.0.0/16, AWS's IPv6 ones) are never "
    "proxied") {
  registry::ProxyConfig proxy;
  proxy.http_proxy = "http://proxy.example:3128";
  proxy.https_proxy = "http://proxy.example:3128";
  for (const char* host : {"169.254.169.254", "169.254.169.254:80", "169.254.0.1"}) {
    INFO(host);
    registry::ProxyConfig got = ProxyConfigForHost(host, proxy);
    CHECK(got.http_proxy.empty());
    CHECK(got.https_proxy.empty());
  }
  // AWS's IPv6 metadata addresses (IMDS; EKS Pod Identity), however written.
  for (const char* host : {"[fd00:ec2::254]", "[fd00:ec2::254]:80", "fd00:ec2::254",
                           "[FD00:EC2:0::254]", "[fd00:ec2::23]", "[fd00:ec2::23]:80"}) {
    INFO(host);
    registry::ProxyConfig got = ProxyConfigForHost(host, proxy);
    CHECK(got.http_proxy.empty());
    CHECK(got.https_proxy.empty());
  }
  // Names and other addresses keep the process's proxy; so does a spelling libcurl and Go read
  // differently (CanonicalHost refuses it). Only the two AWS addresses of fd00::/8, which real
  // networks route.
  for (const char* host :
       {"169.254.example.org", "metadata.google.internal", "10.0.0.1", "myregistry.azurecr.io:443",
        "169.254.169.254.nip.io", "0251.254.0.1", "[fd00:ec2::253]", "[fd00:ec2::1:254]",
        "[fd00::254]", "[fe80::254]", "[::ffff:169.254.169.254]"}) {
    INFO(host);
    CHECK(ProxyConfigForHost(host, proxy).http_proxy == proxy.http_proxy);
  }
}

}  // namespace pullguard
