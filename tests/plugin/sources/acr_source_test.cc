// The acr source against scripted Azure endpoints: which identity answers (node managed identity
// through IMDS, or the pod's workload identity through an Entra ID client assertion), the requests
// each path makes and in which order, the refresh token handed to kubelet, the token cache keyed
// by the identity, and every refusal as one line without a secret.
#include <catch2/catch.hpp>
#include <filesystem>

#include "base/env_posix.h"
#include "plugin/answer/resolve.h"
#include "plugin/ops/metrics.h"
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
constexpr const char* kRegistry = "myregistry.azurecr.io";
constexpr const char* kImage = "myregistry.azurecr.io/team/app";
constexpr const char* kNodeTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kPodTenant = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr const char* kUserAssigned = "11111111-2222-3333-4444-555555555555";
constexpr const char* kPodClient = "99999999-8888-7777-6666-555555555555";
const std::string kImdsUrl = "http://169.254.169.254/metadata/identity/oauth2/token";
const std::string kExchangeUrl = "https://myregistry.azurecr.io/oauth2/exchange";

std::string Jwt(const nlohmann::json& claims) {
  return Base64Url(R"({"alg":"RS256","typ":"JWT"})") + "." + Base64Url(claims.dump()) + ".c2ln";
}

// Scripted IMDS, Entra ID and ACR: each answer can be replaced; every request is recorded.
struct Azure {
  std::string aad_token = Jwt(
      {{"aud", "https://containerregistry.azure.net"}, {"tid", kNodeTenant}, {"exp", 1700086400}});
  std::string refresh = Jwt({{"iss", "Azure Container Registry"}, {"exp", 1700010800}});
  registry::HttpResponse imds, entra, exchange;
  int imds_calls = 0, entra_calls = 0, exchange_calls = 0;
  FakeHttpClient fake;

  Azure()
      : fake([this](const registry::HttpRequest& r) -> Result<registry::HttpResponse> {
          if (r.url.rfind(kImdsUrl + "?", 0) == 0) {
            ++imds_calls;
            return imds;
          }
          if (r.url.find("/oauth2/v2.0/token") != std::string::npos) {
            ++entra_calls;
            return entra;
          }
          if (r.url.find("/oauth2/exchange") != std::string::npos) {
            ++exchange_calls;
            return exchange;
          }
          return Response(404, "");
        }) {
    imds = Response(200, R"({"access_token":")" + aad_token +
                             R"(","expires_in":"86399","token_type":"Bearer"})");
    entra = Response(
        200, R"({"token_type":"Bearer","expires_in":3599,"access_token":")" + aad_token + R"("})");
    exchange = Response(200, R"({"refresh_token":")" + refresh + R"("})");
  }

  ExchangeContext Context(const std::string& state, const std::string& sa = "",
                          std::map<std::string, std::string> annotations = {}) {
    ExchangeContext c = FakeContext(fake, state, kNow, sa);
    c.service_account_annotations = std::move(annotations);
    c.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    return c;
  }
};

// Token files in <state>/tokens (lock files aside).
int TokenFiles(const std::string& state) {
  int n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(state + "/tokens", ec)) {
    if (f.path().extension() == ".json") ++n;
  }
  return n;
}

AcrSourceSpec Spec() {
  return AcrSourceSpec{};
}

std::map<std::string, std::string> PodAnnotations(bool tenant = true) {
  std::map<std::string, std::string> a = {{"azure.workload.identity/client-id", kPodClient}};
  if (tenant) a["azure.workload.identity/tenant-id"] = kPodTenant;
  return a;
}

Result<SourceAnswer> Ask(const AcrSourceSpec& spec, ExchangeContext& ctx,
                         const std::string& image = kImage) {
  CredentialQuery q{image, CacheKeyType::kRegistry, &ctx};
  return MakeAcrSource(spec, {"*.azurecr.io"})->Answer(q, DefaultEnv());
}

}  // namespace

