// records recover (cache/record_recovery.h): what pullguard adds to kubelet's initialize (whose
// upstream table runs through this code as PullManager::Initialize in pull_manager_test.cc):
// intents of absent images removed, normalised names matched, unreadable files kept, a record
// that cannot be read keeping its intent; and with both differences off, kubelet's behaviour.
#include <catch2/catch.hpp>
#include <set>

#include "base/env_posix.h"
#include "cache/record_recovery.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::FilesIn;
using pullguard::testing::Tee;
using pullguard::testing::TempDir;
using namespace pullguard::testing::upstream;

namespace {

// The runtime's images: repo.repo/test/test:v1 (the intent kPullingTestV1), two familiar-name
// matches.
RuntimeImageList Images() {
  RuntimeImageList l;
  l.has_names = true;
  l.images = {
      {"testimageref", {"repo.repo/test/test:v1"}, {"repo.repo/test/test@dgst1"}},
      {"id-secretorg", {"docker.io/secretorg/myimage:customtag"}, {}},
      {"id-testing",
       {},
       {"docker.io/library/testing@sha256:"
        "f24acc752be18b93b0504c86312bbaf482c9efb0c45e925bbccb0a591cebd7af"}},
  };
  return l;
}

RecordTime Now() {
  return std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year{2026} / 12 / 2));
}

PullManager Writer(RecordAccessor& store) {
  PullManagerOptions o;
  o.now = Now;
  return PullManager(store, *PolicyEnforcer::Make(VerificationPolicy::kNeverVerify, {}), o);
}

std::set<std::string> In(const TempDir& dir, const char* sub) {
  auto got = FilesIn(dir.path() + "/" + sub);
  return {got.begin(), got.end()};
}

}  // namespace

TEST_CASE("records recover: what pullguard adds") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  RuntimeImageList list = Images();
  PullManager writer = Writer(store);

  SECTION("an intent whose image is absent is removed (kubelet leaves it)") {
    Tee(dir.path(), "pulling", {kPullingTestLatest, kPullingTestV1});
    auto res = RecoverIntents(store, writer, list, RecoveryOptions{});
    REQUIRE(res.ok());
    CHECK(In(dir, "pulling").empty());
    REQUIRE(res->entries.size() == 2);
    CHECK(res->entries[0].action ==
          RecoveryEntry::Action::kRemoved);  // kPullingTestLatest sorts first
    CHECK(res->entries[0].image == "docker.io/testing/test:latest");
    CHECK(res->entries[1].action == RecoveryEntry::Action::kRecorded);
  }
  SECTION("familiar names match the runtime's normalised ones, tags and digests") {
    Tee(dir.path(), "pulling", {kPullingSecretorg, kPullingTestingDigest});
    auto res = RecoverIntents(store, writer, list, RecoveryOptions{});
    REQUIRE(res.ok());
    CHECK(In(dir, "pulling").empty());
    CHECK(In(dir, "pulled") ==
          std::set<std::string>{RecordFileName("id-secretorg"), RecordFileName("id-testing")});
  }
  SECTION("a dry run changes nothing") {
    Tee(dir.path(), "pulling", {kPullingTestLatest, kPullingTestV1});
    RecoveryOptions o;
    o.dry_run = true;
    auto res = RecoverIntents(store, writer, list, o);
    REQUIRE(res.ok());
    CHECK(In(dir, "pulling").size() == 2);
    CHECK(In(dir, "pulled").empty());
    CHECK(res->entries[0].action == RecoveryEntry::Action::kWouldRemove);
    CHECK(res->entries[1].action == RecoveryEntry::Action::kWouldRecord);
    CHECK(res->entries[1].image_ref == "testimageref");
  }
  SECTION("an unreadable intent is kept; a record that cannot be read keeps its intent") {
    Tee(dir.path(), "pulling", {kPullingTestV1});
    TempDir scratch;
    std::filesystem::copy_file(scratch.Write("bad", "{\"kind\":", 0600),
                               dir.path() + "/pulling/sha256-" + std::string(64, '1'));
    std::filesystem::copy_file(scratch.Write("bad2", "not a record", 0600),
                               dir.path() + "/pulled/" + RecordFileName("testimageref"));
    auto res = RecoverIntents(store, writer, list, RecoveryOptions{});
    REQUIRE(res.ok());
    CHECK(In(dir, "pulling").size() == 2);
    REQUIRE(res->entries.size() == 2);
    for (const auto& e : res->entries) {
      CHECK(e.action == RecoveryEntry::Action::kKept);
      CHECK_FALSE(e.error.empty());
    }
    CHECK(pullguard::testing::Slurp(dir.path() + "/pulled/" + RecordFileName("testimageref")) ==
          "not a record");
  }
}

TEST_CASE("records recover: with pullguard's differences off, kubelet's initialize") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  PullManager writer = Writer(store);
  Tee(dir.path(), "pulling", {kPullingTestLatest, kPullingTestV1, kPullingSecretorg});
  RecoveryOptions o;
  o.remove_absent = false;
  o.match_normalised = false;
  auto res = RecoverIntents(store, writer, Images(), o);
  REQUIRE(res.ok());
  // Only the exact match became a record; the absent and the familiar-name intents stay.
  CHECK(In(dir, "pulling") == std::set<std::string>{kPullingTestLatest, kPullingSecretorg});
  CHECK(In(dir, "pulled") == std::set<std::string>{RecordFileName("testimageref")});
  auto r = store.GetRecord("testimageref");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->credential_mapping.empty());
  CHECK((*r)->last_updated_time == Now());
}
