// records gc (cache/record_gc.h): what pullguard adds to kubelet's PruneUnknownRecords (whose
// upstream table runs through this code as PullManager::PruneUnknownRecords in
// pull_manager_test.cc): dry run, unreadable and misfiled files kept, expired evidence removed.
#include <catch2/catch.hpp>
#include <set>

#include "base/env_posix.h"
#include "cache/evidence_store.h"
#include "cache/record_gc.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::FilesIn;
using pullguard::testing::Tee;
using pullguard::testing::TempDir;
using namespace pullguard::testing::upstream;

namespace {

RecordTime GcStart() {  // upstream's gcStartTime: 2024-12-25T00:01:00Z
  return std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year{2024} / 12 / 25)) +
         std::chrono::minutes(1);
}

std::vector<std::string> Images(std::vector<std::string> ids) {
  return ids;
}

std::set<std::string> Pulled(const TempDir& dir) {
  auto got = FilesIn(dir.path() + "/pulled");
  return {got.begin(), got.end()};
}

}  // namespace

TEST_CASE("records gc: what pullguard adds") {
  TempDir dir;
  Tee(dir.path(), "pulled",
      {kPulledAnonpull, kPulledTestimageref, kPulledEmptyMapping,
       kPulledBroken});  // kPulledBroken does not decode
  Tee(dir.path(), "pulling",
      {"sha256-ee81caca15454863449fb55a1d942904d56d5ed9f9b20a7cb3453944ea2c7e11"});
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  RecordGcOptions o;
  o.until = GcStart();

  SECTION("a dry run lists what would go and removes nothing") {
    o.dry_run = true;
    auto res = CollectRecordGarbage(store, Images({"testimageref"}), o);
    REQUIRE(res.ok());
    CHECK(Pulled(dir).size() == 4);
    std::set<std::string> would;
    for (const auto& e : res->entries) {
      if (e.action == GcEntry::Action::kWouldRemove) would.insert(e.file);
    }
    CHECK(would ==
          std::set<std::string>{"pulled/" + kPulledAnonpull, "pulled/" + kPulledEmptyMapping});
  }
  SECTION("an unreadable record is kept and reported") {
    auto res = CollectRecordGarbage(store, Images({"x"}), o);
    REQUIRE(res.ok());
    CHECK(Pulled(dir) == std::set<std::string>{kPulledBroken});
    REQUIRE_FALSE(res->entries.empty());
    const auto& last = res->entries.back();
    CHECK(last.kind == GcEntry::Kind::kCorruptFile);
    CHECK(last.action == GcEntry::Action::kKept);
    CHECK(last.file == "pulled/" + kPulledBroken);
    CHECK_FALSE(last.error.empty());
    CHECK(FilesIn(dir.path() + "/pulling").size() == 1);
  }
  SECTION("records updated at or after the list was taken stay") {
    o.until = std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year{2020} / 1 / 1));
    auto res = CollectRecordGarbage(store, Images({"x"}), o);
    REQUIRE(res.ok());
    CHECK(Pulled(dir).size() == 4);
  }
  SECTION("a misfiled record is kept: removing it by imageRef would hit another file") {
    std::filesystem::rename(dir.path() + "/pulled/" + kPulledAnonpull,
                            dir.path() + "/pulled/sha256-" + std::string(64, '0'));
    auto res = CollectRecordGarbage(store, Images({"testimageref", "testemptycredmapping"}), o);
    REQUIRE(res.ok());
    CHECK(Pulled(dir).count("sha256-" + std::string(64, '0')) == 1);
    bool kept = false;
    for (const auto& e : res->entries) kept = kept || e.reason == "misfiled";
    CHECK(kept);
  }
}

TEST_CASE("records gc --evidence: files whose proofs have all expired go") {
  TempDir dir;
  Tee(dir.path(), "pulled", {kPulledTestimageref});
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  std::string ev = dir.path() + "/evidence";
  EvidenceStore evidence(DefaultEnv(), ev);
  REQUIRE(evidence.Init().ok());
  RecordTime now = GcStart();
  auto proof = [&](std::optional<RecordTime> until, std::string hash) {
    RepositoryProof p;
    p.credential_hash = std::move(hash);
    p.proven_at = now - std::chrono::hours(2);
    p.valid_until = until;
    return p;
  };
  auto expired = now - std::chrono::hours(1);
  auto valid = now + std::chrono::hours(1);
  REQUIRE(evidence.Add("r.io/expired", proof(expired, "a"), now).ok());
  REQUIRE(evidence.Add("r.io/expired", proof(now, "b"), now).ok());  // validUntil == now: expired
  REQUIRE(evidence.Add("r.io/mixed", proof(expired, "a"), now).ok());
  REQUIRE(evidence.Add("r.io/mixed", proof(valid, "b"), now).ok());
  REQUIRE(evidence.Add("r.io/forever", proof(std::nullopt, "a"), now).ok());
  std::string corrupt = ev + "/" + RecordFileName("r.io/corrupt");
  testing::TempDir scratch;
  std::filesystem::copy_file(scratch.Write("c", "{not json", 0600), corrupt);

  RecordGcOptions o;
  o.until = now;
  o.now = now;
  o.evidence_dir = ev;
  SECTION("dry run") {
    o.dry_run = true;
    GcReport res;
    REQUIRE(CollectEvidenceGarbage(DefaultEnv(), o, res).ok());
    CHECK(res.entries.size() == 2);  // expired (would-remove) and corrupt (kept)
    CHECK(FilesIn(ev).size() == 5);  // 4 files and the store's lock
  }
  SECTION("removal") {
    auto res = CollectRecordGarbage(store, Images({"testimageref"}), o);
    REQUIRE(res.ok());
    REQUIRE(CollectEvidenceGarbage(DefaultEnv(), o, *res).ok());
    CHECK(res->evidence_seen == 3);
    std::set<std::string> removed, kept;
    for (const auto& e : res->entries) {
      if (e.action == GcEntry::Action::kRemoved) removed.insert(e.key);
      if (e.action == GcEntry::Action::kKept) kept.insert(e.file);
    }
    CHECK(removed == std::set<std::string>{"r.io/expired"});
    CHECK(kept == std::set<std::string>{corrupt});
    CHECK(evidence.Get("r.io/mixed")->size() == 2);
    CHECK(evidence.Get("r.io/forever")->size() == 1);
    CHECK(evidence.Get("r.io/expired")->empty());
    CHECK(std::filesystem::exists(corrupt));
    CHECK(Pulled(dir) == std::set<std::string>{kPulledTestimageref});
  }
  SECTION("a missing evidence directory is refused") {
    o.evidence_dir = dir.path() + "/nope";
    GcReport res;
    auto st = CollectEvidenceGarbage(DefaultEnv(), o, res);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == ErrorKind::kNotFound);
  }
}
