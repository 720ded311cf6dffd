// Canonical hosts (registry/host.h): one spelling per address, and the numeric spellings libcurl
// (inet_aton) and Go read differently refused, so that loopback, same-host and proxy decisions are
// taken on the address libcurl really connects to (issue 13, item 2).
#include "registry/host.h"

#include <catch2/catch.hpp>

#include "registry/url.h"

using namespace pullguard;
using namespace pullguard::registry;

TEST_CASE("CanonicalHost: names lower-cased, addresses in their one spelling", "[host]") {
  CHECK(*CanonicalHost("Registry.Example") == "registry.example");
  CHECK(*CanonicalHost("127.0.0.1") == "127.0.0.1");
  CHECK(*CanonicalHost("192.0.2.10") == "192.0.2.10");
  CHECK(*CanonicalHost("0:0:0:0:0:0:0:1") == "::1");
  CHECK(*CanonicalHost("2001:DB8:0::1") == "2001:db8::1");
  CHECK(*CanonicalHost("::FFFF:127.0.0.1") == "::ffff:127.0.0.1");
  // Names with numeric labels that are not all numeric stay names (DNS decides, as in Go).
  CHECK(*CanonicalHost("127.0.0.1.nip.io") == "127.0.0.1.nip.io");
  CHECK(*CanonicalHost("0x7f000001.example") == "0x7f000001.example");
  CHECK(*CanonicalHost("1e100.net") == "1e100.net");
  CHECK(*CanonicalHost("deadbeef") == "deadbeef");
}

TEST_CASE("CanonicalHost: every inet_aton spelling but a.b.c.d is refused", "[host]") {
  // libcurl connects to 127.0.0.1 for the first ones and to 192.0.2.10 (TEST-NET-1) for the rest;
  // Go's net.ParseIP reads none of them as an address.
  for (const char* h : {"2130706433",
                        "0x7f000001",
                        "0X7F000001",
                        "0177.0.0.1",
                        "127.1",
                        "127.0.1",
                        "127.000.000.001",
                        "127.0.0.01",
                        "0x7f.0.0.1",
                        "0x7f.1",
                        "017700000001",
                        "3221225994",
                        "0xc000020a",
                        "0300.0.02.012",
                        "192.0.522",
                        "127.0.0.1.",
                        "1.2.3.4.5",
                        "256.0.0.1",
                        "0x",
                        "0",
                        "08.0.0.1"}) {
    CAPTURE(h);
    auto c = CanonicalHost(h);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::kInvalidArgument);
    CHECK(c.error().message.find("a.b.c.d") != std::string::npos);
    CHECK_FALSE(IsLoopbackHost(h));
  }
  auto huge = CanonicalHost(std::string(5000, '1'));
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().message.size() < 400);  // the host is quoted with a cap
}

TEST_CASE("URLs with an ambiguous numeric host are refused before anything is sent", "[host]") {
  for (const char* u :
       {"http://2130706433/token", "https://0x7f000001:5000/v2/", "http://0177.0.0.1/",
        "http://127.1:8080/token", "http://3221225994/t", "https://0xc000020a/t"}) {
    CAPTURE(u);
    CHECK_FALSE(ParseUrl(u).ok());
  }
  auto v6 = ParseUrl("http://[0:0::1]:5000/v2/");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(ParseUrl("http://LOCALHOST:5000/")->host == "localhost");
  CHECK_FALSE(ParseUrl("http://[::1::2]/").ok());
}

TEST_CASE("IsLoopbackHost decides on the canonical address", "[host]") {
  for (const char* yes :
       {"127.0.0.1", "127.0.0.1:5000", "127.255.0.9:1", "localhost", "LOCALHOST:5000", "[::1]:5000",
        "::1", "[::1]", "[0:0:0:0:0:0:0:1]:80", "[::ffff:127.0.0.1]:5000"}) {
    CAPTURE(yes);
    CHECK(IsLoopbackHost(yes));
  }
  for (const char* no : {"128.0.0.1", "192.0.2.10:5000", "localhost.evil.com", "[::2]:5000",
                         "[::ffff:10.0.0.1]:5000", "localhost.", "", "[::1", "127.0.0.1.nip.io",
                         "registry.example"}) {
    CAPTURE(no);
    CHECK_FALSE(IsLoopbackHost(no));
  }
}
