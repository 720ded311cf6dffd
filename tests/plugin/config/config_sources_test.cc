// Decoding of tokenExchange, refreshToken, federatedToken and verify in PullguardConfig: values,
// defaults, and one clear problem per mistake.
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "plugin/config/config.h"
#include "tests/support/run.h"

using namespace pullguard;

namespace {

const std::string kHead = "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nregistries:\n";

void OneProblem(const std::string& entry, const std::string& needle) {
  ConfigDecode d = DecodeConfig(kHead + entry);
  std::string all;
  for (const std::string& p : d.problems) all += p + "\n";
  INFO(entry << "problems:\n" << all);
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0].find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("config: the exchange sources decode with their defaults", "[config_sources]") {
  ConfigDecode d = DecodeConfig(kHead + R"(  - match: [a.io]
    verify: true
    tokenExchange:
      endpoint: https://sts.a.io/exchange
      username: "<token>"
      audience: a.io
      scope: "repository:x:pull"
  - match: [b.io]
    tokenExchange: {endpoint: "https://sts.b.io/x", username: u, requireServiceAccountToken: "false"}
  - match: [c.io]
    refreshToken: {username: robot, passwordFile: /etc/pg/robot.pw, lifetime: 3h}
  - match: [d.io]
    verify: false
    federatedToken: {endpoint: https://d.io/oauth2/federation/robot/token, robot: org+bot}
)");
  INFO(d.problems.size());
  REQUIRE(d.ok());
  const auto& r = d.config.registries;
  REQUIRE(r.size() == 4);
  CHECK(r[0].verify);
  auto* te = std::get_if<TokenExchangeSourceSpec>(&r[0].source);
  REQUIRE(te != nullptr);
  CHECK(te->endpoint == "https://sts.a.io/exchange");
  CHECK(te->username == "<token>");
  CHECK(te->audience == "a.io");
  CHECK(te->scope == "repository:x:pull");
  CHECK(te->require_service_account_token);
  CHECK_FALSE(std::get<TokenExchangeSourceSpec>(r[1].source).require_service_account_token);
  CHECK_FALSE(r[1].verify);
  auto* rt = std::get_if<RefreshTokenSourceSpec>(&r[2].source);
  REQUIRE(rt != nullptr);
  CHECK(rt->login.username == "robot");
  CHECK(rt->login.password_file == "/etc/pg/robot.pw");
  CHECK(rt->lifetime == 3 * kHour);
  CHECK(rt->realm.empty());
  auto* ft = std::get_if<FederatedTokenSourceSpec>(&r[3].source);
  REQUIRE(ft != nullptr);
  CHECK(ft->robot == "org+bot");
  CHECK_FALSE(r[3].verify);
}

TEST_CASE("config: exchange source mistakes are named one per line", "[config_sources]") {
  OneProblem("  - match: [a.io]\n    tokenExchange: {username: u}\n",
             "registries[0].tokenExchange.endpoint: is required");
  OneProblem("  - match: [a.io]\n    tokenExchange: {endpoint: ftp://x, username: u}\n",
             "registries[0].tokenExchange.endpoint: not an absolute http(s) URL");
  OneProblem("  - match: [a.io]\n    tokenExchange: {endpoint: \"https://u:p@x\", username: u}\n",
             "must not contain credentials");
  OneProblem("  - match: [a.io]\n    tokenExchange: {endpoint: https://x}\n",
             "registries[0].tokenExchange.username: is required");
  OneProblem(
      "  - match: [a.io]\n    tokenExchange: {endpoint: https://x, username: u, "
      "requireServiceAccountToken: maybe}\n",
      "requireServiceAccountToken: must be true or false");
  OneProblem("  - match: [a.io]\n    tokenExchange: https://x\n",
             "registries[0].tokenExchange: must be a map");
  OneProblem("  - match: [a.io]\n    refreshToken: {username: u}\n",
             "registries[0].refreshToken: needs password or passwordFile");
  OneProblem("  - match: [a.io]\n    refreshToken: {username: u, passwordFile: rel.pw}\n",
             "refreshToken.passwordFile: must be an absolute path");
  OneProblem("  - match: [a.io]\n    refreshToken: {username: u, password: p, lifetime: 30s}\n",
             "refreshToken.lifetime: \"30s\" is shorter than 1m");
  OneProblem("  - match: [a.io]\n    federatedToken: {endpoint: https://x, robot: \"a:b\"}\n",
             "federatedToken.robot: must not contain ':'");
  OneProblem("  - match: [a.io]\n    federatedToken: {endpoint: https://x, robot: r, extra: 1}\n",
             "registries[0].federatedToken: unknown field \"extra\"");
  OneProblem(
      "  - match: [a.io]\n    federatedToken: {endpoint: https://x, robot: r}\n"
      "    static: {username: u, password: p}\n",
      "registries[0]: more than one credential source");
}

TEST_CASE("config: an inline refreshToken password needs a private config file",
          "[config_sources]") {
  testing::TempDir tmp;
  std::string text = kHead + "  - match: [a.io]\n    refreshToken: {username: u, password: p}\n";
  std::string open = tmp.Write("open.yaml", text, 0644);
  ConfigDecode d = LoadConfig(open, DefaultEnv());
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0].find("holds an inline password") != std::string::npos);
  CHECK(LoadConfig(tmp.Write("private.yaml", text, 0600), DefaultEnv()).ok());
}

