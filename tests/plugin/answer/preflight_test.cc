// Preflight against a scripted registry: which probe is sent (tags/list for a repository, manifest
// HEAD for a tag), pull-scoped tokens from the token cache, refusals, and the proof handed on.
#include "plugin/answer/preflight.h"

#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "cache/credential_hash.h"
#include "registry/token_flow.h"
#include "tests/support/exchange_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);
const std::string kDigest = "sha256:" + std::string(64, 'a');

struct RecordingSink : ProofSink {
  std::vector<PullProof> proofs;
  Status RecordProof(const PullProof& p) override {
    proofs.push_back(p);
    return Status::Ok();
  }
};

// A token-mode registry: tags/list and manifests answer by the token's granted repository.
struct FakeRegistry {
  int tags_status = 200;
  int token_requests = 0;
  FakeHttpClient client{[this](const registry::HttpRequest& r) { return Handle(r); }};

  Result<registry::HttpResponse> Handle(const registry::HttpRequest& r) {
    const std::string base = "https://registry.example";
    if (r.url == base + "/v2/") {
      return Response(
          401, "",
          {{"www-authenticate",
            R"(Bearer realm="https://auth.example/token",service="registry.example")"}});
    }
    if (r.url.rfind("https://auth.example/token", 0) == 0) {
      ++token_requests;
      if (r.body.reveal().find("password=good") == std::string::npos &&
          r.authorization != registry::BasicAuthorization("alice", Secret("good"))) {
        return Response(401, "{}");
      }
      return Response(200, R"({"access_token":"pull-token","expires_in":300})");
    }
    bool authed = r.authorization == registry::BearerAuthorization(Secret("pull-token"));
    if (r.url == base + "/v2/team/app/tags/list?n=1") {
      return Response(authed ? tags_status : 401, R"({"name":"team/app","tags":["v1"]})");
    }
    if (r.url == base + "/v2/team/app/manifests/v1") {
      if (!authed) return Response(401, "");
      return Response(200, "", {{"docker-content-digest", kDigest}});
    }
    return Response(404, "");
  }
};

Credential Alice(const std::string& pw = "good") {
  return Credential{"alice", Secret(pw)};
}

}  // namespace

TEST_CASE("preflight: a repository is probed with tags/list and a pull-scoped token",
          "[preflight]") {
  TempDir tmp;
  FakeRegistry reg;
  ExchangeContext ctx = FakeContext(reg.client, tmp.path(), kNow);
  auto p = Preflight("registry.example/team/app", Alice(), ctx, DefaultEnv());
  REQUIRE(p.ok());
  CHECK(p->repository == "registry.example/team/app");
  CHECK(p->digest.empty());
  REQUIRE(reg.client.requests.size() == 3);
  CHECK(reg.client.requests[1].body.reveal().find("repository%3Ateam%2Fapp%3Apull") !=
        std::string::npos);
  CHECK(reg.client.requests[2].url.find("/tags/list?n=1") != std::string::npos);

  // The pull-scoped token is cached: the next preflight goes straight to the registry.
  auto again = Preflight("registry.example/team/app", Alice(), ctx, DefaultEnv());
  REQUIRE(again.ok());
  CHECK(reg.token_requests == 1);
  CHECK(reg.client.requests.size() == 4);
}

TEST_CASE("preflight: a tag is proven with the manifest and its digest kept", "[preflight]") {
  TempDir tmp;
  FakeRegistry reg;
  ExchangeContext ctx = FakeContext(reg.client, tmp.path(), kNow);
  auto p = Preflight("registry.example/team/app:v1", Alice(), ctx, DefaultEnv());
  REQUIRE(p.ok());
  CHECK(p->digest == kDigest);
  CHECK(reg.client.requests.back().method == "HEAD");
}

TEST_CASE("preflight: refusals and unknown repositories are clear errors", "[preflight]") {
  TempDir tmp;
  FakeRegistry reg;
  ExchangeContext ctx = FakeContext(reg.client, tmp.path(), kNow);
  auto wrong = Preflight("registry.example/team/app", Alice("bad-password-77"), ctx, DefaultEnv());
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().kind == ErrorKind::kUnauthorized);
  CHECK(wrong.error().message.find("refused") != std::string::npos);
  CHECK(wrong.error().message.find("bad-password-77") == std::string::npos);

  reg.tags_status = 403;
  reg.token_requests = 0;
  auto denied = Preflight("registry.example/team/app", Alice(), ctx, DefaultEnv());
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().kind == ErrorKind::kUnauthorized);
  CHECK(denied.error().message.find("refused pull of team/app") != std::string::npos);
  // The cached token was dropped and one fresh token tried before giving up.
  CHECK(reg.token_requests == 2);

  reg.tags_status = 404;
  auto unknown = Preflight("registry.example/team/app", Alice(), ctx, DefaultEnv());
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::kNotFound);
  CHECK(unknown.error().message.find("no repository team/app") != std::string::npos);
}

TEST_CASE("preflight: the proof carries hash, repository, digest, time, expiry, source",
          "[preflight]") {
  TempDir tmp;
  FakeRegistry reg;
  std::string sa = ServiceAccountJwt(1700003600, "team", "puller", "uid-7");
  ExchangeContext ctx = FakeContext(reg.client, tmp.path(), kNow, sa);
  SourceAnswer answer;
  answer.auth.push_back(KeyedCredential{"other.example", Credential{"x", Secret("y")}});
  answer.auth.push_back(KeyedCredential{"registry.example/team", Alice()});
  answer.issued_at = kNow;
  answer.expires_at = kNow + seconds(600);
  answer.from_service_account = true;
  RecordingSink sink;
  REQUIRE(VerifyAnswer("registry.example/team/app:v1", answer, ctx, sink, DefaultEnv()).ok());
  REQUIRE(sink.proofs.size() == 1);
  const PullProof& p = sink.proofs[0];
  AuthConfig auth;
  auth.username = "alice";
  auth.password = Secret("good");
  CHECK(p.credential_hash == CredentialHash(auth));
  CHECK(p.image == "registry.example/team/app:v1");
  CHECK(p.digest == kDigest);
  CHECK(p.proven_at == std::chrono::floor<seconds>(kNow));
  REQUIRE(p.expires_at.has_value());
  CHECK(*p.expires_at == std::chrono::floor<seconds>(kNow + seconds(600)));
  CHECK(p.source.kind == ProofSource::Kind::kServiceAccount);
  CHECK(p.source.ns == "team");
  CHECK(p.source.name == "puller");
  CHECK(p.source.uid == "uid-7");

  SECTION("a refused credential records nothing") {
    SourceAnswer bad;
    bad.auth.push_back(KeyedCredential{"registry.example", Alice("nope")});
    RecordingSink none;
    CHECK_FALSE(VerifyAnswer("registry.example/team/app", bad, ctx, none, DefaultEnv()).ok());
    CHECK(none.proofs.empty());
  }
  SECTION("the state-dir sink writes evidence and a kubelet record") {
    StateDirProofSink disk(DefaultEnv(), tmp.path() + "/state");
    REQUIRE(disk.RecordProof(p).ok());
    auto ev = DefaultEnv().ListDir(tmp.path() + "/state/evidence");
    REQUIRE(ev.ok());
    CHECK_FALSE(ev->empty());
    auto rec = DefaultEnv().ListDir(tmp.path() + "/state/image_manager/pulled");
    REQUIRE(rec.ok());
    CHECK(rec->size() == 1);
  }
}
