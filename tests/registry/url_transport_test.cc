// URL splitting, redirect resolution, encodings, and the plain-HTTP / TLS policy of an entry.
#include <catch2/catch.hpp>

#include "registry/http_client.h"
#include "registry/transport.h"
#include "registry/url.h"

using namespace pullguard::registry;
using pullguard::ErrorKind;
using pullguard::Secret;

TEST_CASE("ParseUrl splits registry and realm URLs", "[url]") {
  auto u = ParseUrl("HTTPS://Auth.Example.com:8443/token?x=1#frag");
  REQUIRE(u.ok());
  CHECK(u->scheme == "https");
  CHECK(u->host == "auth.example.com");
  CHECK(u->port == 8443);
  CHECK(u->path == "/token");
  CHECK(u->query == "x=1");
  CHECK(u->ToString() == "https://auth.example.com:8443/token?x=1");
  CHECK(u->Redacted() == "https://auth.example.com:8443/token");
  auto d = ParseUrl("http://127.0.0.1");
  REQUIRE(d.ok());
  CHECK(d->port == 80);
  CHECK(d->path == "/");
  CHECK(d->Origin() == "http://127.0.0.1");
  auto v6 = ParseUrl("https://[::1]:5000/v2/");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->Origin() == "https://[::1]:5000");
}

TEST_CASE("ParseUrl drops userinfo from every printed form", "[url]") {
  auto u = ParseUrl("https://user:hunter2@auth.example.com/token");
  REQUIRE(u.ok());
  CHECK(u->has_userinfo);
  CHECK(u->ToString().find("hunter2") == std::string::npos);
  CHECK(u->Redacted().find("hunter2") == std::string::npos);
}

TEST_CASE("ParseUrl refuses what it cannot send safely", "[url]") {
  for (const char* bad :
       {"ftp://x/", "file:///etc/passwd", "https://", "https:///path", "https://a b/",
        "https://a:0/", "https://a:65536/", "https://a:12x/", "https://[::1/", "https://[zz]/",
        "https://a\r\nX: y/", "//a/b", "https://a%2f/", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseUrl(bad).ok());
  }
  CHECK_FALSE(ParseUrl("https://a/" + std::string(9000, 'x')).ok());
  auto e = ParseUrl("ftp://user:hunter2@x/");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find("hunter2") == std::string::npos);
}

TEST_CASE("ResolveReference handles the Location forms", "[url]") {
  auto base = ParseUrl("https://reg.example/v2/app/manifests/latest?x=1");
  REQUIRE(base.ok());
  CHECK(ResolveReference(*base, "https://cdn.example/blob")->ToString() ==
        "https://cdn.example/blob");
  CHECK(ResolveReference(*base, "//cdn.example/blob")->ToString() == "https://cdn.example/blob");
  CHECK(ResolveReference(*base, "/v2/other")->ToString() == "https://reg.example/v2/other");
  CHECK(ResolveReference(*base, "sha256:abc")->ToString() ==
        "https://reg.example/v2/app/manifests/sha256:abc");
  CHECK(ResolveReference(*base, "?y=2")->ToString() ==
        "https://reg.example/v2/app/manifests/latest?y=2");
  CHECK_FALSE(ResolveReference(*base, "ftp://x/y").ok());
  CHECK_FALSE(ResolveReference(*base, "").ok());
}

TEST_CASE("percent and form encoding", "[url]") {
  CHECK(PercentEncode("repository:a/b:pull,push") == "repository%3Aa%2Fb%3Apull%2Cpush");
  CHECK(PercentEncode("a b~c") == "a%20b~c");
  auto body = FormEncode({{"scope", "repository:a:pull repository:b:pull"}, {"password", "p&=+"}});
  CHECK(body.reveal() == "scope=repository%3Aa%3Apull+repository%3Ab%3Apull&password=p%26%3D%2B");
  Url u = *ParseUrl("https://a/token?fixed=1");
  AppendQuery(u, "service", "reg example");
  CHECK(u.ToString() == "https://a/token?fixed=1&service=reg%20example");
}

