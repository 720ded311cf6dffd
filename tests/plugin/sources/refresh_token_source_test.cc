// refreshToken against a scripted registry and token server: one offline password login, the
// refresh token handed out under ACR's fixed username, kept in the token cache, with its expiry.
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "plugin/config/config.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"
#include "tests/support/exchange_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);
constexpr const char* kAcrUser = "00000000-0000-0000-0000-000000000000";

RefreshTokenSourceSpec Spec() {
  RefreshTokenSourceSpec s;
  s.login.username = "node-robot";
  s.login.password = Secret("node-password-123");
  return s;
}

// A registry at registry.example whose token server gives refresh tokens to node-robot.
FakeHttpClient Registry(const std::string& refresh_body) {
  return FakeHttpClient([=](const registry::HttpRequest& r) -> Result<registry::HttpResponse> {
    if (r.url == "https://registry.example/v2/") {
      return Response(
          401, "",
          {{"www-authenticate",
            R"(Bearer realm="https://auth.example/token",service="registry.example")"}});
    }
    if (r.url == "https://auth.example/token" && r.method == "POST") {
      if (FormField(r.body.reveal(), "password") != "node-password-123") {
        return Response(401, R"({"error":"invalid_grant"})");
      }
      return Response(200, refresh_body);
    }
    return Response(404, "");
  });
}

}  // namespace

TEST_CASE("refreshToken: offline login once, refresh token under the ACR username", "[refresh]") {
  TempDir tmp;
  FakeHttpClient fake =
      Registry(R"({"access_token":"acc","refresh_token":"refresh-abc","expires_in":300})");
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow);
  auto src = MakeRefreshTokenSource(Spec(), {"*.example"});
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kRegistry, &ctx};
  auto a = src->Answer(q, DefaultEnv());
  REQUIRE(a.ok());
  REQUIRE(a->auth.size() == 1);
  // One registry's refresh token goes out for that registry only, not the wider pattern.
  CHECK(a->auth[0].key == "registry.example");
  CHECK(a->auth[0].credential.username == kAcrUser);
  CHECK(a->auth[0].credential.password.reveal() == "refresh-abc");
  CHECK_FALSE(a->from_service_account);
  REQUIRE(a->expires_at.has_value());
  CHECK(*a->expires_at == kNow + seconds(3600));  // no `exp` in the token: the configured lifetime

  REQUIRE(fake.requests.size() == 2);
  const registry::HttpRequest& post = fake.requests[1];
  CHECK(post.method == "POST");
  const std::string& body = post.body.reveal();
  CHECK(FormField(body, "grant_type") == "password");
  CHECK(FormField(body, "username") == "node-robot");
  CHECK(FormField(body, "access_type") == "offline");
  CHECK(FormField(body, "service") == "registry.example");

  // The next exec: the cache answers, the password never leaves the node again.
  auto b = src->Answer(q, DefaultEnv());
  REQUIRE(b.ok());
  CHECK(b->auth[0].credential.password.reveal() == "refresh-abc");
  CHECK(fake.requests.size() == 2);
}

TEST_CASE("refreshToken: a JWT refresh token's exp is its expiry", "[refresh]") {
  TempDir tmp;
  std::string jwt = ServiceAccountJwt(1700007200);
  FakeHttpClient fake = Registry(R"({"access_token":"acc","refresh_token":")" + jwt + R"("})");
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow);
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kImage, &ctx};
  auto a = MakeRefreshTokenSource(Spec(), {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE(a.ok());
  CHECK(*a->expires_at == kNow + seconds(7200));
}

TEST_CASE("refreshToken: refusals, missing refresh tokens, missing challenge", "[refresh]") {
  TempDir tmp;
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kImage, nullptr};

  RefreshTokenSourceSpec wrong = Spec();
  wrong.login.password = Secret("wrong-password-999");
  FakeHttpClient fake = Registry(R"({"access_token":"acc","refresh_token":"r"})");
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow);
  q.exchange = &ctx;
  auto refused = MakeRefreshTokenSource(wrong, {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::kUnauthorized);
  CHECK(refused.error().message.find("wrong-password-999") == std::string::npos);

  FakeHttpClient none = Registry(R"({"access_token":"acc"})");
  ExchangeContext ctx2 = FakeContext(none, tmp.path() + "/2", kNow);
  q.exchange = &ctx2;
  auto no_refresh = MakeRefreshTokenSource(Spec(), {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(no_refresh.ok());
  CHECK(no_refresh.error().message.find("no refresh token") != std::string::npos);

  FakeHttpClient basic([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return Response(401, "", {{"www-authenticate", R"(Basic realm="r")"}});
  });
  ExchangeContext ctx3 = FakeContext(basic, tmp.path() + "/3", kNow);
  q.exchange = &ctx3;
  auto no_bearer = MakeRefreshTokenSource(Spec(), {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(no_bearer.ok());
  CHECK(no_bearer.error().message.find("no Bearer token endpoint") != std::string::npos);
}

TEST_CASE("refreshToken: a configured realm skips the ping", "[refresh]") {
  TempDir tmp;
  FakeHttpClient fake =
      Registry(R"({"access_token":"acc","refresh_token":"refresh-abc","expires_in":300})");
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow);
  RefreshTokenSourceSpec s = Spec();
  s.realm = "https://auth.example/token";
  s.service = "registry.example";
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kImage, &ctx};
  auto a = MakeRefreshTokenSource(s, {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE(a.ok());
  REQUIRE(fake.requests.size() == 1);
  CHECK(fake.requests[0].url == "https://auth.example/token");
}
