// The gcp source against scripted Google endpoints: the exact form of each request (metadata
// token, STS exchange, generateAccessToken), the parsing of each answer, which identity answers,
// the token cache keyed by identity, and the refusals (one line, no secret). The workload identity
// cases follow kubernetes/cloud-provider-gcp's pkg/gcpcredential/gcpcredential_test.go
// (TestProvide_WorkloadIdentity, TestProvide_SelfManagedWorkloadIdentity): the STS audience is the
// provider's full name, the subject token is the pod's, a failed exchange never falls back to the
// node's account.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/env_posix.h"
#include "plugin/answer/resolve.h"
#include "plugin/config/config.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/gcp_endpoints.h"
#include "plugin/sources/source.h"
#include "tests/support/exchange_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);
const std::string kProvider =
    "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/pool-id/"
    "providers/provider-id";
const std::string kGsa = "puller@my-project.iam.gserviceaccount.com";
const std::string kMetadataUrl =
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";
const std::vector<std::string> kPatterns = {"*-docker.pkg.dev", "gcr.io", "*.gcr.io"};
const std::string kImage = "us-central1-docker.pkg.dev/my-project/my-repo/my-image";

// Answers as Google's services do; counts each kind of call.
struct Google {
  int metadata = 0, sts = 0, iam = 0;
  registry::HttpResponse metadata_answer =
      Response(200, R"({"access_token":"node-token","expires_in":3599,"token_type":"Bearer"})",
               {{"Metadata-Flavor", "Google"}});
  registry::HttpResponse sts_answer =
      Response(200, R"({"access_token":"federated-token","issued_token_type":)"
                    R"("urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer",)"
                    R"("expires_in":3600})");
  registry::HttpResponse iam_answer =
      Response(200, R"({"accessToken":"impersonated-token","expireTime":"2023-11-14T23:13:20Z"})");

  FakeHttpClient Client() {
    return FakeHttpClient([this](const registry::HttpRequest& r) -> Result<registry::HttpResponse> {
      if (r.url.find("/computeMetadata/") != std::string::npos) {
        ++metadata;
        return metadata_answer;
      }
      if (r.url.find("/v1/token") != std::string::npos) {
        ++sts;
        return sts_answer;
      }
      ++iam;
      return iam_answer;
    });
  }
};

// FakeContext plus an environment and a record of the endpoints each client was made for.
struct Ctx {
  ExchangeContext ctx;
  std::vector<registry::RegistryEndpoint> endpoints;
  std::map<std::string, std::string> env;

  Ctx(FakeHttpClient& fake, const std::string& dir, const std::string& sa = "",
      system_clock::time_point now = kNow) {
    ctx = FakeContext(fake, dir, now, sa);
    ctx.new_client = [this, &fake](const registry::RegistryEndpoint& e) {
      endpoints.push_back(e);
      return std::unique_ptr<registry::HttpClient>(new ForwardingClient(fake));
    };
    ctx.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }
};

Result<SourceAnswer> Ask(const GcpSourceSpec& spec, Ctx& c, const std::string& image = kImage) {
  CredentialQuery q{image, CacheKeyType::kImage, &c.ctx};
  return MakeGcpSource(spec, kPatterns)->Answer(q, DefaultEnv());
}

GcpSourceSpec Federation() {
  GcpSourceSpec s;
  s.workload_identity_provider = kProvider;
  return s;
}

}  // namespace

