// Token flows against a scripted client: which requests are sent (GET/POST, parameters, Basic
// auth), containerd's fall-back rule, and how token answers are decoded.
#include "registry/token_flow.h"

#include <catch2/catch.hpp>

#include "registry/authorize.h"
#include "tests/support/fake_http_client.h"

using namespace pullguard;
using namespace pullguard::registry;
using pullguard::testing::FakeHttpClient;
using pullguard::testing::Response;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow =
    system_clock::from_time_t(1700000000);  // 2023-11-14T22:13:20Z

TokenRequest Request() {
  TokenRequest r;
  r.realm = "https://auth.example/token";
  r.service = "registry.example";
  r.scopes = {"repository:team/app:pull", "repository:team/lib:pull"};
  return r;
}

std::string Query(const HttpRequest& r) {
  auto q = r.url.find('?');
  return q == std::string::npos ? "" : r.url.substr(q + 1);
}

}  // namespace

TEST_CASE("token responses: token, access_token, expiry defaults", "[token]") {
  auto t = ParseTokenResponse(R"({"token":"abc","expires_in":300})", kNow);
  REQUIRE(t.ok());
  CHECK(t->token.reveal() == "abc");
  CHECK(t->expires_in == seconds(300));
  CHECK(t->expires_at == kNow + seconds(300));
  CHECK(t->refresh_token.empty());

  auto oauth = ParseTokenResponse(
      R"({"access_token":"xyz","refresh_token":"r1","scope":"repository:a:pull","expires_in":900})",
      kNow);
  REQUIRE(oauth.ok());
  CHECK(oauth->token.reveal() == "xyz");
  CHECK(oauth->refresh_token.reveal() == "r1");
  CHECK(oauth->scope == "repository:a:pull");

  auto both = ParseTokenResponse(R"({"token":"t","access_token":"a"})", kNow);
  CHECK(both->token.reveal() == "t");

  auto no_expiry = ParseTokenResponse(R"({"token":"abc"})", kNow);
  CHECK(no_expiry->expires_in == seconds(60));
  for (const char* bad_expiry :
       {R"({"token":"a","expires_in":0})", R"({"token":"a","expires_in":-5})",
        R"({"token":"a","expires_in":"300"})", R"({"token":"a","expires_in":null})"}) {
    CAPTURE(bad_expiry);
    CHECK(ParseTokenResponse(bad_expiry, kNow)->expires_in == seconds(60));
  }
  CHECK(ParseTokenResponse(R"({"token":"a","expires_in":1e300})", kNow)->expires_in ==
        seconds(315360000));
}

TEST_CASE("issued_at counts only when it is not in the future", "[token]") {
  auto past = ParseTokenResponse(
      R"({"token":"a","expires_in":3600,"issued_at":"2023-11-14T21:13:20Z"})", kNow);
  REQUIRE(past.ok());
  CHECK(past->issued_at == kNow - seconds(3600));
  CHECK(past->expires_at == kNow);
  auto offset = ParseTokenResponse(
      R"({"token":"a","expires_in":60,"issued_at":"2023-11-14T23:13:20.123+02:00"})", kNow);
  CHECK(offset->issued_at == kNow - seconds(3600));
  auto future = ParseTokenResponse(
      R"({"token":"a","expires_in":60,"issued_at":"2030-01-01T00:00:00Z"})", kNow);
  CHECK(future->issued_at == kNow);
  auto junk = ParseTokenResponse(R"({"token":"a","issued_at":"yesterday"})", kNow);
  CHECK(junk->issued_at == kNow);
  // Found by challenge_fuzz: years beyond system_clock's range must not overflow.
  for (const char* far : {R"({"token":"a","issued_at":"4018-11-10T23:00:00Z"})",
                          R"({"token":"a","issued_at":"0001-01-01T00:00:00Z"})"}) {
    CHECK(ParseTokenResponse(far, kNow)->issued_at == kNow);
  }
}