TEST_CASE("acr node identity: IMDS, then the exchange; the refresh token for the registry",
          "[acr]") {
  TempDir tmp;
  Azure az;
  ExchangeContext ctx = az.Context(tmp.path());
  CurrentRunCounters() = RunCounters{};
  auto a = Ask(Spec(), ctx);
  REQUIRE(a.ok());
  REQUIRE(a->auth.size() == 1);
  CHECK(a->auth[0].key == kRegistry);  // the registry, not the wider pattern
  CHECK(a->auth[0].credential.username == kAcrUser);
  CHECK(a->auth[0].credential.password.reveal() == az.refresh);
  CHECK_FALSE(a->from_service_account);
  CHECK(a->identity == "node managed identity (system-assigned)");
  CHECK(a->issued_at == kNow);
  CHECK(a->expires_at == system_clock::from_time_t(1700010800));  // the refresh token's exp

  // One cold exec: exactly two requests, in this order and form.
  REQUIRE(az.fake.requests.size() == 2);
  const registry::HttpRequest& imds = az.fake.requests[0];
  CHECK(imds.method == "GET");
  CHECK(imds.url ==
        kImdsUrl + "?api-version=2018-02-01&resource=https%3A%2F%2Fcontainerregistry.azure.net");
  CHECK(imds.headers[0] == std::make_pair(std::string("Metadata"), std::string("true")));
  const registry::HttpRequest& ex = az.fake.requests[1];
  CHECK(ex.method == "POST");
  CHECK(ex.url == kExchangeUrl);
  CHECK(FormField(ex.body.reveal(), "grant_type") == "access_token");
  CHECK(FormField(ex.body.reveal(), "service") == kRegistry);
  CHECK(FormField(ex.body.reveal(), "tenant") == kNodeTenant);  // the token's tid
  CHECK(FormField(ex.body.reveal(), "access_token") == az.aad_token);
  CHECK(CurrentRunCounters().token_requests == 2);

  SECTION("the next exec is answered from the token cache") {
    CurrentRunCounters() = RunCounters{};
    auto b = Ask(Spec(), ctx);
    REQUIRE(b.ok());
    CHECK(b->auth[0].credential.password.reveal() == az.refresh);
    CHECK(az.fake.requests.size() == 2);
    CHECK(CurrentRunCounters().token_cache_hits == 1);
    CHECK(CurrentRunCounters().token_requests == 0);
  }
  SECTION("another registry: its own exchange, the cached Entra ID token") {
    auto b = Ask(Spec(), ctx, "other.azurecr.io/team/app");
    REQUIRE(b.ok());
    CHECK(b->auth[0].key == "other.azurecr.io");
    CHECK(az.imds_calls == 1);
    CHECK(az.exchange_calls == 2);
    CHECK(az.fake.requests.back().url == "https://other.azurecr.io/oauth2/exchange");
  }
  SECTION("doctor's fresh run asks IMDS and ACR again") {
    ctx.fresh = true;
    REQUIRE(Ask(Spec(), ctx).ok());
    CHECK(az.imds_calls == 2);
    CHECK(az.exchange_calls == 2);
  }
  SECTION("a failed fresh run keeps the cached refresh token for kubelet's execs") {
    az.exchange = Response(401, "{}");
    ctx.fresh = true;
    REQUIRE_FALSE(Ask(Spec(), ctx).ok());
    ctx.fresh = false;
    auto again = Ask(Spec(), ctx);
    REQUIRE(again.ok());
    CHECK(again->auth[0].credential.password.reveal() == az.refresh);
    CHECK(az.exchange_calls == 2);  // the first exec's and the failed fresh one's
  }
  SECTION("a user-assigned identity is another identity with its own tokens") {
    AcrSourceSpec user = Spec();
    user.client_id = kUserAssigned;
    user.tenant_id = kPodTenant;
    auto b = Ask(user, ctx);
    REQUIRE(b.ok());
    CHECK(b->identity == std::string("node managed identity (client id ") + kUserAssigned + ")");
    REQUIRE(az.fake.requests.size() == 4);
    CHECK(az.fake.requests[2].url ==
          kImdsUrl +
              "?api-version=2018-02-01&resource=https%3A%2F%2Fcontainerregistry.azure.net"
              "&client_id=" +
              kUserAssigned);
    CHECK(FormField(az.fake.requests[3].body.reveal(), "tenant") == kPodTenant);  // configured
  }
}