TEST_CASE("gcp node identity: one metadata GET, oauth2accesstoken, cached by identity", "[gcp]") {
  TempDir tmp;
  Google google;
  FakeHttpClient fake = google.Client();
  Ctx c(fake, tmp.path());
  auto a = Ask(GcpSourceSpec{}, c);
  REQUIRE(a.ok());
  REQUIRE(a->auth.size() == 1);  // the one pattern that applies to the image
  CHECK(a->auth[0].key == "*-docker.pkg.dev");
  CHECK(a->auth[0].credential.username == "oauth2accesstoken");
  CHECK(a->auth[0].credential.password.reveal() == "node-token");
  CHECK_FALSE(a->from_service_account);
  CHECK(a->identity == "node (metadata server metadata.google.internal, default service account)");
  REQUIRE(a->expires_at.has_value());
  CHECK(*a->expires_at == kNow + seconds(3599));

  REQUIRE(fake.requests.size() == 1);
  const registry::HttpRequest& r = fake.requests[0];
  CHECK(r.method == "GET");
  CHECK(r.url == kMetadataUrl);
  CHECK(r.headers ==
        std::vector<std::pair<std::string, std::string>>{{"Metadata-Flavor", "Google"}});
  CHECK_FALSE(r.authorization.has_value());
  CHECK_FALSE(r.credential);  // nothing secret goes to the plain-HTTP metadata server
  CHECK(r.body.empty());
  CHECK_FALSE(r.follow_redirects);
  // Plain HTTP to the metadata host for this call only, with tight time bounds.
  REQUIRE(c.endpoints.size() == 1);
  CHECK(c.endpoints[0].host == "metadata.google.internal");
  CHECK(c.endpoints[0].transport.plain_http);
  CHECK(c.endpoints[0].transport.call_budget == kMetadataCallBudget);

  SECTION("the next exec is answered from the token cache: no request") {
    auto b = Ask(GcpSourceSpec{}, c, "gcr.io/my-project/app");
    REQUIRE(b.ok());
    CHECK(b->auth[0].key == "gcr.io");
    CHECK(b->auth[0].credential.password.reveal() == "node-token");
    CHECK(google.metadata == 1);
  }
  SECTION("a pod token without a workloadIdentityProvider still gets the node's identity") {
    Ctx pod(fake, tmp.path(), ServiceAccountJwt(1700003600));
    auto b = Ask(GcpSourceSpec{}, pod);
    REQUIRE(b.ok());
    CHECK(b->auth[0].credential.password.reveal() == "node-token");
    CHECK(google.sts == 0);
  }
  SECTION("another metadata server is another identity") {
    Ctx other(fake, tmp.path());
    other.env["GCE_METADATA_HOST"] = "127.0.0.1:8080";
    REQUIRE(Ask(GcpSourceSpec{}, other).ok());
    CHECK(google.metadata == 2);
    CHECK(fake.requests.back().url ==
          "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token");
    CHECK(other.endpoints.back().host == "127.0.0.1:8080");
  }
  SECTION("an image the entry does not cover makes no request") {
    Ctx fresh(fake, tmp.path() + "/x");
    auto b = Ask(GcpSourceSpec{}, fresh, "quay.io/team/app");
    REQUIRE(b.ok());
    CHECK(b->auth.empty());
    CHECK(google.metadata == 1);
  }
}

TEST_CASE("gcp node identity: cacheDuration from expires_in with a margin", "[gcp]") {
  TempDir tmp;
  Google google;
  FakeHttpClient fake = google.Client();
  Ctx c(fake, tmp.path());
  Config config;
  config.state_dir = tmp.path();
  RegistryEntry e;
  e.match = kPatterns;
  e.cache_duration = 12 * kHour;
  e.source = GcpSourceSpec{};
  config.registries.push_back(e);
  CredentialProviderRequest req;
  req.image = kImage + ":v1";
  auto r = Resolve(config, req, DefaultEnv(), ResolveOptions{&c.ctx, nullptr});
  REQUIRE(r.ok());
  // 3599 s left, margin 10 % capped at 5 min: 3299 s. auth-provider-gcp answers 0 s.
  REQUIRE(r->cache_duration.has_value());
  CHECK(*r->cache_duration == 3299 * kSecond);
  std::string json = EncodeResponse(*r);
  CHECK(json.find(R"("cacheDuration":"54m59s")") != std::string::npos);
  CHECK(json.find(R"("username":"oauth2accesstoken")") != std::string::npos);
}

