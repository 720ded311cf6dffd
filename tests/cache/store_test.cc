// The file store: layout and modes, listing that skips temp files and foreign names, corrupt and
// misfiled records reported (never dropped), and injected faults that lose nothing.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/env_posix.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"
#include "cache/record_index.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/fault_env.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::FaultEnv;
using pullguard::testing::FilesIn;
using pullguard::testing::Slurp;
using pullguard::testing::Tee;
using pullguard::testing::TempDir;

namespace {

const std::string kB3 = "sha256-b3c0cc4278800b03a308ceb2611161430df571ca733122f0a40ac8b9792a9064";
const std::string kA2 = "sha256-a2eace2182b24cdbbb730798e47b10709b9ef5e0f0c1624a3bc06c8ca987727a";
const std::string kE7 = "sha256-e766e4624f9bc4d3847d6c5b470d9d5362cc8d0c250bd9572daf95278e044263";

mode_t ModeOf(const std::string& p) {
  struct stat st {};
  REQUIRE(stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

ImagePulledRecord Rec(const std::string& ref, const std::string& hash) {
  ImagePulledRecord r;
  r.image_ref = ref;
  r.last_updated_time = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  r.credential_mapping["docker.io/a/b"].kubernetes_secrets = {{"u", "ns", "n", hash}};
  return r;
}

}  // namespace

TEST_CASE("Init creates kubelet's layout with private modes; files are 0600") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path() + "/deep/image_manager");
  REQUIRE(store.Init().ok());
  CHECK(ModeOf(dir.path() + "/deep/image_manager/pulled") == 0700);
  CHECK(ModeOf(dir.path() + "/deep/image_manager/pulling") == 0700);
  REQUIRE(store.WriteRecord(Rec("ref", "h")).ok());
  REQUIRE(store.WriteIntent("img:1").ok());
  CHECK(ModeOf(store.RecordPath("ref")) == 0600);
  CHECK(ModeOf(store.IntentPath("img:1")) == 0600);
  auto got = store.GetRecord("ref");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(**got == Rec("ref", "h"));
}

TEST_CASE("a reader does not invent an empty store") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path() + "/missing");
  auto st = store.CheckExists();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::kNotFound);
}

TEST_CASE("missing record is absent; a record stored under another key counts as absent") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  auto none = store.GetRecord("nothing");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  // Put testimageref's content under the file name of another key.
  std::filesystem::copy_file(pullguard::testing::TestdataDir() + "/pulled/" + kB3,
                             store.RecordPath("other-ref"));
  auto moved = store.GetRecord("other-ref");
  REQUIRE(moved.ok());
  CHECK_FALSE(moved->has_value());
  std::filesystem::copy_file(
      pullguard::testing::TestdataDir() +
          "/pulling/sha256-aef2af226629a35d5f3ef0fdbb29fdbebf038d0acd8850590e8c48e1e283aa56",
      store.IntentPath("other-image:1"));
  auto intent = store.IntentExists("other-image:1");
  REQUIRE(intent.ok());
  CHECK_FALSE(*intent);
}

TEST_CASE("listing skips temp files, foreign names and directories; reports corrupt files") {
  TempDir dir;
  Tee(dir.path(), "pulled", {kB3, kA2, kE7});
  Tee(dir.path(), "observed-preloaded",
      {"sha256-0eeec2fec6456af3efdeaf15c8d3a64b2f3388b5f0df1f12e0ddcbb18aa664d3"});
  dir.Write("pulled/" + kB3 + ".tmp", "{half");
  dir.Write("pulled/sha256-abc.123.456.tmp", "{half");
  dir.Write("pulled/README", "not a record");
  dir.Write("pulled/.hidden", "x");
  std::filesystem::create_directories(dir.path() + "/pulled/sha256-subdir");
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  auto l = store.ListRecords();
  REQUIRE(l.ok());
  CHECK(l->items.size() == 2);
  REQUIRE(l->problems.size() == 1);
  CHECK(l->problems[0].file == "pulled/" + kE7);
  CHECK(l->problems[0].error.kind == ErrorKind::kCorrupt);
  // The corrupt file is still there, untouched.
  CHECK(Slurp(dir.path() + "/pulled/" + kE7) ==
        Slurp(pullguard::testing::TestdataDir() + "/pulled/" + kE7));
}