TEST_CASE("plain HTTP and TLS verification follow the entry", "[transport]") {
  RegistryEndpoint remote{"registry.example:5000", {}};
  CHECK_FALSE(AllowsPlainHttp(remote));
  CHECK(VerifiesTls(remote));
  RegistryEndpoint loop{"127.0.0.1:5000", {}};
  CHECK(AllowsPlainHttp(loop));
  CHECK(VerifiesTls(loop));  // the loopback default allows http, it does not skip verification
  loop.transport.insecure = false;
  CHECK_FALSE(AllowsPlainHttp(loop));
  remote.transport.insecure = true;
  CHECK(AllowsPlainHttp(remote));
  CHECK_FALSE(VerifiesTls(remote));
}

TEST_CASE("base URLs and Docker Hub's API host", "[transport]") {
  CHECK(ApiHost("docker.io") == "registry-1.docker.io");
  CHECK(ApiHost("index.docker.io") == "registry-1.docker.io");
  CHECK(ApiHost("quay.io") == "quay.io");
  RegistryEndpoint e{"127.0.0.1:5000", {}};
  CHECK(BaseUrl(e) == "https://127.0.0.1:5000");
  e.transport.plain_http = true;
  CHECK(BaseUrl(e) == "http://127.0.0.1:5000");
}

TEST_CASE("the curl client refuses unsafe requests before loading anything", "[transport]") {
  RegistryEndpoint ep{"registry.example", {}};
  auto client = NewCurlClient(ep);
  HttpRequest r;
  r.url = "https://registry.example/v2/";
  r.headers = {{"Authorization", "Basic abc"}};
  CHECK(client->Send(r).error().kind == ErrorKind::kInvalidArgument);
  r.headers = {{"X-Test", "a\r\nInjected: 1"}};
  CHECK(client->Send(r).error().kind == ErrorKind::kInvalidArgument);
  r.headers.clear();
  r.authorization = Secret("Bearer a\r\nX: y");
  CHECK(client->Send(r).error().kind == ErrorKind::kInvalidArgument);
  r.authorization.reset();
  r.method = "DELETE";
  CHECK(client->Send(r).error().kind == ErrorKind::kInvalidArgument);
  r.method = "GET";
  r.url = "http://registry.example/v2/";
  auto plain = client->Send(r);
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.error().message.find("plain HTTP") != std::string::npos);
  r.url = "https://user:pw@registry.example/v2/";
  auto creds = client->Send(r);
  REQUIRE_FALSE(creds.ok());
  CHECK(creds.error().message.find("pw@") == std::string::npos);
  // Nothing above was worth a request, so libcurl was never loaded (the [live] cases load it).
  CHECK_FALSE(CurlLoaded());
}

TEST_CASE("insecure: true belongs to the registry's own host:port", "[transport]") {
  // Issue 13, item 1: realms and redirect targets on another host are always verified.
  RegistryEndpoint lab{"10.0.0.5:5000", {}};
  lab.transport.insecure = true;
  lab.transport.plain_http = true;
  auto own = *ParseUrl("http://10.0.0.5:5000/v2/");
  auto own_tls = *ParseUrl("https://10.0.0.5:5000/v2/");
  auto other_port = *ParseUrl("https://10.0.0.5:5001/token");
  auto other_host = *ParseUrl("https://auth.example/token");
  CHECK(IsRegistryHost(lab, own));
  CHECK(IsRegistryHost(lab, own_tls));
  CHECK_FALSE(IsRegistryHost(lab, other_port));
  CHECK_FALSE(VerifiesTlsFor(lab, own_tls));
  CHECK(VerifiesTlsFor(lab, other_port));
  CHECK(VerifiesTlsFor(lab, other_host));
  CHECK(AllowsPlainHttpTo(lab, own));
  CHECK_FALSE(AllowsPlainHttpTo(lab, *ParseUrl("http://auth.example/token")));
  CHECK(AllowsPlainHttpTo(lab, *ParseUrl("http://127.0.0.1:9000/token")));
  RegistryEndpoint strict{"registry.example", {}};
  CHECK(VerifiesTlsFor(strict, *ParseUrl("https://registry.example/v2/")));
  CHECK_FALSE(AllowsPlainHttpTo(strict, *ParseUrl("http://registry.example/v2/")));
}