TEST_CASE("gcp per-pod identity: STS exchange of the pod's token, no impersonation", "[gcp]") {
  TempDir tmp;
  Google google;
  FakeHttpClient fake = google.Client();
  std::string sa = ServiceAccountJwt(1700003600, "team", "puller");
  Ctx c(fake, tmp.path(), sa);
  auto a = Ask(Federation(), c);
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.username == "oauth2accesstoken");
  CHECK(a->auth[0].credential.password.reveal() == "federated-token");
  CHECK(a->from_service_account);
  CHECK(a->identity == "pod team/puller (workload identity federation)");
  CHECK(*a->expires_at == kNow + seconds(3600));
  CHECK(google.metadata == 0);  // a failed or successful exchange never asks for the node's token

  REQUIRE(fake.requests.size() == 1);
  const registry::HttpRequest& r = fake.requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "https://sts.googleapis.com/v1/token");
  CHECK(r.content_type == "application/x-www-form-urlencoded");
  CHECK_FALSE(r.authorization.has_value());
  const std::string& body = r.body.reveal();
  CHECK(FormField(body, "grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange");
  CHECK(FormField(body, "audience") == kProvider);
  CHECK(FormField(body, "requested_token_type") == "urn:ietf:params:oauth:token-type:access_token");
  CHECK(FormField(body, "scope") == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(FormField(body, "subject_token") == sa);
  CHECK(FormField(body, "subject_token_type") == "urn:ietf:params:oauth:token-type:jwt");
  REQUIRE(c.endpoints.size() == 1);
  CHECK(c.endpoints[0].host == "sts.googleapis.com");
  CHECK_FALSE(c.endpoints[0].transport.plain_http);

  SECTION("cached per pod token") {
    REQUIRE(Ask(Federation(), c).ok());
    CHECK(google.sts == 1);
    Ctx other(fake, tmp.path(), ServiceAccountJwt(1700003601, "team", "other"));
    REQUIRE(Ask(Federation(), other).ok());
    CHECK(google.sts == 2);
  }
  SECTION("the node's cached token never answers for a pod, nor the pod's for the node") {
    Ctx node(fake, tmp.path());
    auto n = Ask(Federation(), node);  // no pod token, requireServiceAccountToken false
    REQUIRE(n.ok());
    CHECK(n->auth[0].credential.password.reveal() == "node-token");
    CHECK(Ask(Federation(), c)->auth[0].credential.password.reveal() == "federated-token");
    CHECK(google.metadata == 1);
    CHECK(google.sts == 1);
  }
}

TEST_CASE("gcp per-pod identity: the annotated Google service account is impersonated", "[gcp]") {
  TempDir tmp;
  Google google;
  FakeHttpClient fake = google.Client();
  std::string sa = ServiceAccountJwt(1700003600, "team", "puller");
  Ctx c(fake, tmp.path(), sa);
  c.ctx.service_account_annotations = {{"iam.gke.io/gcp-service-account", kGsa}};
  GcpSourceSpec spec = Federation();
  spec.sts_endpoint = "http://127.0.0.1:7001";
  spec.iam_credentials_endpoint = "http://127.0.0.1:7002";
  auto a = Ask(spec, c);
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "impersonated-token");
  CHECK(a->identity == "pod team/puller as " + kGsa);
  CHECK(a->from_service_account);
  // expireTime, RFC 3339: kNow + 1 h (2023-11-14T23:13:20Z).
  CHECK(*a->expires_at == kNow + seconds(3600));

  REQUIRE(fake.requests.size() == 2);
  CHECK(fake.requests[0].url == "http://127.0.0.1:7001/v1/token");
  const registry::HttpRequest& r = fake.requests[1];
  CHECK(r.method == "POST");
  CHECK(r.url ==
        "http://127.0.0.1:7002/v1/projects/-/serviceAccounts/" + kGsa + ":generateAccessToken");
  REQUIRE(r.authorization.has_value());
  CHECK(r.credential);  // the Bearer is the federated token: never in clear text off loopback
  CHECK(r.authorization->reveal() == "Bearer federated-token");
  CHECK(r.content_type == "application/json");
  auto body = nlohmann::json::parse(r.body.reveal());
  CHECK(body == nlohmann::json{{"scope", {"https://www.googleapis.com/auth/cloud-platform"}}});
  REQUIRE(c.endpoints.size() == 2);
  CHECK(c.endpoints[1].host == "127.0.0.1:7002");
  CHECK(c.endpoints[1].transport.plain_http);  // loopback only (checked when decoding)

  SECTION("another account for the same pod token is another token") {
    Ctx other(fake, tmp.path(), sa);
    other.ctx.service_account_annotations = {
        {"iam.gke.io/gcp-service-account", "other@my-project.iam.gserviceaccount.com"}};
    REQUIRE(Ask(spec, other).ok());
    CHECK(google.iam == 2);
    REQUIRE(Ask(spec, c).ok());  // and the first is still cached
    CHECK(google.iam == 2);
  }
  SECTION("a configured annotation key") {
    spec.service_account_annotation = "example.com/google-account";
    Ctx other(fake, tmp.path() + "/k", sa);
    other.ctx.service_account_annotations = {{"example.com/google-account", kGsa}};
    auto b = Ask(spec, other);
    REQUIRE(b.ok());
    CHECK(b->identity == "pod team/puller as " + kGsa);
  }
  SECTION("an expireTime beyond the 1 h asked for is clock skew: shortened") {
    google.iam_answer = Response(
        200, R"({"accessToken":"impersonated-token","expireTime":"2023-11-15T22:13:20Z"})");
    Ctx other(fake, tmp.path() + "/skew", sa);
    other.ctx.service_account_annotations = c.ctx.service_account_annotations;
    auto b = Ask(spec, other);
    REQUIRE(b.ok());
    CHECK(*b->expires_at == kNow + seconds(3600));
  }
}

