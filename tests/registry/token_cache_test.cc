// The token cache: round trips, expiry, private files whose names reveal nothing, faults that
// never lose a token, and single-flight across real processes (fork) through the file lock.
#include "registry/token_cache.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "base/env_posix.h"
#include "tests/support/fault_env.h"
#include "tests/support/run.h"
#include "tests/support/together.h"

using namespace pullguard;
using namespace pullguard::registry;
using pullguard::testing::RunTogether;
using pullguard::testing::TempDir;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);

CachedToken Token(const std::string& value, system_clock::time_point expires) {
  return CachedToken{Secret(value), Secret(), kNow, expires};
}

TokenCacheKey Key(const std::string& scope = "repository:team/app:pull") {
  auto h = CredentialKeyHash({"basic", "alice", "s3cret-password"});
  return TokenCacheKey{"registry.example:5000", h, scope};
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("token cache: key hashes are stable, private and part-boundary safe", "[token_cache]") {
  auto a = CredentialKeyHash({"basic", "alice", "pw"});
  auto b = CredentialKeyHash({"basic", "alice", "pw"});
  auto c = CredentialKeyHash({"basic", "alic", "epw"});
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.size() == 64);
  CHECK(a.find("pw") == std::string::npos);
}

TEST_CASE("token cache: put/get round trip in a 0600 file under a 0700 dir", "[token_cache]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/state/tokens";
  TokenCache cache(DefaultEnv(), dir);
  CachedToken t = Token("tok-123", kNow + seconds(300));
  t.refresh_token = Secret("refresh-456");
  REQUIRE(cache.Put(Key(), t).ok());
  auto got = cache.Get(Key(), kNow);
  REQUIRE(got.has_value());
  CHECK(got->token.reveal() == "tok-123");
  CHECK(got->refresh_token.reveal() == "refresh-456");
  CHECK(got->expires_at == kNow + seconds(300));

  auto path = cache.PathFor(Key());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  // Neither the file name nor the content names the registry, the credential hash or the scope.
  std::string text = Slurp(path);
  for (const std::string& needle : {Key().credential_hash, std::string("team/app"),
                                    std::string("registry.example"), std::string("alice")}) {
    CHECK(path.find(needle) == std::string::npos);
    CHECK(text.find(needle) == std::string::npos);
  }
  // Another scope is another file.
  CHECK_FALSE(cache.Get(Key("repository:team/other:pull"), kNow).has_value());
}

TEST_CASE("token cache: expiry and the minimum validity", "[token_cache]") {
  TempDir tmp;
  TokenCache cache(DefaultEnv(), tmp.path() + "/tokens", TokenCacheOptions{seconds(30)});
  REQUIRE(cache.Put(Key(), Token("t", kNow + seconds(100))).ok());
  CHECK(cache.Get(Key(), kNow).has_value());
  CHECK(cache.Get(Key(), kNow + seconds(69)).has_value());
  CHECK_FALSE(cache.Get(Key(), kNow + seconds(71)).has_value());  // < 30 s left
  CHECK_FALSE(cache.Get(Key(), kNow + seconds(200)).has_value());
}

TEST_CASE("token cache: Prune deletes long-expired tokens, nothing else", "[token_cache]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/tokens";
  TokenCache cache(DefaultEnv(), dir);
  REQUIRE(cache.Put(Key("old"), Token("t1", kNow - seconds(7200))).ok());
  REQUIRE(cache.Put(Key("recent"), Token("t2", kNow - seconds(60))).ok());
  REQUIRE(cache.Put(Key("live"), Token("t3", kNow + seconds(300))).ok());
  std::string corrupt = dir + "/" + std::string(64, 'c') + ".json";
  std::ofstream(corrupt) << "{not json";
  std::ofstream(dir + "/" + std::string(64, 'c') + ".json.lock") << "";
  std::ofstream(dir + "/README") << "not ours";

  auto removed = cache.Prune(kNow);
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  auto exists = [](const std::string& p) { return access(p.c_str(), F_OK) == 0; };
  CHECK_FALSE(exists(cache.PathFor(Key("old"))));
  // A file that does not decode is not known to be pullguard's: never deleted (issue 13, item 7).
  CHECK(exists(corrupt));
  CHECK(exists(cache.PathFor(Key("recent"))));  // within the grace period: kept
  CHECK(cache.Get(Key("live"), kNow).has_value());
  CHECK(exists(dir + "/" + std::string(64, 'c') + ".json.lock"));
  CHECK(exists(dir + "/README"));

  // A stored fetch prunes on the way.
  REQUIRE(cache.Put(Key("old"), Token("t1", kNow - seconds(7200))).ok());
  auto fresh = cache.GetOrFetch(
      Key("new"), [] { return kNow; },
      []() -> Result<CachedToken> { return Token("t4", kNow + seconds(300)); });
  REQUIRE(fresh.ok());
  CHECK_FALSE(exists(cache.PathFor(Key("old"))));
}

