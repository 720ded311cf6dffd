// Registry flows against REAL servers started by tests/e2e/registry_flows_test.sh: Debian's
// docker-registry (htpasswd and token mode, with our token server) and the faulty fixture. Hidden
// unless asked for: `registry_tests [live]`; each case fails loudly if its server is not given.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "registry/authorize.h"
#include "registry/http_client.h"
#include "registry/manifest.h"
#include "registry/token_flow.h"
#include "registry/url.h"

using namespace pullguard;
using namespace pullguard::registry;
using std::chrono::seconds;

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') FAIL(std::string(name) + " is not set (run the e2e script)");
  return v;
}

RegistryEndpoint Local(const std::string& host_port) {
  RegistryEndpoint e;
  e.host = host_port;
  e.transport.plain_http = true;  // loopback: allowed by default
  return e;
}

auto Now() {
  return std::chrono::system_clock::now();
}

// GET on a control endpoint of a test server (its own client: it must not disturb the one tested).
nlohmann::json Control(const std::string& url, const std::string& post_json = "") {
  auto ep = ParseUrl(url);
  REQUIRE(ep.ok());
  auto client = NewCurlClient(Local(ep->host + ":" + std::to_string(ep->port)));
  HttpRequest r;
  r.url = url;
  if (!post_json.empty()) {
    r.method = "POST";
    r.body = Secret(post_json);
    r.content_type = "application/json";
  }
  auto resp = client->Send(r);
  REQUIRE(resp.ok());
  REQUIRE(resp->status == 200);
  return nlohmann::json::parse(resp->body);
}

int TokenCount(const char* kind) {
  return Control(Env("PULLGUARD_LIVE_TOKEN_URL") + "/count")[kind].get<int>();
}

int FaultyCount(const std::string& path) {
  return Control(Env("PULLGUARD_LIVE_FAULTY_URL") + "/count" + path)["count"].get<int>();
}

Credential Alice() {
  return {"alice", Secret(Env("PULLGUARD_LIVE_PASSWORD"))};
}
Credential Bob() {
  return {"bob", Secret(Env("PULLGUARD_LIVE_BOB_PASSWORD"))};
}

const char kRepo[] = "team/app";
const char kTag[] = "latest";

}  // namespace

TEST_CASE("htpasswd registry: Basic challenge, manifest digest, tags probe", "[.live][htpasswd]") {
  RegistryEndpoint ep = Local(Env("PULLGUARD_LIVE_HTPASSWD_REGISTRY"));
  auto client = NewCurlClient(ep);
  auto ping = Ping(*client, ep);
  REQUIRE(ping.ok());
  CHECK(ping->status == 401);
  const Challenge* basic = FindChallenge(ping->challenges, "basic");
  REQUIRE(basic != nullptr);
  CHECK(basic->Param("realm") == "pullguard-test");
  CHECK(CurlLoaded());

  AuthorizeInput in;
  in.credential = Alice();
  in.scopes = {PullScope(kRepo)};
  auto auth = Authorize(*client, *ping, in, Now());
  REQUIRE(auth.ok());
  REQUIRE(auth->header.has_value());
  CHECK_FALSE(auth->token.has_value());

  auto m = ResolveManifest(*client, ep, kRepo, kTag, auth->header);
  REQUIRE(m.ok());
  CHECK(m->digest == Env("PULLGUARD_LIVE_DIGEST"));
  CHECK_FALSE(m->digest_from_body);
  CHECK(m->media_type == "application/vnd.oci.image.manifest.v1+json");
  auto by_digest = ResolveManifest(*client, ep, kRepo, m->digest, auth->header);
  REQUIRE(by_digest.ok());
  CHECK(by_digest->digest == m->digest);

  CHECK(*ProbeTagsList(*client, ep, kRepo, auth->header) == RepositoryAccess::kAllowed);
  CHECK(*ProbeTagsList(*client, ep, "team/missing", auth->header) ==
        RepositoryAccess::kUnknownRepository);
  auto missing = ResolveManifest(*client, ep, kRepo, "no-such-tag", auth->header);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::kNotFound);

  Secret wrong = BasicAuthorization("alice", Secret("wrong-password-123"));
  CHECK(*ProbeTagsList(*client, ep, kRepo, wrong) == RepositoryAccess::kRefused);
  auto refused = ResolveManifest(*client, ep, kRepo, kTag, wrong);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::kUnauthorized);
  CHECK(refused.error().message.find("wrong-password-123") == std::string::npos);
  CHECK(*ProbeTagsList(*client, ep, kRepo, std::nullopt) == RepositoryAccess::kRefused);
}

