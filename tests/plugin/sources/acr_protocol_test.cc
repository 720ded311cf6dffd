// The acr source's three requests, byte for byte, and the answers it reads: IMDS's and Entra ID's
// token answers (shapes from Azure's docs), ACR's exchange answer, and the error summaries that
// reach the one stderr line without a secret.
#include <catch2/catch.hpp>

#include "plugin/sources/acr_protocol.h"
#include "tests/support/exchange_fixture.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);

std::string HeaderOf(const registry::HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

}  // namespace

TEST_CASE("acr: the IMDS request", "[acr]") {
  const std::string url = "http://169.254.169.254/metadata/identity/oauth2/token";
  registry::HttpRequest r = ImdsTokenRequest(url, "");
  CHECK(r.method == "GET");
  CHECK(r.url ==
        url + "?api-version=2018-02-01&resource=https%3A%2F%2Fcontainerregistry.azure.net");
  CHECK(HeaderOf(r, "Metadata") == "true");
  CHECK_FALSE(r.authorization.has_value());
  CHECK(r.body.empty());
  CHECK_FALSE(r.follow_redirects);
  registry::HttpRequest user = ImdsTokenRequest(url, "11111111-2222-3333-4444-555555555555");
  CHECK(user.url == url +
                        "?api-version=2018-02-01&resource=https%3A%2F%2Fcontainerregistry.azure.net"
                        "&client_id=11111111-2222-3333-4444-555555555555");
}

TEST_CASE("acr: the Entra ID client-assertion request", "[acr]") {
  const std::string url = "https://login.microsoftonline.com/t1/oauth2/v2.0/token";
  std::string sa = ServiceAccountJwt(1700003600);
  registry::HttpRequest r =
      EntraAssertionRequest(url, "11111111-2222-3333-4444-555555555555", Secret(sa));
  CHECK(r.method == "POST");
  CHECK(r.url == url);
  CHECK(r.content_type == "application/x-www-form-urlencoded");
  CHECK_FALSE(r.follow_redirects);
  CHECK(r.body.reveal() ==
        "grant_type=client_credentials&client_id=11111111-2222-3333-4444-555555555555"
        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        "&client_assertion=" +
            sa + "&scope=https%3A%2F%2Fcontainerregistry.azure.net%2F.default");
  CHECK(FormField(r.body.reveal(), "client_assertion") == sa);
}

TEST_CASE("acr: the ACR exchange request", "[acr]") {
  const std::string url = "https://myregistry.azurecr.io/oauth2/exchange";
  registry::HttpRequest r =
      AcrExchangeRequest(url, "myregistry.azurecr.io", "tenant-1", Secret("aad.token.x"));
  CHECK(r.method == "POST");
  CHECK(r.url == url);
  CHECK(r.content_type == "application/x-www-form-urlencoded");
  CHECK_FALSE(r.follow_redirects);
  CHECK(r.body.reveal() ==
        "grant_type=access_token&service=myregistry.azurecr.io&tenant=tenant-1"
        "&access_token=aad.token.x");
  // Without a known tenant the field is left out rather than sent empty.
  registry::HttpRequest bare = AcrExchangeRequest(url, "myregistry.azurecr.io", "", Secret("t"));
  CHECK(bare.body.reveal() ==
        "grant_type=access_token&service=myregistry.azurecr.io&access_token=t");
}

TEST_CASE("acr: IMDS and Entra ID token answers", "[acr]") {
  // IMDS (docs: "Get a token using HTTP"): numbers as strings.
  auto imds =
      ParseAzureToken(R"({"access_token":"eyJ0eXAi.x.y","refresh_token":"","expires_in":"3599",)"
                      R"("expires_on":"1700003599","not_before":"1699999700",)"
                      R"("resource":"https://containerregistry.azure.net","token_type":"Bearer"})",
                      kNow);
  REQUIRE(imds.ok());
  CHECK(imds->token.reveal() == "eyJ0eXAi.x.y");
  CHECK(imds->issued_at == kNow);
  CHECK(imds->expires_at == kNow + seconds(3599));
  // Entra ID v2.0 (client credentials): numbers as numbers.
  auto entra = ParseAzureToken(
      R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"abc"})",
      kNow);
  REQUIRE(entra.ok());
  CHECK(entra->expires_at == kNow + seconds(3599));
  // expires_on only, then the JWT's exp, then 60 s.
  auto on = ParseAzureToken(R"({"access_token":"abc","expires_on":1700000900})", kNow);
  REQUIRE(on.ok());
  CHECK(on->expires_at == kNow + seconds(900));
  std::string jwt = ServiceAccountJwt(1700001200);
  auto exp = ParseAzureToken(R"({"access_token":")" + jwt + R"("})", kNow);
  REQUIRE(exp.ok());
  CHECK(exp->expires_at == kNow + seconds(1200));
  // An exp too far away for system_clock is no exp (never a wrapped, past expiry).
  auto far =
      ParseAzureToken(R"({"access_token":")" + ServiceAccountJwt(50000000000) + R"("})", kNow);
  REQUIRE(far.ok());
  CHECK(far->expires_at == kNow + seconds(60));
  auto none = ParseAzureToken(R"({"access_token":"abc","expires_in":"soon"})", kNow);
  REQUIRE(none.ok());
  CHECK(none->expires_at == kNow + seconds(60));
  // A broken server's absurd expiry is capped at a day.
  auto years = ParseAzureToken(R"({"access_token":"abc","expires_in":99999999999})", kNow);
  REQUIRE(years.ok());
  CHECK(years->expires_at == kNow + std::chrono::hours(24));

  for (const char* bad : {"", "not json", "[]", R"({"access_token":""})", R"({"token":"x"})",
                          R"({"access_token":1})", R"({"access_token":"a","access_token":"b"})"}) {
    INFO(bad);
    auto t = ParseAzureToken(bad, kNow);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kCorrupt);
    CHECK(t.error().message.find("\"a\"") == std::string::npos);
  }
}

