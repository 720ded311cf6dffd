// The RFC 8693 exchange shared by tokenExchange and gcp: optional fields sent only when set, and
// the refusal line naming the RFC 6749 error code but never the description or other body text.
#include <catch2/catch.hpp>

#include "plugin/sources/token_exchange.h"
#include "tests/support/exchange_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::testing;

namespace {

const std::chrono::system_clock::time_point kNow =
    std::chrono::system_clock::from_time_t(1700000000);

TokenExchangeRequest Request() {
  TokenExchangeRequest r;
  r.url = "https://sts.example/token";
  r.endpoint = *EndpointForUrl(r.url);
  r.where = "test: https://sts.example/token";
  return r;
}

}  // namespace

TEST_CASE("token exchange: optional fields only when set", "[exchange]") {
  TempDir tmp;
  FakeHttpClient fake([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return Response(200, R"({"access_token":"acc","expires_in":600})");
  });
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, "pod-token");
  TokenExchangeRequest r = Request();
  auto plain = ExchangeServiceAccountToken(r, ctx);
  REQUIRE(plain.ok());
  CHECK(plain->token.reveal() == "acc");
  CHECK(plain->expires_at == kNow + std::chrono::seconds(600));
  const std::string first = fake.requests[0].body.reveal();
  CHECK(first ==
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=pod-"
        "token&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt");
  r.audience = "aud";
  r.scope = "a b";
  r.requested_token_type = kAccessTokenType;
  REQUIRE(ExchangeServiceAccountToken(r, ctx).ok());
  const std::string second = fake.requests[1].body.reveal();
  CHECK(FormField(second, "audience") == "aud");
  CHECK(FormField(second, "scope") == "a b");
  CHECK(FormField(second, "requested_token_type") ==
        "urn:ietf:params:oauth:token-type:access_token");
}

TEST_CASE("token exchange: refusals name the error code only", "[exchange]") {
  TempDir tmp;
  auto refusal = [&](long status, const std::string& body) {
    FakeHttpClient fake([&](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
      return Response(status, body);
    });
    ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, "pod-token");
    auto t = ExchangeServiceAccountToken(Request(), ctx);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kUnauthorized);
    return t.error().message;
  };
  CHECK(refusal(400, R"({"error":"invalid_grant","error_description":"pod-token is bad"})") ==
        "test: https://sts.example/token refused the service-account token (HTTP 400): "
        "invalid_grant");
  CHECK(refusal(403, "") ==
        "test: https://sts.example/token refused the service-account token (HTTP 403)");
  // Not an RFC 6749 code: not shown.
  CHECK(refusal(401, R"({"error":"Bad \u001b[31m pod-token"})") ==
        "test: https://sts.example/token refused the service-account token (HTTP 401)");
  CHECK(refusal(400, R"({"error":{"code":400}})").find("(HTTP 400)") != std::string::npos);
}