TEST_CASE("bad token bodies are kCorrupt and never echo the body", "[token]") {
  for (const char* body :
       {"", "not json", "[]", "\"secretvalue\"", R"({"token":""})", R"({"token":123})",
        R"({"expires_in":60})", R"({"token":"secretvalue")"}) {
    CAPTURE(body);
    auto t = ParseTokenResponse(body, kNow);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kCorrupt);
    CHECK(t.error().message.find("secretvalue") == std::string::npos);
  }
  std::string deep(100000, '[');
  CHECK_FALSE(ParseTokenResponse(deep, kNow).ok());
}

TEST_CASE("anonymous GET: service, every scope, no Authorization", "[token]") {
  FakeHttpClient client([](const HttpRequest&) { return Response(200, R"({"token":"anon"})"); });
  auto t = FetchToken(client, Request(), kNow);
  REQUIRE(t.ok());
  CHECK(t->token.reveal() == "anon");
  REQUIRE(client.requests.size() == 1);
  const HttpRequest& r = client.requests[0];
  CHECK(r.method == "GET");
  CHECK_FALSE(r.authorization.has_value());
  CHECK(Query(r) ==
        "service=registry.example&scope=repository%3Ateam%2Fapp%3Apull&scope=repository%3Ateam%"
        "2Flib%3Apull&client_id=pullguard");
}

TEST_CASE("a credential: OAuth2 POST with the password grant", "[token]") {
  FakeHttpClient client([](const HttpRequest&) {
    return Response(200, R"({"access_token":"tok","refresh_token":"ref","expires_in":120})");
  });
  TokenRequest req = Request();
  req.credential = Credential{"alice", Secret("p@ss word")};
  req.offline = true;
  auto t = FetchToken(client, req, kNow);
  REQUIRE(t.ok());
  CHECK(t->refresh_token.reveal() == "ref");
  REQUIRE(client.requests.size() == 1);
  const HttpRequest& r = client.requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "https://auth.example/token");
  CHECK(r.content_type.rfind("application/x-www-form-urlencoded", 0) == 0);
  CHECK_FALSE(r.authorization.has_value());
  CHECK(r.body.reveal() ==
        "scope=repository%3Ateam%2Fapp%3Apull+repository%3Ateam%2Flib%3Apull&service=registry."
        "example&client_id=pullguard&grant_type=password&username=alice&password=p%40ss+word&"
        "access_type=offline");
}

TEST_CASE("a refresh token: grant_type=refresh_token", "[token]") {
  FakeHttpClient client(
      [](const HttpRequest&) { return Response(200, R"({"access_token":"t"})"); });
  TokenRequest req = Request();
  req.scopes.clear();
  req.refresh_token = Secret("R-123");
  REQUIRE(FetchToken(client, req, kNow).ok());
  CHECK(
      client.requests[0].body.reveal() ==
      "service=registry.example&client_id=pullguard&grant_type=refresh_token&refresh_token=R-123");
}

TEST_CASE("containerd's fall-back from POST to GET", "[token]") {
  auto run = [](long post_status, bool with_username) {
    auto client = std::make_unique<FakeHttpClient>([post_status](const HttpRequest& r) {
      if (r.method == "POST") return Response(post_status, "{}");
      return Response(200, R"({"token":"from-get","expires_in":77})");
    });
    TokenRequest req = Request();
    if (with_username) {
      req.credential = Credential{"bob", Secret("pw")};
    } else {
      req.refresh_token = Secret("refresh");
    }
    req.offline = true;
    auto t = FetchToken(*client, req, kNow);
    return std::make_pair(std::move(client), std::move(t));
  };
  for (long s : {400L, 401L, 404L, 405L}) {
    CAPTURE(s);
    auto [client, t] = run(s, true);
    REQUIRE(t.ok());
    CHECK(t->token.reveal() == "from-get");
    REQUIRE(client->requests.size() == 2);
    const HttpRequest& get = client->requests[1];
    CHECK(get.method == "GET");
    CHECK(get.authorization->reveal() == BasicAuthorization("bob", Secret("pw")).reveal());
    CHECK(Query(get).find("offline_token=true") != std::string::npos);
  }
  SECTION("405 without a username does not fall back") {
    auto [client, t] = run(405, false);
    CHECK_FALSE(t.ok());
    CHECK(client->requests.size() == 1);
  }
  SECTION("403 and 500 do not fall back") {
    for (long s : {403L, 500L}) {
      auto [client, t] = run(s, true);
      REQUIRE_FALSE(t.ok());
      CHECK(client->requests.size() == 1);
      CHECK(t.error().kind == (s == 403 ? ErrorKind::kUnauthorized : ErrorKind::kNetwork));
      CHECK(t.error().message.find("auth.example/token") != std::string::npos);
      CHECK(t.error().message.find("pw") == std::string::npos);
    }
  }
}