TEST_CASE("acr workload identity: the pod's token as client assertion, then the exchange",
          "[acr]") {
  TempDir tmp;
  Azure az;
  std::string sa = ServiceAccountJwt(1700003600, "team", "puller");
  ExchangeContext ctx = az.Context(tmp.path(), sa, PodAnnotations());
  auto a = Ask(Spec(), ctx);
  REQUIRE(a.ok());
  CHECK(a->from_service_account);
  CHECK(a->identity == std::string("workload identity (client id ") + kPodClient + ", tenant " +
                           kPodTenant + ") of service account team/puller");
  CHECK(a->auth[0].credential.username == kAcrUser);
  CHECK(a->auth[0].credential.password.reveal() == az.refresh);
  CHECK(az.imds_calls == 0);

  REQUIRE(az.fake.requests.size() == 2);
  const registry::HttpRequest& entra = az.fake.requests[0];
  CHECK(entra.method == "POST");
  CHECK(entra.url ==
        std::string("https://login.microsoftonline.com/") + kPodTenant + "/oauth2/v2.0/token");
  const std::string& form = entra.body.reveal();
  CHECK(FormField(form, "grant_type") == "client_credentials");
  CHECK(FormField(form, "client_id") == kPodClient);
  CHECK(FormField(form, "client_assertion_type") ==
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  CHECK(FormField(form, "client_assertion") == sa);
  CHECK(FormField(form, "scope") == "https://containerregistry.azure.net/.default");
  const registry::HttpRequest& ex = az.fake.requests[1];
  CHECK(FormField(ex.body.reveal(), "tenant") == kPodTenant);
  CHECK(FormField(ex.body.reveal(), "service") == kRegistry);

  SECTION("the same pod token again: the cache answers") {
    REQUIRE(Ask(Spec(), ctx).ok());
    CHECK(az.fake.requests.size() == 2);
  }
  SECTION("another pod token is another identity: nothing shared") {
    ExchangeContext other =
        az.Context(tmp.path(), ServiceAccountJwt(1700003600, "team", "other"), PodAnnotations());
    REQUIRE(Ask(Spec(), other).ok());
    CHECK(az.entra_calls == 2);
    CHECK(az.exchange_calls == 2);
  }
  SECTION("the node identity does not get the pod's refresh token") {
    ExchangeContext node = az.Context(tmp.path());
    REQUIRE(Ask(Spec(), node).ok());
    CHECK(az.imds_calls == 1);
    CHECK(az.exchange_calls == 2);
  }
}

TEST_CASE("acr workload identity: tenant, authority and annotations", "[acr]") {
  TempDir tmp;
  Azure az;
  std::string sa = ServiceAccountJwt(1700003600);
  AcrSourceSpec spec = Spec();
  spec.tenant_id = "contoso.onmicrosoft.com";

  SECTION("no tenant annotation: the configured tenant") {
    ExchangeContext ctx = az.Context(tmp.path(), sa, PodAnnotations(false));
    REQUIRE(Ask(spec, ctx).ok());
    CHECK(az.fake.requests[0].url ==
          "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
  }
  SECTION("AZURE_AUTHORITY_HOST, trailing slash and all") {
    ExchangeContext ctx = az.Context(tmp.path(), sa, PodAnnotations());
    ctx.getenv = [](const std::string& name) -> std::optional<std::string> {
      if (name == "AZURE_AUTHORITY_HOST") return "https://login.microsoftonline.us/";
      return std::nullopt;
    };
    REQUIRE(Ask(spec, ctx).ok());
    CHECK(az.fake.requests[0].url ==
          std::string("https://login.microsoftonline.us/") + kPodTenant + "/oauth2/v2.0/token");
  }
  SECTION("cloud-provider-azure's ACR annotations win over workload identity's") {
    auto annotations = PodAnnotations();
    annotations["kubernetes.azure.com/acr-client-id"] = kUserAssigned;
    ExchangeContext ctx = az.Context(tmp.path(), sa, annotations);
    REQUIRE(Ask(spec, ctx).ok());
    CHECK(FormField(az.fake.requests[0].body.reveal(), "client_id") == kUserAssigned);
  }
  SECTION("no tenant anywhere") {
    ExchangeContext ctx = az.Context(tmp.path(), sa, PodAnnotations(false));
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find("no tenant for the workload identity") != std::string::npos);
    CHECK(az.fake.requests.empty());
  }
  SECTION("annotation values are checked before they reach a URL or a form") {
    auto bad_client = PodAnnotations();
    bad_client["azure.workload.identity/client-id"] = "x&scope=evil";
    ExchangeContext c1 = az.Context(tmp.path(), sa, bad_client);
    auto a = Ask(spec, c1);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find("azure.workload.identity/client-id annotation") !=
          std::string::npos);
    auto bad_tenant = PodAnnotations();
    bad_tenant["azure.workload.identity/tenant-id"] = "../../evil";
    ExchangeContext c2 = az.Context(tmp.path(), sa, bad_tenant);
    auto b = Ask(spec, c2);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().message.find("is not a tenant id") != std::string::npos);
    CHECK(az.fake.requests.empty());
  }
}

