// The acr source's endpoint decisions: which hosts are ACR login servers (cloud-provider-azure's
// vectors), what a client id and a tenant may look like, and where each request may go in clear
// text (only loopback, and 169.254.169.254:80 for the IMDS call).
#include <catch2/catch.hpp>

#include "plugin/sources/acr_endpoints.h"

using namespace pullguard;

namespace {

AcrSourceSpec Spec(std::string imds = "", std::string exchange = "") {
  AcrSourceSpec s;
  s.imds_endpoint = std::move(imds);
  s.exchange_endpoint = std::move(exchange);
  return s;
}

}  // namespace

TEST_CASE("acr: ACR login servers by name", "[acr]") {
  // The login-server cases of cloud-provider-azure's TestParseACRLoginServerFromImage
  // (pkg/credentialprovider/azure_credentials_test.go), on the registry part of each image.
  struct Case {
    const char* host;
    bool acr;
  };
  const Case cases[] = {
      {"invalidImage", false},
      {"docker.io", false},
      {"foo.azurecr.io", true},
      {"foo.azurecr.cn", true},
      {"foo.azurecr.de", true},
      {"foo.azurecr.us", true},
      {"foo.azurecr.io.example", false},
      {"docker", false},
      {"foo.azurecr.io.azurecr.cn", false},  // one label before the suffix
      // Upstream refuses a hyphen ([a-zA-Z0-9]+); ACR's domain-name-label scopes make names like
      // this one, and any single label under azurecr.cn is Microsoft's, so pullguard accepts it.
      {"foo-azurecr-io.azurecr.cn", true},
      // pullguard's own: case, ports, empty and broken labels.
      {"FOO.AzureCR.IO", true},
      {"foo.azurecr.io:443", false},
      {".azurecr.io", false},
      {"azurecr.io", false},
      {"-foo.azurecr.io", false},
      {"foo-.azurecr.io", false},
      {"fo_o.azurecr.io", false},
      {"foo.azurecr.io.", false},
      {"foo.bar.azurecr.io", false},
  };
  for (const Case& c : cases) {
    INFO(c.host);
    CHECK(IsAcrLoginServer(c.host) == c.acr);
  }
}

TEST_CASE("acr: client ids and tenants", "[acr]") {
  CHECK(IsAzureGuid("11111111-2222-3333-4444-555555555555"));
  CHECK(IsAzureGuid("AbCdEf01-2345-6789-abcd-ef0123456789"));
  CHECK_FALSE(IsAzureGuid("11111111-2222-3333-4444-55555555555"));
  CHECK_FALSE(IsAzureGuid("11111111222233334444555555555555"));
  CHECK_FALSE(IsAzureGuid("1111111g-2222-3333-4444-555555555555"));
  CHECK_FALSE(IsAzureGuid(""));
  CHECK(IsAzureTenant("72f988bf-86f1-41af-91ab-2d7cd011db47"));
  CHECK(IsAzureTenant("contoso.onmicrosoft.com"));
  CHECK(IsAzureTenant("organizations"));
  // It becomes a path segment of the authority URL: nothing that could change the path.
  CHECK_FALSE(IsAzureTenant(""));
  CHECK_FALSE(IsAzureTenant(".."));
  CHECK_FALSE(IsAzureTenant("a/b"));
  CHECK_FALSE(IsAzureTenant("contoso..com"));
  CHECK_FALSE(IsAzureTenant("a?b"));
  CHECK_FALSE(IsAzureTenant("a%2fb"));
  CHECK_FALSE(IsAzureTenant(std::string(254, 'a')));
}

TEST_CASE("acr: IMDS over plain HTTP only at 169.254.169.254:80 or loopback", "[acr]") {
  auto def = ImdsTarget(Spec());
  REQUIRE(def.ok());
  CHECK(def->url == "http://169.254.169.254/metadata/identity/oauth2/token");
  CHECK(def->endpoint.host == "169.254.169.254");
  CHECK(def->endpoint.transport.plain_http);
  CHECK(registry::AllowsPlainHttp(def->endpoint));
  CHECK(def->endpoint.transport.max_redirects == 0);
  // Fails in seconds where there is no IMDS.
  CHECK(def->endpoint.transport.call_budget <= std::chrono::seconds(12));
  CHECK(def->endpoint.transport.connect_timeout <= std::chrono::seconds(2));

  auto same = ImdsTarget(Spec("http://169.254.169.254:80/"));
  REQUIRE(same.ok());
  CHECK(same->url == def->url);

  auto loop = ImdsTarget(Spec("http://127.0.0.1:8080"));
  REQUIRE(loop.ok());
  CHECK(loop->url == "http://127.0.0.1:8080/metadata/identity/oauth2/token");
  CHECK_FALSE(loop->endpoint.transport.insecure.has_value());

  auto tls = ImdsTarget(Spec("https://imds.internal.example"));
  REQUIRE(tls.ok());
  CHECK_FALSE(tls->endpoint.transport.plain_http);
  CHECK(registry::VerifiesTls(tls->endpoint));

  for (const char* bad :
       {"http://169.254.169.254:8080", "http://169.254.169.253", "http://imds.example",
        "http://169.254.169.254/metadata", "http://169.254.169.254/?x=1", "ftp://169.254.169.254",
        "http://user:pw@127.0.0.1"}) {
    INFO(bad);
    auto t = ImdsTarget(Spec(bad));
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.rfind("acr.imdsEndpoint: ", 0) == 0);
    CHECK(t.error().message.find("pw") == std::string::npos);
  }
}