TEST_CASE("gcp: requireServiceAccountToken makes a request without the pod's token fail", "[gcp]") {
  TempDir tmp;
  Google google;
  FakeHttpClient fake = google.Client();
  Ctx c(fake, tmp.path());
  GcpSourceSpec spec = Federation();
  spec.require_service_account_token = true;
  auto a = Ask(spec, c);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message.find("gcp: the request carries no serviceAccountToken") == 0);
  CHECK(fake.requests.empty());
}

TEST_CASE("gcp: refusals and broken answers are one line without a secret", "[gcp]") {
  TempDir tmp;
  std::string sa = ServiceAccountJwt(1700003600);
  auto run = [&](Google& google, bool pod, const std::string& sub) {
    FakeHttpClient fake = google.Client();
    Ctx c(fake, tmp.path() + "/" + sub, pod ? sa : "");
    c.ctx.service_account_annotations = {{"iam.gke.io/gcp-service-account", kGsa}};
    auto a = Ask(Federation(), c);
    REQUIRE_FALSE(a.ok());
    const std::string& m = a.error().message;
    INFO(m);
    CHECK(m.find('\n') == std::string::npos);
    CHECK(m.find(sa) == std::string::npos);
    CHECK(m.find("federated-token") == std::string::npos);
    CHECK(m.find("SECRET") == std::string::npos);
    return a.error();
  };
  SECTION("metadata server: no default service account") {
    Google g;
    g.metadata_answer = Response(404, "SECRET body");
    auto e = run(g, false, "m404");
    CHECK(e.kind == ErrorKind::kNotFound);
    CHECK(e.message ==
          "gcp: metadata server metadata.google.internal has no default service account for "
          "this VM (HTTP 404)");
  }
  SECTION("metadata server: refused (a proxy in between)") {
    Google g;
    g.metadata_answer = Response(403, "SECRET");
    auto e = run(g, false, "m403");
    CHECK(e.kind == ErrorKind::kUnauthorized);
    CHECK(e.message.find("NO_PROXY") != std::string::npos);
  }
  SECTION("metadata server: not a token") {
    Google g;
    g.metadata_answer = Response(200, "<html>SECRET</html>");
    auto e = run(g, false, "mhtml");
    CHECK(e.kind == ErrorKind::kCorrupt);
    CHECK(e.message.find("gcp: metadata server metadata.google.internal: ") == 0);
  }
  SECTION("metadata server: a token that would break a header") {
    Google g;
    g.metadata_answer = Response(200, R"({"access_token":"a b\r\nX: y","expires_in":3599})");
    CHECK(run(g, false, "mctl").kind == ErrorKind::kCorrupt);
  }
  SECTION("STS: invalid_grant, named, never the description") {
    Google g;
    g.sts_answer = Response(
        400, R"({"error":"invalid_grant","error_description":"SECRET token claims rejected"})");
    auto e = run(g, true, "sts400");
    CHECK(e.kind == ErrorKind::kUnauthorized);
    CHECK(e.message ==
          "gcp: STS https://sts.googleapis.com/v1/token refused the service-account token "
          "(HTTP 400): invalid_grant");
    CHECK(g.metadata == 0);  // no fall-back to the node's account (upstream's "fail fast")
  }
  SECTION("STS: an answer that echoes the pod's token") {
    Google g;
    g.sts_answer = Response(200, R"({"access_token":")" + sa + R"(","expires_in":3600})");
    CHECK(run(g, true, "echo").message.find("refusing to echo") != std::string::npos);
  }
  SECTION("IAM Credentials: 403 PERMISSION_DENIED") {
    Google g;
    g.iam_answer = Response(403, R"({"error":{"code":403,"message":"SECRET Permission denied",)"
                                 R"("status":"PERMISSION_DENIED"}})");
    auto e = run(g, true, "iam403");
    CHECK(e.kind == ErrorKind::kUnauthorized);
    CHECK(e.message ==
          "gcp: IAM Credentials https://iamcredentials.googleapis.com refused to let "
          "the pod impersonate " +
              kGsa +
              " (HTTP 403 PERMISSION_DENIED); its federated identity needs "
              "roles/iam.workloadIdentityUser on it");
  }
  SECTION("IAM Credentials: unknown account") {
    Google g;
    g.iam_answer = Response(404, R"({"error":{"status":"NOT_FOUND"}})");
    CHECK(run(g, true, "iam404").kind == ErrorKind::kNotFound);
  }
  SECTION("IAM Credentials: a hostile status is not shown") {
    Google g;
    g.iam_answer = Response(403, R"({"error":{"status":"SECRET\u001b[31m"}})");
    auto e = run(g, true, "iamhostile");
    CHECK(e.message.find("(HTTP 403);") != std::string::npos);
  }
  SECTION("IAM Credentials: answers without a usable token or expiry") {
    for (std::string body :
         {R"({"accessToken":"x"})", R"({"expireTime":"2023-11-14T23:13:20Z"})",
          R"({"accessToken":"x","expireTime":"tomorrow"})",
          R"({"accessToken":42,"expireTime":"2023-11-14T23:13:20Z"})", R"(["x"])", "SECRET"}) {
      Google g;
      g.iam_answer = Response(200, body);
      CHECK(run(g, true, "iambody" + std::to_string(body.size())).kind == ErrorKind::kCorrupt);
    }
  }
  SECTION("a hostile annotation value never reaches the URL") {
    Google g;
    FakeHttpClient fake = g.Client();
    Ctx c(fake, tmp.path() + "/ann", sa);
    c.ctx.service_account_annotations = {{"iam.gke.io/gcp-service-account", "../../v1/x?SECRET#"}};
    auto a = Ask(Federation(), c);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message ==
          "gcp: the service account's annotation \"iam.gke.io/gcp-service-account\" is not a "
          "Google service account email or unique ID");
    CHECK(fake.requests.empty());
  }
  SECTION("GCE_METADATA_HOST must be a host[:port]") {
    for (std::string bad : {"evil.example/x", "user@host", "host?x", "host:99999", "ho st"}) {
      Google g;
      FakeHttpClient fake = g.Client();
      Ctx c(fake, tmp.path() + "/env");
      c.env["GCE_METADATA_HOST"] = bad;
      auto a = Ask(GcpSourceSpec{}, c);
      REQUIRE_FALSE(a.ok());
      CHECK(a.error().message.find("gcp: GCE_METADATA_HOST") == 0);
      CHECK(fake.requests.empty());
    }
  }
}