TEST_CASE("acr: which identity when the pod brings none", "[acr]") {
  TempDir tmp;
  Azure az;
  std::string sa = ServiceAccountJwt(1700003600);
  SECTION("a token without the annotation: the node identity") {
    ExchangeContext ctx = az.Context(tmp.path(), sa, {});
    auto a = Ask(Spec(), ctx);
    REQUIRE(a.ok());
    CHECK_FALSE(a->from_service_account);
    CHECK(az.imds_calls == 1);
    CHECK(az.entra_calls == 0);
  }
  SECTION("an annotation without a token: the node identity") {
    ExchangeContext ctx = az.Context(tmp.path(), "", PodAnnotations());
    REQUIRE(Ask(Spec(), ctx).ok());
    CHECK(az.imds_calls == 1);
  }
  SECTION("requireServiceAccountToken: true refuses both, before any request") {
    AcrSourceSpec strict = Spec();
    strict.require_service_account_token = true;
    ExchangeContext no_token = az.Context(tmp.path());
    auto a = Ask(strict, no_token);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find("no serviceAccountToken") != std::string::npos);
    ExchangeContext no_annotation = az.Context(tmp.path(), sa, {});
    auto b = Ask(strict, no_annotation);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().message.find("no azure.workload.identity/client-id annotation") !=
          std::string::npos);
    CHECK(b.error().message.find(sa) == std::string::npos);
    CHECK(az.fake.requests.empty());
  }
}