TEST_CASE("a corrupt record fails the decision closed and is never overwritten") {
  TempDir dir;
  Tee(dir.path(), "pulled", {kE7});
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  PullManager m(store, *PolicyEnforcer::Make(VerificationPolicy::kNeverVerify, {}));
  auto check = m.MustAttemptImagePull("docker.io/testing/broken:v1", "testbrokenrecord", {}, {});
  CHECK(check.must_pull);  // even NeverVerify: records that cannot be read fail closed
  CHECK(check.error);
  CHECK(check.reason.find("failing closed") != std::string::npos);
  auto w = m.WritePulledRecordIfChanged("docker.io/testing/broken:v1", "testbrokenrecord",
                                        ImagePullCredentials{{}, {}, true});
  CHECK_FALSE(w.ok());
  CHECK(Slurp(dir.path() + "/pulled/" + kE7) ==
        Slurp(pullguard::testing::TestdataDir() + "/pulled/" + kE7));
}

TEST_CASE("injected faults: a failed write or rename loses nothing") {
  TempDir dir;
  FaultEnv env(DefaultEnv());
  FileRecordStore store(env, dir.path());
  REQUIRE(store.Init().ok());
  PullManager m(store, *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}));
  REQUIRE(m.WritePulledRecordIfChanged("docker.io/a/b:1", "ref",
                                       ImagePullCredentials{{{"u1", "ns", "s1", "h1"}}, {}, false})
              .ok());
  std::string good = Slurp(store.RecordPath("ref"));

  SECTION("torn write (disk full)") {
    env.fail_writes = 1;
  }
  SECTION("failed rename") {
    env.fail_renames = 1;
  }
  auto w = m.WritePulledRecordIfChanged(
      "docker.io/a/b:1", "ref", ImagePullCredentials{{{"u2", "ns", "s2", "h2"}}, {}, false});
  CHECK_FALSE(w.ok());
  CHECK(Slurp(store.RecordPath("ref")) == good);
  // Leftover temp files are invisible to listings.
  auto l = store.ListRecords();
  REQUIRE(l.ok());
  CHECK(l->items.size() == 1);
  CHECK(l->problems.empty());
  // The next write succeeds and merges on top of the intact old version.
  REQUIRE(m.WritePulledRecordIfChanged("docker.io/a/b:1", "ref",
                                       ImagePullCredentials{{{"u2", "ns", "s2", "h2"}}, {}, false})
              .ok());
  auto r = store.GetRecord("ref");
  REQUIRE(r.ok());
  CHECK((*r)->credential_mapping.at("docker.io/a/b").kubernetes_secrets.size() == 2);
}

TEST_CASE("injected faults: intents, reads, removes and locks") {
  TempDir dir;
  FaultEnv env(DefaultEnv());
  FileRecordStore store(env, dir.path());
  REQUIRE(store.Init().ok());
  PullManager m(store, *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}));
  SECTION("a failed intent write is an error and counts nothing") {
    env.fail_writes = 1;
    CHECK_FALSE(m.RecordPullIntent("img:1").ok());
    CHECK(m.IntentCount("img:1") == 0);
  }
  SECTION("a failed intent removal keeps the intent (and the image counts as kubelet-pulled)") {
    REQUIRE(m.RecordPullIntent("img:1").ok());
    env.fail_removes = 1;
    CHECK_FALSE(m.RecordImagePullFailed("img:1").ok());
    CHECK(FilesIn(dir.path() + "/pulling").size() == 1);
  }
  SECTION("a read error fails the decision closed") {
    REQUIRE(store.WriteRecord(Rec("ref", "h")).ok());
    env.fail_reads = 1;
    auto c = m.MustAttemptImagePull("docker.io/a/b:1", "ref", {{"u", "ns", "n", "h"}}, {});
    CHECK(c.must_pull);
    CHECK(c.error);
  }
  SECTION("a lock that cannot be taken writes nothing") {
    env.fail_locks = 1;
    auto w =
        m.WritePulledRecordIfChanged("docker.io/a/b:1", "ref", ImagePullCredentials{{}, {}, true});
    CHECK_FALSE(w.ok());
    CHECK(FilesIn(dir.path() + "/pulled").empty());
  }
  SECTION("a failed listing is an error, not an empty store") {
    env.fail_lists = 1;
    CHECK_FALSE(store.ListRecords().ok());
  }
}