TEST_CASE("acr: ACR's exchange answer", "[acr]") {
  auto r = ParseAcrRefreshToken(R"({"refresh_token":"eyJhbGciOi.rt.sig"})");
  REQUIRE(r.ok());
  CHECK(r->reveal() == "eyJhbGciOi.rt.sig");
  for (const char* bad : {"{}", R"({"refresh_token":""})", R"({"access_token":"x"})", "null",
                          R"({"refresh_token":["x"]})", "{\"refresh_token\":\"x\"} trailing"}) {
    INFO(bad);
    auto t = ParseAcrRefreshToken(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kCorrupt);
  }
}

TEST_CASE("acr: a token with a control character is refused, as every network token is", "[acr]") {
  // RELIABILITY.md section 6, class 5: the ACR refresh token becomes kubelet's password and the
  // Entra ID token a form field; a NUL, CR, LF or DEL in either is a broken or hostile answer
  // (found by azure_answers_fuzz).
  for (const char* bad : {"abc\\u0000def", "abc\\r\\nX-Injected: 1", "abc\\u007f", "\\t"}) {
    INFO(bad);
    auto t =
        ParseAzureToken(std::string(R"({"access_token":")") + bad + R"(","expires_in":60})", kNow);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kCorrupt);
    auto r = ParseAcrRefreshToken(std::string(R"({"refresh_token":")") + bad + R"("})");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kCorrupt);
  }
}

TEST_CASE("acr: error answers summarised without secrets", "[acr]") {
  // Entra ID (shape of a real AADSTS70021 answer): error + the first line of the description.
  std::string aadsts =
      R"({"error":"invalid_request","error_description":"AADSTS70021: No matching federated )"
      R"(identity record found for presented assertion. Assertion Issuer: 'https://oidc.example'. )"
      R"(Assertion Subject: 'system:serviceaccount:team:puller'.\r\nTrace ID: 30b6df93\r\n)"
      R"(Correlation ID: dffc6012","error_codes":[70021],"trace_id":"30b6df93"})";
  CHECK(AzureErrorSummary(aadsts, {}) ==
        "invalid_request: AADSTS70021: No matching federated identity record found for presented "
        "assertion. Assertion Issuer: 'https://oidc.example'. Assertion Subject: "
        "'system:serviceaccount:team:puller'.");
  // IMDS.
  CHECK(AzureErrorSummary(R"({"error":"invalid_request","error_description":"Identity not found"})",
                          {}) == "invalid_request: Identity not found");
  // ACR (distribution's error shape).
  CHECK(
      AzureErrorSummary(
          R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]})",
          {}) == "UNAUTHORIZED: authentication required");
  CHECK(AzureErrorSummary("<html>Bad gateway</html>", {}).empty());
  CHECK(AzureErrorSummary("{}", {}).empty());

  // A server that quotes the token back: the secret and anything JWT-shaped are redacted.
  Secret sa("plain-secret-token-value");
  std::string echo = R"({"error":"invalid_client","error_description":"bad assertion )"
                     R"(plain-secret-token-value and eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'"})";
  std::string s = AzureErrorSummary(echo, {&sa});
  CHECK(s.find("plain-secret-token-value") == std::string::npos);
  CHECK(s.find("eyJ") == std::string::npos);
  CHECK(s == "invalid_client: bad assertion <redacted> and <redacted>'");
  // A secret that is a substring of the replacement text does not loop forever.
  Secret tiny("red");
  CHECK(AzureErrorSummary(R"({"error":"red red"})", {&tiny}) == "<redacted> <redacted>");
  // Control characters and length: one short printable line.
  std::string hostile = R"({"error":"x\u001b[31m\u0007)" + std::string(500, 'y') + R"("})";
  std::string h = AzureErrorSummary(hostile, {});
  CHECK(h.size() <= 300);
  for (char c : h) CHECK((c >= 0x20 && c < 0x7f));
}