TEST_CASE("token registry: OAuth2 POST with a password, real JWT accepted", "[.live][token]") {
  RegistryEndpoint ep = Local(Env("PULLGUARD_LIVE_TOKEN_REGISTRY"));
  auto client = NewCurlClient(ep);
  auto ping = Ping(*client, ep);
  REQUIRE(ping.ok());
  const Challenge* bearer = FindChallenge(ping->challenges, "bearer");
  REQUIRE(bearer != nullptr);
  CHECK(bearer->Param("realm") == Env("PULLGUARD_LIVE_TOKEN_URL") + "/token");
  CHECK(bearer->Param("service") == "pullguard-test-registry");

  int posts = TokenCount("post"), gets = TokenCount("get");
  AuthorizeInput in;
  in.credential = Alice();
  in.scopes = {PullScope(kRepo)};
  auto auth = Authorize(*client, *ping, in, Now());
  REQUIRE(auth.ok());
  REQUIRE(auth->token.has_value());
  CHECK(auth->token->expires_in == seconds(300));
  CHECK(auth->token->expires_at > Now() + seconds(200));
  CHECK(auth->token->refresh_token.empty());
  CHECK(TokenCount("post") == posts + 1);
  CHECK(TokenCount("get") == gets);

  auto m = ResolveManifest(*client, ep, kRepo, kTag, auth->header);
  REQUIRE(m.ok());
  CHECK(m->digest == Env("PULLGUARD_LIVE_DIGEST"));
  CHECK(*ProbeTagsList(*client, ep, kRepo, auth->header) == RepositoryAccess::kAllowed);
  // The token names team/app only: the registry refuses it elsewhere.
  CHECK(*ProbeTagsList(*client, ep, "other/app", auth->header) == RepositoryAccess::kRefused);
}

TEST_CASE("token registry: offline login, then the refresh-token grant", "[.live][token]") {
  RegistryEndpoint ep = Local(Env("PULLGUARD_LIVE_TOKEN_REGISTRY"));
  auto client = NewCurlClient(ep);
  auto ping = Ping(*client, ep);
  REQUIRE(ping.ok());
  AuthorizeInput in;
  in.credential = Alice();
  in.scopes = {PullScope(kRepo)};
  in.offline = true;
  auto login = Authorize(*client, *ping, in, Now());
  REQUIRE(login.ok());
  REQUIRE_FALSE(login->token->refresh_token.empty());

  AuthorizeInput refresh;
  refresh.refresh_token = login->token->refresh_token;
  refresh.scopes = {PullScope(kRepo)};
  auto again = Authorize(*client, *ping, refresh, Now());
  REQUIRE(again.ok());
  CHECK(*ProbeTagsList(*client, ep, kRepo, again->header) == RepositoryAccess::kAllowed);

  // The ACR convention: the refresh token as a password under a fixed username, GET flow.
  AuthorizeInput acr;
  acr.credential = Credential{"00000000-0000-0000-0000-000000000000", login->token->refresh_token};
  acr.scopes = {PullScope(kRepo)};
  acr.method = TokenMethod::kGet;
  auto via_get = Authorize(*client, *ping, acr, Now());
  REQUIRE(via_get.ok());
  CHECK(*ProbeTagsList(*client, ep, kRepo, via_get->header) == RepositoryAccess::kAllowed);
}