TEST_CASE("the index agrees with the files, is write-through, and fails closed on corrupt files") {
  TempDir dir;
  Tee(dir.path(), "pulled", {kB3, kA2, kE7});
  Tee(dir.path(), "pulling",
      {"sha256-aef2af226629a35d5f3ef0fdbb29fdbebf038d0acd8850590e8c48e1e283aa56"});
  FaultEnv env(DefaultEnv());
  FileRecordStore store(env, dir.path());
  REQUIRE(store.Init().ok());
  RecordIndex index(store);
  REQUIRE(index.Load().ok());
  CHECK(index.record_count() == 2);
  CHECK(index.intent_count() == 1);
  CHECK(index.problem_count() == 1);
  auto hit = index.GetRecord("testimageref");
  REQUIRE(hit.ok());
  CHECK(**hit == **store.GetRecord("testimageref"));
  auto bad = index.GetRecord("testbrokenrecord");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::kCorrupt);
  CHECK(*index.IntentExists("docker.io/testing/test:latest"));
  // Lookups do not touch the disk.
  env.fail_reads = -1;
  CHECK(index.GetRecord("testimage-anonpull").ok());
  CHECK_FALSE(index.GetRecord("absent")->has_value());
  env.fail_reads = 0;
  // A failed write leaves memory and disk as they were.
  env.fail_writes = 1;
  CHECK_FALSE(index.WriteRecord(Rec("new", "h")).ok());
  CHECK_FALSE(index.GetRecord("new")->has_value());
  REQUIRE(index.WriteRecord(Rec("new", "h")).ok());
  CHECK(index.GetRecord("new")->has_value());
  CHECK(store.GetRecord("new")->has_value());
  // Decisions through the index match decisions through the files.
  PullManager via_index(index,
                        *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}));
  PullManager via_files(store,
                        *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}));
  for (const char* ref :
       {"testimageref", "testimage-anonpull", "testbrokenrecord", "absent", "new"}) {
    INFO(ref);
    std::vector<PodSecret> secrets = {
        {"testsecretuid", "default", "pull-secret", "testsecrethash"}};
    auto a = via_index.MustAttemptImagePull("docker.io/testing/test:v1", ref, secrets, {});
    auto b = via_files.MustAttemptImagePull("docker.io/testing/test:v1", ref, secrets, {});
    CHECK(a.must_pull == b.must_pull);
    CHECK(a.reason == b.reason);
  }
}

TEST_CASE("options beyond kubelet: maximum record age and expired credentials") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  REQUIRE(store.WriteRecord(Rec("ref", "h")).ok());  // last updated 2023-11-14
  std::vector<PodSecret> pod = {{"u", "ns", "n", "h"}};
  auto policy = *PolicyEnforcer::Make(VerificationPolicy::kAlwaysVerify, {});
  PullManagerOptions fresh;
  fresh.now = [] { return std::chrono::sys_seconds(std::chrono::seconds(1700000000 + 3600)); };
  fresh.max_record_age = std::chrono::hours(24);
  CHECK_FALSE(PullManager(store, policy, fresh)
                  .MustAttemptImagePull("docker.io/a/b:1", "ref", pod, {})
                  .must_pull);
  PullManagerOptions old = fresh;
  old.now = [] { return std::chrono::sys_seconds(std::chrono::seconds(1700000000 + 90000)); };
  auto c = PullManager(store, policy, old).MustAttemptImagePull("docker.io/a/b:1", "ref", pod, {});
  CHECK(c.must_pull);
  CHECK(c.reason.find("older than the configured maximum age") != std::string::npos);
  PullManagerOptions expired;
  expired.credential_expired = [](const std::string& hash, const std::string& repo) {
    return hash == "h" && repo == "docker.io/a/b";
  };
  auto e =
      PullManager(store, policy, expired).MustAttemptImagePull("docker.io/a/b:1", "ref", pod, {});
  CHECK(e.must_pull);
  CHECK(e.reason.find("expired") != std::string::npos);
}

TEST_CASE("a held lock makes another locker give up with kUnavailable, then succeed once free") {
  TempDir dir;
  std::string path = dir.path() + "/l.lock";
  auto first = DefaultEnv().LockFile(path, std::chrono::milliseconds(50));
  REQUIRE(first.ok());
  auto second = DefaultEnv().LockFile(path, std::chrono::milliseconds(50));
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == ErrorKind::kUnavailable);
  first->reset();
  auto third = DefaultEnv().LockFile(path, std::chrono::milliseconds(50));
  CHECK(third.ok());
}