TEST_CASE("acr: Entra ID's token URL from AZURE_AUTHORITY_HOST and the tenant", "[acr]") {
  const std::string tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  auto def = EntraTarget(std::nullopt, tenant);
  REQUIRE(def.ok());
  CHECK(def->url == "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token");
  CHECK_FALSE(def->endpoint.transport.plain_http);
  // With or without the trailing slash the Azure SDKs write.
  for (const char* host : {"https://login.chinacloudapi.cn", "https://login.chinacloudapi.cn/"}) {
    auto t = EntraTarget(std::string(host), tenant);
    REQUIRE(t.ok());
    CHECK(t->url == "https://login.chinacloudapi.cn/" + tenant + "/oauth2/v2.0/token");
  }
  auto loop = EntraTarget(std::string("http://127.0.0.1:9000/"), "contoso.onmicrosoft.com");
  REQUIRE(loop.ok());
  CHECK(loop->url == "http://127.0.0.1:9000/contoso.onmicrosoft.com/oauth2/v2.0/token");
  CHECK(loop->endpoint.transport.plain_http);

  auto clear = EntraTarget(std::string("http://login.example"), tenant);
  REQUIRE_FALSE(clear.ok());
  CHECK(clear.error().message.find("AZURE_AUTHORITY_HOST: ") == 0);
  CHECK(clear.error().message.find("clear text") != std::string::npos);
  CHECK_FALSE(EntraTarget(std::string("https://login.example/v2"), tenant).ok());
  CHECK_FALSE(EntraTarget(std::string("not a url"), tenant).ok());
  auto bad_tenant = EntraTarget(std::nullopt, "../evil");
  REQUIRE_FALSE(bad_tenant.ok());
  CHECK(bad_tenant.error().message.find("is not a tenant id") != std::string::npos);
}

TEST_CASE("acr: the exchange goes to the registry, or where the operator said", "[acr]") {
  auto def = ExchangeTarget(Spec(), "myregistry.azurecr.io");
  REQUIRE(def.ok());
  CHECK(def->url == "https://myregistry.azurecr.io/oauth2/exchange");
  CHECK_FALSE(def->endpoint.transport.plain_http);
  CHECK(registry::VerifiesTls(def->endpoint));

  // Not an ACR name: the Entra ID token is not sent to whatever host the pattern matched.
  auto other = ExchangeTarget(Spec(), "registry.example");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message.find("not an Azure Container Registry login server") !=
        std::string::npos);
  CHECK(other.error().message.find("acr.exchangeEndpoint") != std::string::npos);
  CHECK_FALSE(ExchangeTarget(Spec(), "myregistry.azurecr.io:5000").ok());

  auto pe = ExchangeTarget(Spec("", "https://acr-pe.internal.example/oauth2/exchange"),
                           "myregistry.azurecr.io");
  REQUIRE(pe.ok());
  CHECK(pe->url == "https://acr-pe.internal.example/oauth2/exchange");
  auto loop = ExchangeTarget(Spec("", "http://127.0.0.1:7000/oauth2/exchange"), "127.0.0.1:5000");
  REQUIRE(loop.ok());
  CHECK(loop->endpoint.transport.plain_http);
  auto clear = ExchangeTarget(Spec("", "http://acr-pe.internal.example/oauth2/exchange"),
                              "myregistry.azurecr.io");
  REQUIRE_FALSE(clear.ok());
  CHECK(clear.error().message.find("acr.exchangeEndpoint: ") == 0);
}

TEST_CASE("acr: the spec's own checks name the field", "[acr]") {
  CHECK(CheckAcrSpec(Spec()).ok());
  AcrSourceSpec s = Spec();
  s.client_id = "not-a-guid";
  auto st = CheckAcrSpec(s);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("acr.clientId: \"not-a-guid\" is not a client id") == 0);
  s = Spec();
  s.tenant_id = "a/b";
  REQUIRE_FALSE(CheckAcrSpec(s).ok());
  CHECK(CheckAcrSpec(s).error().message.find("acr.tenantId: ") == 0);
  CHECK(CheckAcrSpec(Spec("http://10.0.0.1")).error().message.find("acr.imdsEndpoint: ") == 0);
  CHECK(
      CheckAcrSpec(Spec("", "http://10.0.0.1/x")).error().message.find("acr.exchangeEndpoint: ") ==
      0);
  s = Spec("http://127.0.0.1:1", "http://127.0.0.1:2/oauth2/exchange");
  s.client_id = "11111111-2222-3333-4444-555555555555";
  s.tenant_id = "contoso.onmicrosoft.com";
  CHECK(CheckAcrSpec(s).ok());
}