TEST_CASE("acr: registries that are not ACR need an exchangeEndpoint", "[acr]") {
  TempDir tmp;
  Azure az;
  ExchangeContext ctx = az.Context(tmp.path());
  CredentialQuery q{"registry.example/team/app", CacheKeyType::kRegistry, &ctx};
  auto a = MakeAcrSource(Spec(), {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message.find("not an Azure Container Registry login server") !=
        std::string::npos);
  CHECK(az.fake.requests.empty());  // not even IMDS: no token is made for nowhere

  AcrSourceSpec pe = Spec();
  pe.exchange_endpoint = "https://acr-pe.example/oauth2/exchange";
  auto b = MakeAcrSource(pe, {"registry.example"})->Answer(q, DefaultEnv());
  REQUIRE(b.ok());
  CHECK(b->auth[0].key == "registry.example");
  CHECK(az.fake.requests.back().url == "https://acr-pe.example/oauth2/exchange");
  CHECK(FormField(az.fake.requests.back().body.reveal(), "service") == "registry.example");
}

TEST_CASE("acr: refusals are one line, with Azure's reason and without a secret", "[acr]") {
  TempDir tmp;
  Azure az;
  std::string sa = ServiceAccountJwt(1700003600);

  SECTION("IMDS: identity not found") {
    az.imds =
        Response(400, R"({"error":"invalid_request","error_description":"Identity not found"})");
    ExchangeContext ctx = az.Context(tmp.path());
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kUnauthorized);
    CHECK(a.error().message ==
          "acr: Azure IMDS (169.254.169.254) refused a token for the node managed identity "
          "(system-assigned) (HTTP 400: invalid_request: Identity not found)");
    CHECK(az.exchange_calls == 0);
  }
  SECTION("IMDS unreachable keeps the transport's kind (staleIfError may answer)") {
    FakeHttpClient down([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
      return MakeError(ErrorKind::kNetwork, "http://169.254.169.254/...: Couldn't connect");
    });
    ExchangeContext ctx = FakeContext(down, tmp.path(), kNow);
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kNetwork);
    CHECK(a.error().message.rfind("acr: Azure IMDS (169.254.169.254) gave no token", 0) == 0);
  }
  SECTION("Entra ID: AADSTS70021") {
    az.entra = Response(
        400, R"({"error":"invalid_request","error_description":"AADSTS70021: No matching )"
             R"(federated identity record found for presented assertion.\r\nTrace ID: 1"})");
    ExchangeContext ctx = az.Context(tmp.path(), sa, PodAnnotations());
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kUnauthorized);
    CHECK(a.error().message.find("refused the service-account token of the workload identity") !=
          std::string::npos);
    CHECK(a.error().message.find("AADSTS70021: No matching federated identity record") !=
          std::string::npos);
    CHECK(a.error().message.find("Trace ID") == std::string::npos);
    CHECK(a.error().message.find(sa) == std::string::npos);
  }
  SECTION("Entra ID echoing the assertion in its error") {
    az.entra =
        Response(401, R"({"error":"invalid_client","error_description":"bad )" + sa + R"("})");
    ExchangeContext ctx = az.Context(tmp.path(), sa, PodAnnotations());
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find(sa) == std::string::npos);
    CHECK(a.error().message.find("<redacted>") != std::string::npos);
  }
  SECTION("ACR exchange 401") {
    az.exchange = Response(
        401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})");
    ExchangeContext ctx = az.Context(tmp.path());
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kUnauthorized);
    CHECK(a.error().message ==
          "acr: the exchange at https://myregistry.azurecr.io/oauth2/exchange refused the Entra "
          "ID token of the node managed identity (system-assigned) (HTTP 401: UNAUTHORIZED: "
          "authentication required)");
    CHECK(a.error().message.find(az.aad_token) == std::string::npos);
    CHECK(az.imds_calls == 1);  // the Entra ID token was fresh: no second try
    // A failed exec stores nothing: the Entra ID token is kept only once it bought a refresh token.
    CHECK(TokenFiles(tmp.path()) == 0);
    CHECK(Ask(Spec(), ctx).error().kind == ErrorKind::kUnauthorized);
    CHECK(az.imds_calls == 2);
  }
  SECTION("ACR exchange 401 with a cached Entra ID token: one retry with a fresh one") {
    ExchangeContext ctx = az.Context(tmp.path());
    REQUIRE(Ask(Spec(), ctx, "other.azurecr.io/x").ok());  // caches the Entra ID token
    CHECK(TokenFiles(tmp.path()) == 2);                    // it and the refresh token
    az.exchange = Response(401, "{}");
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(az.imds_calls == 2);
    CHECK(az.exchange_calls == 3);
    // The refused cached token is dropped; the fresh one, refused too, was never stored.
    CHECK(TokenFiles(tmp.path()) == 1);
  }
  SECTION("ACR answers without a refresh token, or with the pod's token") {
    az.exchange = Response(200, R"({"access_token":"x"})");
    ExchangeContext ctx = az.Context(tmp.path());
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find("holds no refresh_token") != std::string::npos);
    az.exchange = Response(200, R"({"refresh_token":")" + sa + R"("})");
    ExchangeContext pod = az.Context(tmp.path(), sa, PodAnnotations());
    auto b = Ask(Spec(), pod);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().message.find("refusing to echo") != std::string::npos);
    CHECK(b.error().message.find(sa) == std::string::npos);
  }
  SECTION("a 5xx storm is a network failure, not a refusal") {
    az.exchange = Response(503, "");
    ExchangeContext ctx = az.Context(tmp.path());
    auto a = Ask(Spec(), ctx);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kNetwork);
  }
}

TEST_CASE("acr through Resolve: cacheDuration from the refresh token's exp", "[acr]") {
  TempDir tmp;
  Azure az;
  Config config;
  config.state_dir = tmp.path();
  RegistryEntry e;
  e.match = {"*.azurecr.io"};
  e.cache_duration = 12 * kHour;
  e.source = Spec();
  config.registries.push_back(e);
  CredentialProviderRequest req;
  req.image = kImage;
  ExchangeContext ctx = az.Context(tmp.path());
  auto r = Resolve(config, req, DefaultEnv(), ResolveOptions{&ctx, nullptr});
  REQUIRE(r.ok());
  REQUIRE(r->auth.size() == 1);
  CHECK(r->auth[0].key == kRegistry);
  // exp in 3 h, margin 5 min: 2h55m.
  REQUIRE(r->cache_duration.has_value());
  CHECK(*r->cache_duration == (3 * 3600 - 300) * kSecond);
  CHECK(EncodeResponse(*r).find(R"("username":"00000000-0000-0000-0000-000000000000")") !=
        std::string::npos);
}
