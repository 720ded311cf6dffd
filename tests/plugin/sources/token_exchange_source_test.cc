// tokenExchange against a scripted RFC 8693 endpoint: the form sent, the credential returned, the
// token cache, the require/fall-back rule, refusing to echo the token, and kubelet's cacheDuration.
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "plugin/answer/resolve.h"
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

TokenExchangeSourceSpec Spec() {
  TokenExchangeSourceSpec s;
  s.endpoint = "https://sts.example/token-exchange";
  s.username = "<token>";
  s.audience = "registry.example";
  s.scope = "repository:team/*:pull";
  return s;
}

FakeHttpClient Endpoint(int* calls, const std::string& access = "access-xyz",
                        int expires_in = 600) {
  return FakeHttpClient([=](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    ++*calls;
    return Response(200,
                    R"({"access_token":")" + access +
                        R"(","issued_token_type":"urn:ietf:params:oauth:token-type:access_token",)"
                        R"("token_type":"Bearer","expires_in":)" +
                        std::to_string(expires_in) + "}");
  });
}

}  // namespace

TEST_CASE("tokenExchange: RFC 8693 form in, access token out as the password", "[exchange]") {
  TempDir tmp;
  int calls = 0;
  FakeHttpClient fake = Endpoint(&calls);
  std::string sa = ServiceAccountJwt(1700003600);
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, sa);
  auto src = MakeTokenExchangeSource(Spec(), {"registry.example/team"});
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kImage, &ctx};
  auto a = src->Answer(q, DefaultEnv());
  REQUIRE(a.ok());
  REQUIRE(a->auth.size() == 1);
  CHECK(a->auth[0].key == "registry.example/team");
  CHECK(a->auth[0].credential.username == "<token>");
  CHECK(a->auth[0].credential.password.reveal() == "access-xyz");
  CHECK(a->from_service_account);
  REQUIRE(a->expires_at.has_value());
  CHECK(*a->expires_at == kNow + seconds(600));

  REQUIRE(fake.requests.size() == 1);
  const registry::HttpRequest& r = fake.requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "https://sts.example/token-exchange");
  CHECK(r.content_type.rfind("application/x-www-form-urlencoded", 0) == 0);
  CHECK_FALSE(r.authorization.has_value());
  const std::string& body = r.body.reveal();
  CHECK(FormField(body, "grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange");
  CHECK(FormField(body, "subject_token") == sa);
  CHECK(FormField(body, "subject_token_type") == "urn:ietf:params:oauth:token-type:jwt");
  CHECK(FormField(body, "audience") == "registry.example");
  CHECK(FormField(body, "scope") == "repository:team/*:pull");

  SECTION("the next exec is answered from the token cache") {
    auto b = src->Answer(q, DefaultEnv());
    REQUIRE(b.ok());
    CHECK(b->auth[0].credential.password.reveal() == "access-xyz");
    CHECK(calls == 1);
  }
  SECTION("another service-account token is another exchange") {
    ExchangeContext other = FakeContext(fake, tmp.path(), kNow, ServiceAccountJwt(1700003601));
    CredentialQuery q2{"registry.example/team/app", CacheKeyType::kImage, &other};
    REQUIRE(src->Answer(q2, DefaultEnv()).ok());
    CHECK(calls == 2);
  }
  SECTION("an image the entry does not cover makes no request") {
    CredentialQuery q3{"other.example/team/app", CacheKeyType::kImage, &ctx};
    auto c = src->Answer(q3, DefaultEnv());
    REQUIRE(c.ok());
    CHECK(c->auth.empty());
    CHECK(calls == 1);
  }
}