TEST_CASE("GET-only and POST-only methods", "[token]") {
  FakeHttpClient client([](const HttpRequest& r) {
    return r.method == "GET" ? Response(401, "") : Response(200, R"({"token":"x"})");
  });
  TokenRequest req = Request();
  req.credential = Credential{"u", Secret("secret-pw")};
  req.method = TokenMethod::kGet;
  auto t = FetchToken(client, req, kNow);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == ErrorKind::kUnauthorized);
  CHECK(t.error().message.find("secret-pw") == std::string::npos);
  CHECK(client.requests.size() == 1);
  req.method = TokenMethod::kPost;
  CHECK(FetchToken(client, req, kNow).ok());
  req.credential.reset();
  CHECK_FALSE(FetchToken(client, req, kNow).ok());  // POST needs a secret
}

TEST_CASE("realms: query kept, credentials refused", "[token]") {
  FakeHttpClient client([](const HttpRequest&) { return Response(200, R"({"token":"x"})"); });
  TokenRequest req = Request();
  req.realm = "https://auth.example/token?account=me";
  REQUIRE(FetchToken(client, req, kNow).ok());
  CHECK(Query(client.requests[0]).rfind("account=me&service=", 0) == 0);
  req.realm = "https://user:pw@auth.example/token";
  auto t = FetchToken(client, req, kNow);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message.find(":pw") == std::string::npos);
  req.realm = "gopher://auth.example/";
  CHECK_FALSE(FetchToken(client, req, kNow).ok());
  CHECK(client.requests.size() == 1);
}