TEST_CASE("token cache: GetOrFetch fetches once, then serves the file", "[token_cache]") {
  TempDir tmp;
  TokenCache cache(DefaultEnv(), tmp.path() + "/tokens");
  int calls = 0;
  auto now = [] { return kNow; };
  auto fetch = [&]() -> Result<CachedToken> {
    ++calls;
    return Token("fetched-" + std::to_string(calls), kNow + seconds(300));
  };
  bool fetched = false;
  auto a = cache.GetOrFetch(Key(), now, fetch, &fetched);
  CHECK(fetched);
  auto b = cache.GetOrFetch(Key(), now, fetch, &fetched);
  CHECK_FALSE(fetched);
  CHECK(calls == 1);
  CHECK(b->token.reveal() == "fetched-1");

  SECTION("an expired entry is fetched again") {
    auto later = [] { return kNow + seconds(290); };
    auto c = cache.GetOrFetch(Key(), later, fetch, &fetched);
    CHECK(fetched);
    CHECK(c->token.reveal() == "fetched-2");
  }
  SECTION("a fetch error is returned and nothing is cached") {
    auto fail = []() -> Result<CachedToken> {
      return MakeError(ErrorKind::kUnauthorized, "refused");
    };
    auto c = cache.GetOrFetch(Key("other"), now, fail);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::kUnauthorized);
    CHECK_FALSE(cache.Get(Key("other"), kNow).has_value());
  }
  SECTION("a token too short-lived to reuse is returned but not written") {
    auto brief = []() -> Result<CachedToken> { return Token("brief", kNow + seconds(5)); };
    auto c = cache.GetOrFetch(Key("brief"), now, brief);
    CHECK(c->token.reveal() == "brief");
    auto path = cache.PathFor(Key("brief"));
    CHECK(access(path.c_str(), F_OK) != 0);
  }
}

TEST_CASE("token cache: corrupt files are misses and get replaced", "[token_cache]") {
  TempDir tmp;
  TokenCache cache(DefaultEnv(), tmp.path() + "/tokens");
  REQUIRE(cache.Put(Key(), Token("t", kNow + seconds(300))).ok());
  auto path = cache.PathFor(Key());
  for (const char* bad :
       {"", "{", "[]", R"({"version":1,"token":"","issuedAt":1,"expiresAt":2})",
        R"({"version":2,"token":"x","issuedAt":1,"expiresAt":9999999999})",
        R"({"version":1,"token":"x","issuedAt":"1","expiresAt":9999999999})",
        // token_fuzz: seconds beyond year 2262 overflowed system_clock (UB)
        R"({"version":1,"token":"x","issuedAt":1700000000,"expiresAt":16737626305})",
        R"({"version":1,"token":"x","issuedAt":-1,"expiresAt":1700000300})",
        R"({"version":1,"token":"x","issuedAt":1,"expiresAt":18446744073709551615})"}) {
    INFO(bad);
    REQUIRE(DefaultEnv().WriteFileAtomic(path, bad, 0600).ok());
    CHECK_FALSE(cache.Get(Key(), kNow).has_value());
    CHECK_FALSE(DecodeCachedToken(bad).ok());
  }
  auto r = cache.GetOrFetch(
      Key(), [] { return kNow; },
      []() -> Result<CachedToken> { return Token("fresh", kNow + seconds(300)); });
  REQUIRE(r.ok());
  CHECK(cache.Get(Key(), kNow)->token.reveal() == "fresh");
}

TEST_CASE("token cache: a failing disk never loses the fetched token", "[token_cache]") {
  TempDir tmp;
  testing::FaultEnv env(DefaultEnv());
  TokenCache cache(env, tmp.path() + "/tokens");
  REQUIRE(cache.Put(Key(), Token("old", kNow + seconds(300))).ok());
  env.fail_writes = -1;
  CHECK_FALSE(cache.Put(Key(), Token("new", kNow + seconds(300))).ok());
  CHECK(cache.Get(Key(), kNow)->token.reveal() == "old");  // a torn write keeps the old file

  auto r = cache.GetOrFetch(
      Key("s2"), [] { return kNow; },
      []() -> Result<CachedToken> { return Token("fetched", kNow + seconds(300)); });
  REQUIRE(r.ok());
  CHECK(r->token.reveal() == "fetched");

  env.fail_writes = 0;
  env.fail_locks = -1;  // a lock that cannot be taken is never bypassed (no stampede)
  bool fetched = true;
  auto l = cache.GetOrFetch(
      Key("s3"), [] { return kNow; },
      []() -> Result<CachedToken> { return Token("nolock", kNow + seconds(300)); }, &fetched);
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().kind == ErrorKind::kUnavailable);
  CHECK_FALSE(fetched);
}

TEST_CASE("token cache: a lock held past the timeout is kUnavailable", "[token_cache]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/tokens";
  TokenCache cache(DefaultEnv(), dir,
                   TokenCacheOptions{seconds(30), std::chrono::milliseconds(50)});
  auto path = cache.PathFor(Key());
  REQUIRE(DefaultEnv().CreateDirs(dir, 0700).ok());
  auto held = DefaultEnv().LockFile(path + ".lock", std::chrono::milliseconds(100));
  REQUIRE(held.ok());
  int calls = 0;
  auto r = cache.GetOrFetch(
      Key(), [] { return kNow; },
      [&]() -> Result<CachedToken> {
        ++calls;
        return Token("t", kNow + seconds(300));
      });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kUnavailable);
  CHECK(calls == 0);
}

TEST_CASE("token cache: 16 processes for one key make one fetch", "[token_cache]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/tokens";
  std::string counter = tmp.path() + "/fetches";
  constexpr int kProcs = 16;
  int failures = RunTogether(kProcs, [&](int) {
    TokenCache cache(DefaultEnv(), dir);
    auto r = cache.GetOrFetch(
        Key(), [] { return system_clock::now(); },
        [&]() -> Result<CachedToken> {
          std::ofstream(counter, std::ios::app) << "x";
          // Long enough that every other child finds the lock taken.
          usleep(300 * 1000);
          return Token("shared-token", system_clock::now() + seconds(300));
        });
    return r.ok() && r->token.reveal() == "shared-token" ? 0 : 1;
  });
  CHECK(failures == 0);
  CHECK(Slurp(counter) == "x");
}
