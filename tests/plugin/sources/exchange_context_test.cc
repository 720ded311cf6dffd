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