TEST_CASE("tokenExchange: a request without a token fails or falls back", "[exchange]") {
  TempDir tmp;
  int calls = 0;
  FakeHttpClient fake = Endpoint(&calls);
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, "");
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kImage, &ctx};
  auto required = MakeTokenExchangeSource(Spec(), {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(required.ok());
  CHECK(required.error().message.find("no serviceAccountToken") != std::string::npos);

  TokenExchangeSourceSpec optional = Spec();
  optional.require_service_account_token = false;
  auto fallback = MakeTokenExchangeSource(optional, {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE(fallback.ok());
  CHECK(fallback->auth.empty());
  CHECK(calls == 0);
}

TEST_CASE("tokenExchange: refusals and echoes never reveal the token", "[exchange]") {
  TempDir tmp;
  std::string sa = ServiceAccountJwt(1700003600);
  auto run = [&](registry::HttpResponse answer) {
    FakeHttpClient fake(
        [&](const registry::HttpRequest&) -> Result<registry::HttpResponse> { return answer; });
    ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, sa);
    CredentialQuery q{"registry.example/team/app", CacheKeyType::kImage, &ctx};
    return MakeTokenExchangeSource(Spec(), {"registry.example"})->Answer(q, DefaultEnv());
  };
  auto refused = run(Response(400, R"({"error":"invalid_grant"})"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::kUnauthorized);
  CHECK(refused.error().message.find("refused") != std::string::npos);
  CHECK(refused.error().message.find(sa) == std::string::npos);

  auto echoed = run(Response(200, R"({"access_token":")" + sa + R"(","expires_in":600})"));
  REQUIRE_FALSE(echoed.ok());
  CHECK(echoed.error().message.find("refusing to echo") != std::string::npos);
  CHECK(echoed.error().message.find(sa) == std::string::npos);

  auto broken = run(Response(200, "not json " + sa));
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.find(sa) == std::string::npos);

  auto down = run(Response(503, ""));
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == ErrorKind::kNetwork);
}

TEST_CASE("cacheDuration: expiry minus a margin, whole seconds, 0s when expired", "[exchange]") {
  auto t0 = kNow;
  // 600 s lifetime: margin 60 s.
  CHECK(CacheDurationUntil(t0, t0 + seconds(600), t0) == 540 * kSecond);
  CHECK(CacheDurationUntil(t0, t0 + seconds(600), t0 + std::chrono::milliseconds(1500)) ==
        538 * kSecond);
  // Short lifetimes keep at least 10 s, long ones at most 5 min.
  CHECK(CacheDurationUntil(t0, t0 + seconds(60), t0) == 50 * kSecond);
  CHECK(CacheDurationUntil(t0, t0 + seconds(36000), t0) == (36000 - 300) * kSecond);
  CHECK(CacheDurationUntil(t0, t0 + seconds(60), t0 + seconds(55)) == 0);
  CHECK(CacheDurationUntil(t0, t0 + seconds(60), t0 + seconds(3600)) == 0);
}

TEST_CASE("tokenExchange through Resolve: cacheDuration follows the token", "[exchange]") {
  TempDir tmp;
  Config config;
  config.state_dir = tmp.path();
  RegistryEntry e;
  e.match = {"registry.example"};
  e.cache_key_type = CacheKeyType::kImage;
  e.cache_duration = kHour;
  e.source = Spec();
  config.registries.push_back(e);
  CredentialProviderRequest req;
  req.image = "registry.example/team/app";
  std::string sa = ServiceAccountJwt(1700003600);
  req.service_account_token = Secret(sa);

  int calls = 0;
  auto resolve = [&](int expires_in, system_clock::time_point now) {
    FakeHttpClient fake = Endpoint(&calls, "acc", expires_in);
    ExchangeContext ctx = FakeContext(fake, tmp.path() + "/" + std::to_string(calls), now, sa);
    return Resolve(config, req, DefaultEnv(), ResolveOptions{&ctx, nullptr});
  };
  auto r = resolve(600, kNow);
  REQUIRE(r.ok());
  REQUIRE(r->cache_duration.has_value());
  CHECK(*r->cache_duration == 540 * kSecond);
  std::string json = EncodeResponse(*r);
  CHECK(json.find(R"("cacheDuration":"9m")") != std::string::npos);
  CHECK(json.find(sa) == std::string::npos);

  // An already expired answer (issued_at in the past): "0s", present in the response.
  FakeHttpClient stale([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return Response(200,
                    R"({"access_token":"acc","expires_in":60,"issued_at":"2023-11-14T21:00:00Z"})");
  });
  ExchangeContext ctx = FakeContext(stale, tmp.path() + "/stale", kNow, sa);
  auto s = Resolve(config, req, DefaultEnv(), ResolveOptions{&ctx, nullptr});
  REQUIRE(s.ok());
  REQUIRE(s->cache_duration.has_value());
  CHECK(*s->cache_duration == 0);
  CHECK(EncodeResponse(*s).find(R"("cacheDuration":"0s")") != std::string::npos);
}