TEST_CASE("credentials in clear text only to loopback, for loopback or insecure entries",
          "[transport]") {
  // Issue 13, item 2: the one rule every source follows (docs/registry.md).
  RegistryEndpoint loop{"127.0.0.1:5000", {}};
  RegistryEndpoint lab{"10.0.0.5:5000", {}};
  lab.transport.insecure = true;
  RegistryEndpoint remote{"registry.example", {}};
  auto https_remote = *ParseUrl("https://auth.example/token");
  for (const RegistryEndpoint* e : {&loop, &lab, &remote}) {
    CHECK(ClearTextCredentialAllowed(*e, https_remote));  // TLS: the other policies decide
  }
  for (const char* u : {"http://127.0.0.1:9000/token", "http://localhost/token",
                        "http://[::1]:80/token", "http://[::ffff:127.0.0.2]/token"}) {
    CAPTURE(u);
    CHECK(ClearTextCredentialAllowed(loop, *ParseUrl(u)));
    CHECK(ClearTextCredentialAllowed(lab, *ParseUrl(u)));
    CHECK_FALSE(ClearTextCredentialAllowed(remote, *ParseUrl(u)));
  }
  for (const char* u : {"http://10.0.0.5:5000/token", "http://192.0.2.10/token",
                        "http://registry.invalid/token", "http://127.0.0.1.nip.io/token"}) {
    CAPTURE(u);
    CHECK_FALSE(ClearTextCredentialAllowed(loop, *ParseUrl(u)));
    CHECK_FALSE(ClearTextCredentialAllowed(lab, *ParseUrl(u)));
  }
  RegistryEndpoint loop_strict = loop;
  loop_strict.transport.insecure = false;
  CHECK(
      ClearTextCredentialAllowed(loop_strict, *ParseUrl("http://127.0.0.1/t")));  // loopback entry
  CHECK_FALSE(AllowsPlainHttpTo(loop_strict, *ParseUrl("http://127.0.0.1/t")));   // but no http
}

TEST_CASE("the curl client refuses a credential in clear text before sending", "[transport]") {
  RegistryEndpoint loop{"127.0.0.1:5000", {}};
  loop.transport.plain_http = true;
  auto client = NewCurlClient(loop);
  HttpRequest post;
  post.method = "POST";
  post.url = "http://192.0.2.10/token";
  post.body = Secret("grant_type=password&password=pw");
  // 192.0.2.10 is not the registry's host nor loopback: plain HTTP itself is refused first.
  auto r = client->Send(post);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("plain HTTP") != std::string::npos);
  RegistryEndpoint lab{"192.0.2.10", {}};
  lab.transport.insecure = true;
  lab.transport.plain_http = true;
  auto lab_client = NewCurlClient(lab);
  auto clear = lab_client->Send(post);  // its own host, plain HTTP allowed, but not a password
  REQUIRE_FALSE(clear.ok());
  CHECK(clear.error().message.find("clear text") != std::string::npos);
  HttpRequest basic;
  basic.url = "http://192.0.2.10/v2/";
  basic.authorization = Secret("Basic YTpi");
  CHECK(lab_client->Send(basic).error().message.find("clear text") != std::string::npos);
  HttpRequest nul;
  nul.url = "https://registry.example/v2/";
  nul.authorization = Secret(std::string("Bearer a\0b", 10));
  CHECK(NewCurlClient({"registry.example", {}})->Send(nul).error().message ==
        "malformed Authorization value");
  CHECK_FALSE(CurlLoaded());
}
