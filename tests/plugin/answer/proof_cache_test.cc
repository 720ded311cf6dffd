// The proof cache: what counts as the same proof, reuse only of token-backed proofs within their
// validity, failures shared with their own flight only, the file format, modes, and single-flight
// across real processes (fork) through the file lock.
#include "plugin/answer/proof_cache.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "base/env_posix.h"
#include "tests/support/run.h"
#include "tests/support/together.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);

ProofKey Key() {
  ProofKey k;
  k.endpoint = "https://registry.example tls=verified ca= cert=";
  k.repository = "registry.example/team/app";
  k.reference = "v1";
  k.credential_hash = std::string(64, 'c');
  return k;
}

ProofOutcome Proven(std::optional<system_clock::time_point> until,
                    system_clock::time_point at = kNow) {
  ProofOutcome o;
  o.digest = "sha256:" + std::string(64, 'd');
  o.decided_at = at;
  o.reusable_until = until;
  return o;
}

ProofOutcome Refused(system_clock::time_point at = kNow) {
  ProofOutcome o;
  o.status = MakeError(ErrorKind::kUnauthorized, "preflight: registry refused pull of team/app");
  o.decided_at = at;
  return o;
}

// Counts the flights a cache call makes.
struct Counting {
  int flights = 0;
  ProofOutcome next;
  ProofCache::Prover prover() {
    return [this] {
      ++flights;
      return next;
    };
  }
};

}  // namespace

TEST_CASE("proof cache: a token-backed proof is reused until it stops being reusable",
          "[proof_cache]") {
  TempDir tmp;
  ProofCache cache(DefaultEnv(), tmp.path() + "/proofs");
  Counting c;
  c.next = Proven(kNow + seconds(240));
  system_clock::time_point now = kNow;
  auto clock = [&] { return now; };
  ProofAnswer how{};
  CHECK(cache.GetOrProve(Key(), clock, c.prover(), &how).status.ok());
  CHECK(how == ProofAnswer::kProved);
  now = kNow + seconds(239);
  auto again = cache.GetOrProve(Key(), clock, c.prover(), &how);
  CHECK(again.status.ok());
  CHECK(again.digest == c.next.digest);
  CHECK(how == ProofAnswer::kReused);
  CHECK(c.flights == 1);

  SECTION("not at or after reusable_until") {
    now = kNow + seconds(240);
    CHECK(cache.GetOrProve(Key(), clock, c.prover(), &how).status.ok());
    CHECK(how == ProofAnswer::kProved);
    CHECK(c.flights == 2);
  }
  SECTION("not when the clock says it was decided in the future (clock set back)") {
    now = kNow - seconds(1);
    CHECK(cache.GetOrProve(Key(), clock, c.prover(), &how).status.ok());
    CHECK(how == ProofAnswer::kProved);
    CHECK(c.flights == 2);
  }
}

TEST_CASE(
    "proof cache: another credential, repository, reference, endpoint or principal is "
    "another proof",
    "[proof_cache]") {
  TempDir tmp;
  ProofCache cache(DefaultEnv(), tmp.path() + "/proofs");
  Counting c;
  c.next = Proven(kNow + seconds(300));
  auto clock = [] { return kNow; };
  REQUIRE(cache.GetOrProve(Key(), clock, c.prover()).status.ok());
  std::vector<ProofKey> others(6, Key());
  others[0].credential_hash = std::string(64, 'e');
  others[1].repository = "registry.example/team/other";
  others[2].reference = "sha256:" + std::string(64, 'd');
  others[3].endpoint = "http://registry.example tls=unverified ca= cert=";
  others[4].source.kind = ProofSource::Kind::kServiceAccount;
  others[4].source.ns = "team";
  others[4].source.name = "puller";
  others[4].source.uid = "uid-1";
  others[5] = others[4];
  others[5].source.uid = "uid-2";
  std::set<std::string> paths{cache.PathFor(Key())};
  for (const ProofKey& k : others) {
    ProofAnswer how{};
    REQUIRE(cache.GetOrProve(k, clock, c.prover(), &how).status.ok());
    CHECK(how == ProofAnswer::kProved);
    paths.insert(cache.PathFor(k));
  }
  CHECK(c.flights == 7);
  CHECK(paths.size() == 7);

  SECTION("a file copied under another key's name is not taken for that key") {
    std::string text = Slurp(cache.PathFor(Key()));
    REQUIRE(DefaultEnv().WriteFileAtomic(cache.PathFor(others[0]), text, 0600).ok());
    ProofAnswer how{};
    REQUIRE(cache.GetOrProve(others[0], clock, c.prover(), &how).status.ok());
    CHECK(how == ProofAnswer::kProved);
    CHECK(c.flights == 8);
  }
}

