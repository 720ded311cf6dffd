// Manifest HEAD/GET, digests and the tags/list probe against a scripted client.
#include "registry/manifest.h"

#include <catch2/catch.hpp>

#include "registry/authorize.h"
#include "tests/support/fake_http_client.h"

using namespace pullguard;
using namespace pullguard::registry;
using pullguard::testing::FakeHttpClient;
using pullguard::testing::Response;

namespace {
const RegistryEndpoint kEndpoint{"127.0.0.1:5000", [] {
                                   TransportOptions t;
                                   t.plain_http = true;
                                   return t;
                                 }()};
const std::string kBody = R"({"schemaVersion":2})";
}  // namespace

TEST_CASE("sha256 through lazily loaded libcrypto", "[manifest]") {
  CHECK(Sha256Digest("") ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Digest("abc") ==
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(IsSha256Digest(Sha256Digest(kBody)));
  CHECK_FALSE(IsSha256Digest("sha256:ABC"));
  CHECK_FALSE(IsSha256Digest("sha512:" + std::string(64, 'a')));
  CHECK(IsSha256Digest("sha256:" + std::string(64, 'a')));
}

TEST_CASE("HEAD with Docker-Content-Digest is enough", "[manifest]") {
  std::string digest = "sha256:" + std::string(64, 'b');
  FakeHttpClient client([&](const HttpRequest&) {
    return Response(200, "",
                    {{"docker-content-digest", digest},
                     {"content-type", "application/vnd.oci.image.manifest.v1+json"},
                     {"content-length", "512"}});
  });
  auto m = ResolveManifest(client, kEndpoint, "team/app", "v1", Secret("Bearer t"));
  REQUIRE(m.ok());
  CHECK(m->digest == digest);
  CHECK(m->media_type == "application/vnd.oci.image.manifest.v1+json");
  CHECK(m->size == 512u);
  CHECK_FALSE(m->digest_from_body);
  REQUIRE(client.requests.size() == 1);
  const HttpRequest& r = client.requests[0];
  CHECK(r.method == "HEAD");
  CHECK(r.url == "http://127.0.0.1:5000/v2/team/app/manifests/v1");
  CHECK(r.authorization->reveal() == "Bearer t");
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].first == "Accept");
  CHECK(r.headers[0].second.find("application/vnd.oci.image.index.v1+json") == 0);
  CHECK(r.headers[0].second.find("application/vnd.docker.distribution.manifest.v2+json") !=
        std::string::npos);
}

TEST_CASE("no digest header: GET and hash the body", "[manifest]") {
  FakeHttpClient client([&](const HttpRequest& r) {
    return Response(200, r.method == "GET" ? kBody : "", {{"content-type", "application/json"}});
  });
  auto m = ResolveManifest(client, kEndpoint, "app", "latest", std::nullopt);
  REQUIRE(m.ok());
  CHECK(m->digest == Sha256Digest(kBody));
  CHECK(m->digest_from_body);
  CHECK(m->size == kBody.size());
  REQUIRE(client.requests.size() == 2);
  CHECK(client.requests[1].method == "GET");
  CHECK_FALSE(client.requests[1].authorization.has_value());
}

TEST_CASE("a digest reference must match what was served", "[manifest]") {
  FakeHttpClient client(
      [&](const HttpRequest& r) { return Response(200, r.method == "GET" ? kBody : ""); });
  auto good = ResolveManifest(client, kEndpoint, "app", Sha256Digest(kBody), std::nullopt);
  CHECK(good.ok());
  auto bad =
      ResolveManifest(client, kEndpoint, "app", "sha256:" + std::string(64, 'c'), std::nullopt);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::kCorrupt);
}

TEST_CASE("manifest statuses become error kinds", "[manifest]") {
  for (auto [status, kind] :
       {std::pair{401L, ErrorKind::kUnauthorized}, std::pair{403L, ErrorKind::kUnauthorized},
        std::pair{404L, ErrorKind::kNotFound}, std::pair{500L, ErrorKind::kNetwork}}) {
    FakeHttpClient client([s = status](const HttpRequest&) { return Response(s); });
    auto m = ResolveManifest(client, kEndpoint, "app", "v1", std::nullopt);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().kind == kind);
    CHECK(m.error().message.find("127.0.0.1:5000/app:v1") != std::string::npos);
  }
}