TEST_CASE("config: gcp decodes with its defaults", "[config_sources][gcp]") {
  ConfigDecode d = DecodeConfig(kHead + R"(  - match: ["*-docker.pkg.dev", gcr.io, "*.gcr.io"]
    gcp: {}
  - match: ["europe-docker.pkg.dev"]
    verify: true
    gcp:
      workloadIdentityProvider: //iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/k8s-1
      serviceAccountAnnotation: example.com/Google-Account
      stsEndpoint: https://sts.private.example:8443/
      iamCredentialsEndpoint: http://127.0.0.1:7002
      requireServiceAccountToken: true
)");
  INFO(d.problems.size());
  REQUIRE(d.ok());
  const auto& r = d.config.registries;
  auto* node = std::get_if<GcpSourceSpec>(&r[0].source);
  REQUIRE(node != nullptr);
  CHECK(node->workload_identity_provider.empty());
  CHECK(node->service_account_annotation == "iam.gke.io/gcp-service-account");
  CHECK(node->sts_endpoint.empty());
  CHECK(node->iam_credentials_endpoint.empty());
  CHECK_FALSE(node->require_service_account_token);
  auto* pod = std::get_if<GcpSourceSpec>(&r[1].source);
  REQUIRE(pod != nullptr);
  CHECK(r[1].verify);
  CHECK(pod->workload_identity_provider ==
        "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/"
        "k8s-1");
  CHECK(pod->service_account_annotation == "example.com/Google-Account");
  CHECK(pod->sts_endpoint == "https://sts.private.example:8443");  // the base, normalised
  CHECK(pod->iam_credentials_endpoint == "http://127.0.0.1:7002");
  CHECK(pod->require_service_account_token);
}