TEST_CASE("proof cache: refusals and proofs without a token answer their own flight only",
          "[proof_cache]") {
  TempDir tmp;
  ProofCache cache(DefaultEnv(), tmp.path() + "/proofs");
  auto clock = [] { return kNow; };
  Counting c;
  c.next = Refused();
  ProofAnswer how{};
  auto first = cache.GetOrProve(Key(), clock, c.prover(), &how);
  REQUIRE_FALSE(first.status.ok());
  CHECK(first.status.error().kind == ErrorKind::kUnauthorized);
  // The credential was granted access meanwhile: the next exec asks the registry again.
  c.next = Proven(std::nullopt);
  auto second = cache.GetOrProve(Key(), clock, c.prover(), &how);
  CHECK(second.status.ok());
  CHECK(how == ProofAnswer::kProved);
  // A proof made without a token (Basic, anonymous) is not reused either.
  CHECK(cache.GetOrProve(Key(), clock, c.prover(), &how).status.ok());
  CHECK(how == ProofAnswer::kProved);
  CHECK(c.flights == 3);
}

TEST_CASE("proof cache: files are 0600 in a 0700 directory and say nothing secret",
          "[proof_cache]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/state/proofs";
  ProofCache cache(DefaultEnv(), dir);
  Counting c;
  c.next = Proven(kNow + seconds(300));
  REQUIRE(cache
              .GetOrProve(
                  Key(), [] { return kNow; }, c.prover())
              .status.ok());
  struct stat st {};
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(stat(cache.PathFor(Key()).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string lock = cache.PathFor(Key());
  lock.replace(lock.size() - 5, 5, ".lock");
  REQUIRE(stat(lock.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("proof cache: the file round-trips and anything malformed reads as absent",
          "[proof_cache]") {
  StoredProof s{Key(), "0123456789abcdef", Proven(kNow + seconds(300))};
  s.key.source.kind = ProofSource::Kind::kServiceAccount;
  s.key.source.ns = "team";
  s.key.source.name = "puller";
  s.key.source.uid = "uid-1";
  auto back = DecodeStoredProof(EncodeStoredProof(s));
  REQUIRE(back.ok());
  CHECK(back->key == s.key);
  CHECK(back->flight == s.flight);
  CHECK(back->outcome.status.ok());
  CHECK(back->outcome.digest == s.outcome.digest);
  CHECK(back->outcome.decided_at == kNow);
  CHECK(back->outcome.reusable_until == s.outcome.reusable_until);

  StoredProof r{Key(), "fedcba9876543210", Refused()};
  auto refused = DecodeStoredProof(EncodeStoredProof(r));
  REQUIRE(refused.ok());
  REQUIRE_FALSE(refused->outcome.status.ok());
  CHECK(refused->outcome.status.error().kind == ErrorKind::kUnauthorized);
  CHECK(refused->outcome.status.error().message == r.outcome.status.error().message);
  CHECK_FALSE(refused->outcome.reusable_until.has_value());

  std::string good = EncodeStoredProof(s);
  for (std::string bad :
       {std::string(""), std::string("{}"), std::string("[]"), good.substr(0, good.size() / 2)}) {
    CHECK_FALSE(DecodeStoredProof(bad).ok());
  }
  auto mutate = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    return DecodeStoredProof(t).ok();
  };
  CHECK_FALSE(mutate("\"version\":1", "\"version\":2"));
  CHECK_FALSE(mutate("\"proven\":true", "\"proven\":\"yes\""));
  CHECK_FALSE(mutate("\"kind\":\"serviceAccount\"", "\"kind\":\"robot\""));
  CHECK_FALSE(mutate("\"flight\":\"0123456789abcdef\"", "\"flight\":\"\""));
  // A refusal can never carry a reuse time.
  std::string t = EncodeStoredProof(r);
  t.insert(t.find("\"version\""), "\"reusableUntil\":1,");
  CHECK_FALSE(DecodeStoredProof(t).ok());
}

TEST_CASE("proof cache: a lock held past the timeout is kUnavailable, never a second flight",
          "[proof_cache]") {
  TempDir tmp;
  ProofCacheOptions options;
  options.lock_timeout = std::chrono::milliseconds(50);
  ProofCache cache(DefaultEnv(), tmp.path() + "/proofs", options);
  std::string lock = cache.PathFor(Key());
  lock.replace(lock.size() - 5, 5, ".lock");
  REQUIRE(DefaultEnv().CreateDirs(tmp.path() + "/proofs", 0700).ok());
  auto held = DefaultEnv().LockFile(lock, std::chrono::milliseconds(100));
  REQUIRE(held.ok());
  // flock is per open file description: a child process holds it against this one.
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    Counting c;
    c.next = Proven(kNow + seconds(300));
    ProofAnswer how{};
    auto o = cache.GetOrProve(
        Key(), [] { return kNow; }, c.prover(), &how);
    bool ok = !o.status.ok() && o.status.error().kind == ErrorKind::kUnavailable &&
              how == ProofAnswer::kBusy && c.flights == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("proof cache: prune drops what can no longer answer anyone", "[proof_cache]") {
  TempDir tmp;
  ProofCacheOptions options;
  options.prune_after = seconds(600);
  ProofCache cache(DefaultEnv(), tmp.path() + "/proofs", options);
  Counting c;
  c.next = Proven(kNow + seconds(3600));
  REQUIRE(cache
              .GetOrProve(
                  Key(), [] { return kNow; }, c.prover())
              .status.ok());
  ProofKey refused = Key();
  refused.reference = "v2";
  c.next = Refused();
  REQUIRE_FALSE(cache
                    .GetOrProve(
                        refused, [] { return kNow; }, c.prover())
                    .status.ok());
  tmp.Write("proofs/" + std::string(64, 'f') + ".json", "not json");
  tmp.Write("proofs/keep-me.txt", "foreign");
  // Still reusable, or decided recently: kept.
  auto r = cache.Prune(kNow + seconds(60));
  REQUIRE(r.ok());
  CHECK(*r == 1);  // the corrupt one
  // The refusal is old; the proof is still reusable.
  r = cache.Prune(kNow + seconds(1200));
  REQUIRE(r.ok());
  CHECK(*r == 1);
  CHECK(Slurp(cache.PathFor(Key())).find("\"proven\":true") != std::string::npos);
  CHECK(DefaultEnv().Stat(tmp.path() + "/proofs/keep-me.txt")->exists);
}

TEST_CASE("proof cache: prune removes an idle lock file, never a held one", "[proof_cache]") {
  TempDir tmp;
  ProofCacheOptions options;
  options.prune_after = seconds(600);
  ProofCache cache(DefaultEnv(), tmp.path() + "/proofs", options);
  REQUIRE(DefaultEnv().CreateDirs(tmp.path() + "/proofs", 0700).ok());
  std::string json = cache.PathFor(Key());
  std::string lock = json.substr(0, json.size() - 5) + ".lock";
  auto held = DefaultEnv().LockFile(lock, std::chrono::milliseconds(0));  // a flight under way
  REQUIRE(held.ok());
  auto later = system_clock::now() + seconds(3600);
  auto r = cache.Prune(later);
  REQUIRE(r.ok());
  CHECK(*r == 0);
  CHECK(DefaultEnv().Stat(lock)->exists);
  held->reset();
  r = cache.Prune(later);
  REQUIRE(r.ok());
  CHECK(*r == 1);
  CHECK_FALSE(DefaultEnv().Stat(lock)->exists);
}

TEST_CASE("proof cache: 16 processes for one key make one flight and share its outcome",
          "[proof_cache]") {
  // The outcome of each case: a refusal, a proof without a token, a token-backed proof. All of
  // them are shared by the processes that were waiting for the flight.
  auto row = GENERATE(table<const char*, ProofOutcome>({
      {"refused", Refused(system_clock::now())},
      {"basic", Proven(std::nullopt, system_clock::now())},
      {"token", Proven(system_clock::now() + seconds(300), system_clock::now())},
  }));
  INFO(std::get<0>(row));
  const ProofOutcome outcome = std::get<1>(row);
  TempDir tmp;
  std::string dir = tmp.path() + "/proofs";
  std::string counter = tmp.path() + "/flights";
  constexpr int kProcs = 16;
  int failures = RunTogether(kProcs, [&](int) {
    ProofCache cache(DefaultEnv(), dir);
    auto o = cache.GetOrProve(
        Key(), [] { return system_clock::now(); },
        [&] {
          std::ofstream(counter, std::ios::app) << "x";
          // Long enough that every other child finds the lock taken.
          usleep(300 * 1000);
          ProofOutcome out = outcome;
          out.decided_at = system_clock::now();
          return out;
        });
    bool same = o.status.ok() == outcome.status.ok() && o.digest == outcome.digest;
    return same ? 0 : 1;
  });
  CHECK(failures == 0);
  CHECK(Slurp(counter) == "x");
}