TEST_CASE("token registry: GET flow, POST fall-back, anonymous, scoped users", "[.live][token]") {
  RegistryEndpoint ep = Local(Env("PULLGUARD_LIVE_TOKEN_REGISTRY"));
  std::string token_url = Env("PULLGUARD_LIVE_TOKEN_URL");
  auto client = NewCurlClient(ep);
  auto ping = Ping(*client, ep);
  REQUIRE(ping.ok());
  const Challenge* bearer = FindChallenge(ping->challenges, "bearer");
  REQUIRE(bearer != nullptr);

  SECTION("GET with Basic auth and several scopes") {
    auto req = TokenRequestFromChallenge(
        *bearer, {PullScope(kRepo), PullScope("other/app"), PullScope("team/missing")});
    REQUIRE(req.ok());
    req->credential = Alice();
    req->method = TokenMethod::kGet;
    int gets = TokenCount("get");
    auto t = FetchToken(*client, *req, Now());
    REQUIRE(t.ok());
    CHECK(TokenCount("get") == gets + 1);
    Secret h = BearerAuthorization(t->token);
    CHECK(*ProbeTagsList(*client, ep, kRepo, h) == RepositoryAccess::kAllowed);
    CHECK(*ProbeTagsList(*client, ep, "other/app", h) == RepositoryAccess::kAllowed);
    CHECK(*ProbeTagsList(*client, ep, "team/missing", h) == RepositoryAccess::kUnknownRepository);
    CHECK(*ProbeTagsList(*client, ep, "team/unrequested", h) == RepositoryAccess::kRefused);
  }
  SECTION("a token server without POST: containerd's fall-back to GET") {
    Control(token_url + "/config", R"({"post_status": 404})");
    int posts = TokenCount("post"), gets = TokenCount("get");
    AuthorizeInput in;
    in.credential = Alice();
    in.scopes = {PullScope(kRepo)};
    auto auth = Authorize(*client, *ping, in, Now());
    Control(token_url + "/config", R"({"post_status": 0})");
    REQUIRE(auth.ok());
    CHECK(TokenCount("post") == posts + 1);
    CHECK(TokenCount("get") == gets + 1);
    CHECK(*ProbeTagsList(*client, ep, kRepo, auth->header) == RepositoryAccess::kAllowed);
  }
  SECTION("anonymous token: issued, but the registry refuses a private repository") {
    AuthorizeInput in;
    in.scopes = {PullScope(kRepo)};
    auto auth = Authorize(*client, *ping, in, Now());
    REQUIRE(auth.ok());
    REQUIRE(auth->token.has_value());
    CHECK(*ProbeTagsList(*client, ep, kRepo, auth->header) == RepositoryAccess::kRefused);
    auto m = ResolveManifest(*client, ep, kRepo, kTag, auth->header);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().kind == ErrorKind::kUnauthorized);
  }
  SECTION("a user allowed on one repository only") {
    for (auto [repo, want] : {std::pair{kRepo, RepositoryAccess::kAllowed},
                              std::pair{"other/app", RepositoryAccess::kRefused}}) {
      AuthorizeInput in;
      in.credential = Bob();
      in.scopes = {PullScope(repo)};
      auto auth = Authorize(*client, *ping, in, Now());
      REQUIRE(auth.ok());
      CHECK(*ProbeTagsList(*client, ep, repo, auth->header) == want);
    }
  }
  SECTION("a wrong password is refused by the token server, without echoing it") {
    AuthorizeInput in;
    in.credential = Credential{"alice", Secret("not-the-password-42")};
    in.scopes = {PullScope(kRepo)};
    auto auth = Authorize(*client, *ping, in, Now());
    REQUIRE_FALSE(auth.ok());
    CHECK(auth.error().kind == ErrorKind::kUnauthorized);
    CHECK(auth.error().message.find("not-the-password-42") == std::string::npos);
    CHECK(auth.error().message.find("/token") != std::string::npos);
  }
  SECTION("an http realm is refused for a registry that is neither loopback nor insecure") {
    RegistryEndpoint remote{"registry.example", {}};
    auto strict = NewCurlClient(remote);
    auto req = TokenRequestFromChallenge(*bearer, {PullScope(kRepo)});
    REQUIRE(req.ok());
    req->credential = Alice();
    int total = TokenCount("total");
    auto t = FetchToken(*strict, *req, Now());
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("plain HTTP") != std::string::npos);
    CHECK(TokenCount("total") == total);
  }
}

