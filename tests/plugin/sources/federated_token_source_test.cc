// federatedToken against a scripted Quay-style federation endpoint: Basic <robot>:<token> in,
// the answer's `token` out under the robot's name, cached, with the token's own expiry.
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "plugin/config/config.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"
#include "registry/token_flow.h"
#include "tests/support/exchange_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);

FederatedTokenSourceSpec Spec() {
  return FederatedTokenSourceSpec{"https://quay.example/oauth2/federation/robot/token",
                                  "org+puller"};
}

}  // namespace

TEST_CASE("federatedToken: Basic robot:serviceAccountToken, token out", "[federated]") {
  TempDir tmp;
  std::string sa = ServiceAccountJwt(1700003600);
  std::string issued = ServiceAccountJwt(1700001800);  // a JWT answer with its own exp
  FakeHttpClient fake([&](const registry::HttpRequest& r) -> Result<registry::HttpResponse> {
    if (r.authorization != registry::BasicAuthorization("org+puller", Secret(sa))) {
      return Response(401, R"({"error":"bad"})");
    }
    return Response(200, R"({"token":")" + issued + R"("})");
  });
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, sa);
  auto src = MakeFederatedTokenSource(Spec(), {"quay.example"});
  CredentialQuery q{"quay.example/org/app", CacheKeyType::kImage, &ctx};
  auto a = src->Answer(q, DefaultEnv());
  REQUIRE(a.ok());
  REQUIRE(a->auth.size() == 1);
  CHECK(a->auth[0].key == "quay.example");
  CHECK(a->auth[0].credential.username == "org+puller");
  CHECK(a->auth[0].credential.password.reveal() == issued);
  CHECK(a->from_service_account);
  CHECK(*a->expires_at == kNow + seconds(1800));
  REQUIRE(fake.requests.size() == 1);
  CHECK(fake.requests[0].method == "GET");
  CHECK(fake.requests[0].url == Spec().endpoint);

  REQUIRE(src->Answer(q, DefaultEnv()).ok());
  CHECK(fake.requests.size() == 1);  // cached
}

TEST_CASE("federatedToken: expires_in wins, refusals and missing tokens", "[federated]") {
  TempDir tmp;
  std::string sa = ServiceAccountJwt(1700003600);
  FakeHttpClient fake([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return Response(200, R"({"token":"opaque-token","expires_in":900})");
  });
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow, sa);
  CredentialQuery q{"quay.example/org/app", CacheKeyType::kImage, &ctx};
  auto a = MakeFederatedTokenSource(Spec(), {"quay.example"})->Answer(q, DefaultEnv());
  REQUIRE(a.ok());
  CHECK(*a->expires_at == kNow + seconds(900));

  FakeHttpClient refuse([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return Response(401, R"({"error":"invalid federation token"})");
  });
  ExchangeContext ctx2 = FakeContext(refuse, tmp.path() + "/2", kNow, sa);
  q.exchange = &ctx2;
  auto r = MakeFederatedTokenSource(Spec(), {"quay.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kUnauthorized);
  CHECK(r.error().message.find(sa) == std::string::npos);

  ExchangeContext ctx3 = FakeContext(fake, tmp.path() + "/3", kNow, "");
  q.exchange = &ctx3;
  auto none = MakeFederatedTokenSource(Spec(), {"quay.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("no serviceAccountToken") != std::string::npos);
}