TEST_CASE("a token request from a challenge merges scopes", "[token]") {
  auto c = ParseChallenges(
      R"(Bearer realm="https://a/t",service="reg",scope="repository:x:pull repository:y:pull")");
  auto r = TokenRequestFromChallenge(c.at(0), {"repository:y:pull", "repository:z:pull"});
  REQUIRE(r.ok());
  CHECK(r->realm == "https://a/t");
  CHECK(r->service == "reg");
  CHECK(r->scopes ==
        std::vector<std::string>{"repository:x:pull", "repository:y:pull", "repository:z:pull"});
  CHECK_FALSE(TokenRequestFromChallenge(ParseChallenges("Bearer service=\"x\"").at(0), {}).ok());
}

TEST_CASE("Basic and Bearer header values", "[token]") {
  CHECK(BasicAuthorization("Aladdin", Secret("open sesame")).reveal() ==
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(BearerAuthorization(Secret("t")).reveal() == "Bearer t");
  CHECK(PullScope("team/app") == "repository:team/app:pull");
}

TEST_CASE("Authorize: Bearer preferred, Basic direct, none for 200", "[token]") {
  FakeHttpClient client([](const HttpRequest&) { return Response(200, R"({"token":"bt"})"); });
  AuthorizeInput in;
  in.credential = Credential{"u", Secret("p")};
  in.scopes = {PullScope("a")};
  PingResult ok{200, {}};
  auto none = Authorize(client, ok, in, kNow);
  REQUIRE(none.ok());
  CHECK_FALSE(none->header.has_value());
  PingResult both{401,
                  ParseChallenges(R"(Basic realm="b", Bearer realm="https://a/t",service="s")")};
  auto bearer = Authorize(client, both, in, kNow);
  REQUIRE(bearer.ok());
  CHECK(bearer->header->reveal() == "Bearer bt");
  REQUIRE(bearer->token.has_value());
  CHECK(client.requests.back().body.reveal().find("scope=repository%3Aa%3Apull") == 0);
  PingResult basic{401, ParseChallenges(R"(Basic realm="b")")};
  auto b = Authorize(client, basic, in, kNow);
  REQUIRE(b.ok());
  CHECK(b->header->reveal() == BasicAuthorization("u", Secret("p")).reveal());
  CHECK_FALSE(b->token.has_value());
  in.credential.reset();
  CHECK(Authorize(client, basic, in, kNow).error().kind == ErrorKind::kUnauthorized);
  PingResult odd{401, ParseChallenges(R"(Negotiate abc)")};
  CHECK_FALSE(Authorize(client, odd, in, kNow).ok());
}

TEST_CASE("tokens from the network with a control character are refused", "[token]") {
  // A NUL used to cut the Authorization header (and kubelet's password) short silently; CR/LF
  // would split it; DEL and the other C0 bytes have no place in a token either (issue 13, item 5).
  for (const char* field : {"token", "access_token", "refresh_token"}) {
    for (const char* bad : {"\\u0000", "\\u0001", "\\t", "\\r\\n", "\\u001f", "\\u007f"}) {
      std::string body = std::string(R"({"token":"good-secretvalue",")") + field + R"(":"secret)" +
                         bad + R"(value"})";
      if (std::string(field) == "token")
        body = std::string(R"({"token":"secret)") + bad + R"(value"})";
      CAPTURE(body);
      auto t = ParseTokenResponse(body, kNow);
      REQUIRE_FALSE(t.ok());
      CHECK(t.error().kind == ErrorKind::kCorrupt);
      CHECK(t.error().message.find("control character") != std::string::npos);
      CHECK(t.error().message.find("secret") == std::string::npos);
    }
  }
  CHECK(HasControlCharacter(std::string("a\0b", 3)));
  CHECK(HasControlCharacter("\x7f"));
  CHECK_FALSE(HasControlCharacter("eyJhbGciOi.JSUzI1NiJ9-_~+/=\xc3\xa9"));
}

TEST_CASE("a challenge that gives a parameter twice is refused", "[token]") {
  // RFC 7235: each parameter once per challenge; names compare case-insensitively. containerd and
  // Docker take the last value, pullguard's parser the first: refused (issue 13, item 4).
  for (const char* h : {R"(Bearer realm="https://a.example/t",realm="https://b.example/t")",
                        R"(Bearer realm="https://a.example/t",service="x",Service="y")",
                        R"(Bearer Realm="https://a.example/t",REALM="https://b.example/t")",
                        R"(Bearer realm="https://a.example/t",scope="a",scope="a")"}) {
    CAPTURE(h);
    auto c = ParseChallenges(std::string_view(h));
    REQUIRE(c.size() == 1);
    CHECK_FALSE(c[0].duplicate_param.empty());
    auto req = TokenRequestFromChallenge(c[0], {});
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().message.find("twice") != std::string::npos);
    FakeHttpClient client([](const HttpRequest&) { return Response(200, R"({"token":"t"})"); });
    PingResult ping{401, c};
    AuthorizeInput in;
    in.credential = Credential{"alice", Secret("pw")};
    auto a = Authorize(client, ping, in, kNow);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kInvalidArgument);
    CHECK(client.requests.empty());  // nothing was sent to either realm
  }
  auto one = ParseChallenges(std::string_view(R"(Bearer realm="https://a/t",service="s")"));
  REQUIRE(one.size() == 1);
  CHECK(one[0].duplicate_param.empty());
}