TEST_CASE("the registry's error code is shown, its free text is not", "[manifest]") {
  FakeHttpClient client([](const HttpRequest& r) {
    if (r.method == "HEAD") return Response(200);
    return Response(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"secret-ish text"}]})");
  });
  auto m = ResolveManifest(client, kEndpoint, "app", "v1", std::nullopt);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().kind == ErrorKind::kNotFound);
  CHECK(m.error().message == "manifest 127.0.0.1:5000/app:v1 answered 404 (MANIFEST_UNKNOWN)");
  FakeHttpClient odd([](const HttpRequest& r) {
    if (r.method == "HEAD") return Response(200);
    return Response(500, R"({"errors":[{"code":"lower case; not a code"}]})");
  });
  auto o = ResolveManifest(odd, kEndpoint, "app", "v1", std::nullopt);
  REQUIRE_FALSE(o.ok());
  CHECK(o.error().message == "manifest 127.0.0.1:5000/app:v1 answered 500");
}

TEST_CASE("bad names are refused before any request", "[manifest]") {
  FakeHttpClient client([](const HttpRequest&) { return Response(200); });
  for (const char* repo : {"", "/a", "a/", "a//b", "A", "a/../b", "a?b", "a b"}) {
    CAPTURE(repo);
    CHECK_FALSE(ResolveManifest(client, kEndpoint, repo, "v1", std::nullopt).ok());
    CHECK_FALSE(ProbeTagsList(client, kEndpoint, repo, std::nullopt).ok());
  }
  for (const char* ref : {"", "-x", ".x", "a/b", "a?b", "sha256:short"}) {
    CAPTURE(ref);
    CHECK_FALSE(ResolveManifest(client, kEndpoint, "app", ref, std::nullopt).ok());
  }
  CHECK(client.requests.empty());
}

TEST_CASE("tags/list?n=1 decides access", "[manifest]") {
  for (auto [status, access] :
       {std::pair{200L, RepositoryAccess::kAllowed}, std::pair{401L, RepositoryAccess::kRefused},
        std::pair{403L, RepositoryAccess::kRefused},
        std::pair{404L, RepositoryAccess::kUnknownRepository}}) {
    FakeHttpClient client([s = status](const HttpRequest&) { return Response(s); });
    auto a = ProbeTagsList(client, kEndpoint, "team/app", Secret("Basic x"));
    CHECK(*a == access);
    CHECK(client.requests[0].url == "http://127.0.0.1:5000/v2/team/app/tags/list?n=1");
    CHECK(client.requests[0].authorization->reveal() == "Basic x");
  }
  FakeHttpClient broken([](const HttpRequest&) {
    return Response(502, R"({"errors":[{"code":"UNAVAILABLE","message":"x"}]})");
  });
  auto e = ProbeTagsList(broken, kEndpoint, "app", std::nullopt);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().kind == ErrorKind::kNetwork);
  CHECK(e.error().message == "tags list of 127.0.0.1:5000/app answered 502 (UNAVAILABLE)");
}

TEST_CASE("ping: 200, 401 with challenges, errors", "[manifest]") {
  FakeHttpClient client([](const HttpRequest&) {
    return Response(401, "",
                    {{"www-authenticate", R"(Basic realm="r")"},
                     {"www-authenticate", R"(Bearer realm="https://a/t")"}});
  });
  auto p = Ping(client, kEndpoint);
  REQUIRE(p.ok());
  CHECK(p->status == 401);
  CHECK(p->challenges.size() == 2);
  CHECK(client.requests[0].url == "http://127.0.0.1:5000/v2/");
  FakeHttpClient nf([](const HttpRequest&) { return Response(404); });
  CHECK(Ping(nf, kEndpoint).error().kind == ErrorKind::kNotFound);
}