TEST_CASE("faulty server: timeouts, 429, 5xx, redirects, caps, bad tokens", "[.live][faulty]") {
  std::string base = Env("PULLGUARD_LIVE_FAULTY_URL");
  auto origin = ParseUrl(base);
  REQUIRE(origin.ok());
  RegistryEndpoint ep = Local("127.0.0.1:" + std::to_string(origin->port));
  ep.transport.attempt_timeout = std::chrono::milliseconds(1000);
  ep.transport.call_budget = std::chrono::milliseconds(6000);
  ep.transport.backoff_base = std::chrono::milliseconds(50);
  auto get = [&](HttpClient& c, const std::string& path, bool retry = true) {
    HttpRequest r;
    r.url = base + path;
    r.retry = retry;
    r.authorization = Secret("Bearer sekrit-token-value");
    return c.Send(r);
  };

  SECTION("a slow server times out within the budget") {
    auto client = NewCurlClient(ep);
    auto r = get(*client, "/slow/20");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kNetwork);
    CHECK(r.error().message.find("timed out") != std::string::npos);
    CHECK(FaultyCount("/slow/20") <= 3);
  }
  SECTION("429 with Retry-After: retried, then a clear error") {
    auto client = NewCurlClient(ep);
    auto r = get(*client, "/429/1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kUnavailable);
    CHECK(r.error().message.find("429 after 3 attempts") != std::string::npos);
    CHECK(FaultyCount("/429/1") == 3);
  }
  SECTION("a Retry-After beyond the cap ends the call at once") {
    auto client = NewCurlClient(ep);
    auto r = get(*client, "/429/3600");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("retry after") != std::string::npos);
    CHECK(FaultyCount("/429/3600") == 1);
  }
  SECTION("503 twice, then 200: retries succeed") {
    auto client = NewCurlClient(ep);
    auto r = get(*client, "/503-twice/a");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->attempts == 3);
  }
  SECTION("500 always: bounded attempts; no retry when asked") {
    auto client = NewCurlClient(ep);
    int before = FaultyCount("/500");
    auto r = get(*client, "/500");
    REQUIRE_FALSE(r.ok());
    CHECK(FaultyCount("/500") == before + 3);
    auto once = get(*client, "/500", false);
    REQUIRE(once.ok());
    CHECK(once->status == 500);
    CHECK(FaultyCount("/500") == before + 4);
  }
  SECTION("Authorization is dropped on a redirect to another host, kept on the same") {
    auto client = NewCurlClient(ep);
    auto other = get(*client, "/redirect-other/k1");
    REQUIRE(other.ok());
    CHECK(other->status == 200);
    CHECK(other->final_url.find("http://localhost:") == 0);
    CHECK(nlohmann::json::parse(other->body)["authorization"] == "absent");
    auto same = get(*client, "/redirect-same/k2");
    REQUIRE(same.ok());
    CHECK(nlohmann::json::parse(same->body)["authorization"] == "present");
  }
  SECTION("redirect loops and cross-host POST re-sends are refused") {
    auto client = NewCurlClient(ep);
    auto loop = get(*client, "/redirect-loop");
    REQUIRE_FALSE(loop.ok());
    CHECK(loop.error().message.find("redirects") != std::string::npos);
    HttpRequest post;
    post.method = "POST";
    post.url = base + "/post-307";
    post.body = Secret("password=hunter2");
    auto p = client->Send(post);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("POST") != std::string::npos);
    CHECK(p.error().message.find("hunter2") == std::string::npos);
    CHECK(FaultyCount("/echo-auth/post") == 0);
  }
  SECTION("huge headers and bodies are capped") {
    auto client = NewCurlClient(ep);
    auto h = get(*client, "/huge-headers");
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().message.find("headers") != std::string::npos);
    auto b = get(*client, "/huge-body");
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().message.find("larger than") != std::string::npos);
  }
  SECTION("bad token JSON and tokens without expiry") {
    auto client = NewCurlClient(ep);
    TokenRequest req;
    req.realm = base + "/bad-json";
    auto bad = FetchToken(*client, req, Now());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::kCorrupt);
    auto ping = Ping(*client, ep);
    REQUIRE(ping.ok());
    AuthorizeInput in;
    auto auth = Authorize(*client, *ping, in, Now());
    REQUIRE(auth.ok());
    CHECK(auth->token->expires_in == seconds(60));
    CHECK(auth->header->reveal() == "Bearer tok-without-expiry");
  }
  SECTION("a registry without Docker-Content-Digest: GET and hash the body") {
    auto client = NewCurlClient(ep);
    auto m = ResolveManifest(*client, ep, "nodigest", "v1", std::nullopt);
    REQUIRE(m.ok());
    CHECK(m->digest_from_body);
    CHECK(m->media_type == "application/vnd.oci.image.manifest.v1+json");
    // The expected value, computed here from the bytes the server sends.
    HttpRequest raw;
    raw.url = base + "/v2/nodigest/manifests/v1";
    auto body = client->Send(raw);
    REQUIRE(body.ok());
    CHECK(m->digest == Sha256Digest(body->body));
    CHECK(FaultyCount("/v2/nodigest/manifests/v1") == 3);  // HEAD, GET, and the GET above
  }
  SECTION("a hostile challenge is parsed within bounds and refused") {
    auto client = NewCurlClient(ep);
    auto r = get(*client, "/hostile-challenge");
    REQUIRE(r.ok());
    auto challenges = ParseChallenges(r->Headers("www-authenticate"));
    CHECK(challenges.empty());
    PingResult fake{401, challenges};
    CHECK_FALSE(Authorize(*client, fake, AuthorizeInput{}, Now()).ok());
  }
  SECTION("one client reuses its connection; two clients do not share one") {
    auto a = NewCurlClient(ep);
    auto b = NewCurlClient(ep);
    auto a1 = get(*a, "/conn"), a2 = get(*a, "/conn"), b1 = get(*b, "/conn");
    REQUIRE((a1.ok() && a2.ok() && b1.ok()));
    auto peer = [](const HttpResponse& r) { return nlohmann::json::parse(r.body)["peer"]; };
    CHECK(peer(*a1) == peer(*a2));
    CHECK(peer(*a1) != peer(*b1));
  }
  SECTION("policy: plain HTTP refused for a non-loopback entry, https to an http server fails") {
    RegistryEndpoint remote{"registry.example", {}};
    auto strict = NewCurlClient(remote);
    auto r = get(*strict, "/ok");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kInvalidArgument);
    CHECK(FaultyCount("/ok") == 0);
    auto client = NewCurlClient(ep);
    HttpRequest tls;
    tls.url = "https://127.0.0.1:" + std::to_string(origin->port) + "/ok";
    tls.retry = false;
    auto t = client->Send(tls);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kNetwork);
  }
  SECTION("no error message carries the Authorization value") {
    auto client = NewCurlClient(ep);
    for (const char* path : {"/slow/20", "/429/3600", "/redirect-loop", "/huge-body"}) {
      auto r = get(*client, path);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().message.find("sekrit") == std::string::npos);
    }
  }
}