TEST_CASE("config: gcp mistakes are named one per line", "[config_sources][gcp]") {
  const std::string e = "  - match: [gcr.io]\n    gcp: ";
  OneProblem(e + "{workloadIdentityProvider: projects/123/pools/x}\n",
             "registries[0].gcp.workloadIdentityProvider: \"projects/123/pools/x\" is not a "
             "provider name; want //iam.googleapis.com/projects/<project number>/");
  // A project ID where the number belongs, an upper-case pool, a trailing part.
  for (std::string bad :
       {"//iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/p/"
        "providers/k",
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/Pool/providers/k",
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k/x",
        "https://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/"
        "providers/k"}) {
    OneProblem(e + "{workloadIdentityProvider: \"" + bad + "\"}\n", "is not a provider name");
  }
  OneProblem(e + "{serviceAccountAnnotation: \"not a key\"}\n",
             "registries[0].gcp.serviceAccountAnnotation: \"not a key\" is not an annotation key");
  OneProblem(e + "{serviceAccountAnnotation: \"\"}\n",
             "registries[0].gcp.serviceAccountAnnotation: is empty");
  OneProblem(e + "{stsEndpoint: https://sts.example/v1/token}\n",
             "registries[0].gcp.stsEndpoint: must be a base URL (scheme://host[:port])");
  OneProblem(e + "{stsEndpoint: \"https://sts.example/?x=1\"}\n", "must be a base URL");
  OneProblem(e + "{iamCredentialsEndpoint: http://iam.example}\n",
             "registries[0].gcp.iamCredentialsEndpoint: plain http is allowed only to a loopback "
             "host; use https");
  OneProblem(e + "{iamCredentialsEndpoint: \"https://u:p@iam.example\"}\n",
             "must not contain credentials");
  OneProblem(e + "{stsEndpoint: ftp://x}\n", "gcp.stsEndpoint: not an absolute http(s) URL");
  OneProblem(e + "{requireServiceAccountToken: true}\n",
             "gcp.requireServiceAccountToken: needs workloadIdentityProvider");
  OneProblem(e + "{requireServiceAccountToken: yes}\n",
             "gcp.requireServiceAccountToken: must be true or false");
  OneProblem(e + "{project: x}\n", "registries[0].gcp: unknown field \"project\"");
  OneProblem(e + "x\n", "registries[0].gcp: must be a map");
  OneProblem(e + "{}\n    static: {username: u, password: p}\n",
             "registries[0]: more than one credential source");
}

TEST_CASE("config: the acr source decodes; Azure's own rules are the source's",
          "[config_sources]") {
  ConfigDecode d =
      DecodeConfig(kHead + R"(  - match: ["*.azurecr.io", "*.azurecr.cn", "*.azurecr.us"]
    acr: {}
  - match: ["*.azurecr.io"]
    acr:
      clientId: 11111111-2222-3333-4444-555555555555
      tenantId: contoso.onmicrosoft.com
      imdsEndpoint: http://127.0.0.1:8080
      exchangeEndpoint: https://acr-pe.example/oauth2/exchange
      requireServiceAccountToken: true
)");
  INFO(d.problems.size());
  REQUIRE(d.ok());
  const auto& r = d.config.registries;
  auto* plain = std::get_if<AcrSourceSpec>(&r[0].source);
  REQUIRE(plain != nullptr);
  CHECK(plain->client_id.empty());
  CHECK(plain->imds_endpoint.empty());
  CHECK_FALSE(plain->require_service_account_token);
  auto* full = std::get_if<AcrSourceSpec>(&r[1].source);
  REQUIRE(full != nullptr);
  CHECK(full->client_id == "11111111-2222-3333-4444-555555555555");
  CHECK(full->tenant_id == "contoso.onmicrosoft.com");
  CHECK(full->imds_endpoint == "http://127.0.0.1:8080");
  CHECK(full->exchange_endpoint == "https://acr-pe.example/oauth2/exchange");
  CHECK(full->require_service_account_token);

  OneProblem("  - match: [a.azurecr.io]\n    acr: {clientID: x}\n",
             "registries[0].acr: unknown field \"clientID\"");
  OneProblem("  - match: [a.azurecr.io]\n    acr: yes\n", "registries[0].acr: must be a map");
  OneProblem("  - match: [a.azurecr.io]\n    acr: {imdsEndpoint: 169.254.169.254}\n",
             "registries[0].acr.imdsEndpoint: not an absolute http(s) URL");
  OneProblem("  - match: [a.azurecr.io]\n    acr: {exchangeEndpoint: \"https://u:p@x/\"}\n",
             "registries[0].acr.exchangeEndpoint: must not contain credentials");
  OneProblem("  - match: [a.azurecr.io]\n    acr: {requireServiceAccountToken: maybe}\n",
             "registries[0].acr.requireServiceAccountToken: must be true or false");
  OneProblem("  - match: [a.azurecr.io]\n    acr: {}\n    static: {username: u, password: p}\n",
             "more than one credential source");
}
