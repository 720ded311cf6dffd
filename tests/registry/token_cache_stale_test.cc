// Stale-if-error (config `staleIfError`): when renewing a token fails for want of a server, a
// cached token that is still valid answers; a refusal, a malformed answer, a corrupt file or a
// token about to expire never does.
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "registry/token_cache.h"
#include "tests/support/fault_env.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::registry;
using pullguard::testing::TempDir;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);

TokenCacheKey Key() {
  auto h = CredentialKeyHash({"basic", "alice", "s3cret-password"});
  return TokenCacheKey{"registry.example:5000", h, "refresh"};
}

TokenCacheOptions Stale(bool on) {
  TokenCacheOptions o;
  o.min_validity = seconds(120);  // renewed once less than 2 minutes are left
  o.stale_if_error = on;
  o.lock_timeout = std::chrono::milliseconds(50);
  return o;
}

Result<CachedToken> Failing(ErrorKind kind) {
  return MakeError(kind, "server trouble");
}

}  // namespace

TEST_CASE("stale-if-error: a still-valid token answers when the server is down", "[token_cache]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/tokens";
  // 100 s left: past the renewal point (120 s), still valid.
  REQUIRE(TokenCache(DefaultEnv(), dir)
              .Put(Key(), CachedToken{Secret("cached"), Secret(), kNow - seconds(500),
                                      kNow + seconds(100)})
              .ok());
  auto now = [] { return kNow; };

  SECTION("off (the default): the failure is the answer") {
    TokenCache cache(DefaultEnv(), dir, Stale(false));
    auto r = cache.GetOrFetch(Key(), now, [] { return Failing(ErrorKind::kNetwork); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kNetwork);
  }
  SECTION("on: network failures and overloaded servers are bridged") {
    TokenCache cache(DefaultEnv(), dir, Stale(true));
    for (ErrorKind k : {ErrorKind::kNetwork, ErrorKind::kUnavailable}) {
      bool fetched = false;
      auto r = cache.GetOrFetch(
          Key(), now, [k] { return Failing(k); }, &fetched);
      REQUIRE(r.ok());
      CHECK(fetched);  // renewal was tried first
      CHECK(r->token.reveal() == "cached");
      CHECK(r->expires_at == kNow + seconds(100));
    }
  }
  SECTION("on: a refusal or a malformed answer is never bridged") {
    TokenCache cache(DefaultEnv(), dir, Stale(true));
    for (ErrorKind k : {ErrorKind::kUnauthorized, ErrorKind::kCorrupt, ErrorKind::kInternal}) {
      auto r = cache.GetOrFetch(Key(), now, [k] { return Failing(k); });
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind == k);
    }
  }
  SECTION("on: a token with less than stale_min_validity left is not served") {
    TokenCache cache(DefaultEnv(), dir, Stale(true));
    auto late = [] { return kNow + seconds(95); };
    auto r = cache.GetOrFetch(Key(), late, [] { return Failing(ErrorKind::kNetwork); });
    REQUIRE_FALSE(r.ok());
  }
  SECTION("on: a lock another process holds past the timeout is bridged too") {
    TokenCache cache(DefaultEnv(), dir, Stale(true));
    auto path = cache.PathFor(Key());
    auto held = DefaultEnv().LockFile(path + ".lock", std::chrono::milliseconds(100));
    REQUIRE(held.ok());
    int calls = 0;
    auto r = cache.GetOrFetch(Key(), now, [&] {
      ++calls;
      return Failing(ErrorKind::kNetwork);
    });
    REQUIRE(r.ok());
    CHECK(r->token.reveal() == "cached");
    CHECK(calls == 0);
  }
  SECTION("on: an unreadable or corrupt file bridges nothing and stays as it was") {
    testing::FaultEnv env(DefaultEnv());
    TokenCache cache(env, dir, Stale(true));
    env.fail_reads = -1;
    CHECK_FALSE(cache.GetOrFetch(Key(), now, [] { return Failing(ErrorKind::kNetwork); }).ok());
    env.fail_reads = 0;
    auto path = cache.PathFor(Key());
    REQUIRE(DefaultEnv().WriteFileAtomic(path, "{\"version\":1,", 0600).ok());
    CHECK_FALSE(cache.GetOrFetch(Key(), now, [] { return Failing(ErrorKind::kNetwork); }).ok());
    auto text = DefaultEnv().ReadFile(path, 1 << 16);
    REQUIRE(text.ok());
    CHECK(*text == "{\"version\":1,");
  }
}