TEST_CASE("TLS registry: private CA per registry, client certificate, insecure", "[.live][tls]") {
  std::string dir = Env("PULLGUARD_LIVE_TLS_DIR");
  RegistryEndpoint ep;
  ep.host = Env("PULLGUARD_LIVE_TLS_REGISTRY");
  ep.transport.insecure = false;
  ep.transport.max_attempts = 1;

  SECTION("the system store does not know the private CA") {
    auto client = NewCurlClient(ep);
    auto p = Ping(*client, ep);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::kNetwork);
    CHECK(p.error().message.find("https://" + ep.host + "/v2/") != std::string::npos);
  }
  SECTION("the CA bundle, but no client certificate: the registry refuses the handshake") {
    ep.transport.ca_file = dir + "/ca.pem";
    auto client = NewCurlClient(ep);
    CHECK_FALSE(Ping(*client, ep).ok());
  }
  SECTION("CA bundle and client certificate: a verified mTLS session") {
    ep.transport.ca_file = dir + "/ca.pem";
    ep.transport.client_cert_file = dir + "/client.pem";
    ep.transport.client_key_file = dir + "/client.key";
    auto client = NewCurlClient(ep);
    auto p = Ping(*client, ep);
    REQUIRE(p.ok());
    CHECK(p->status == 401);
    REQUIRE(FindChallenge(p->challenges, "basic") != nullptr);
    Secret basic = BasicAuthorization("alice", Secret(Env("PULLGUARD_LIVE_PASSWORD")));
    CHECK(*ProbeTagsList(*client, ep, kRepo, basic) == RepositoryAccess::kUnknownRepository);
  }
  SECTION("insecure: true skips verification (client certificate still sent)") {
    ep.transport.insecure = true;
    ep.transport.client_cert_file = dir + "/client.pem";
    ep.transport.client_key_file = dir + "/client.key";
    auto client = NewCurlClient(ep);
    auto p = Ping(*client, ep);
    REQUIRE(p.ok());
    CHECK(p->status == 401);
  }
  SECTION("the CA bundle of one registry is not used for another host") {
    RegistryEndpoint other = ep;
    other.host = "localhost:" + ep.host.substr(ep.host.find(':') + 1);
    other.transport.ca_file = dir + "/ca.pem";
    other.transport.client_cert_file = dir + "/client.pem";
    other.transport.client_key_file = dir + "/client.key";
    auto client = NewCurlClient(other);
    HttpRequest r;
    r.url = "https://" + ep.host + "/v2/";  // 127.0.0.1: not the entry's host
    CHECK_FALSE(client->Send(r).ok());
  }
}
