// The index's load on several threads: it holds exactly what a listing of the files holds, files
// it cannot read or decode are remembered and fail lookups closed, and decisions through it match
// decisions through the files.
#include "cache/record_index.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/env_posix.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"
#include "tests/support/fault_env.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::FaultEnv;
using pullguard::testing::TempDir;

namespace {

ImagePulledRecord Rec(int i) {
  ImagePulledRecord r;
  r.image_ref = "sha256:" + std::string(56, 'a') + std::to_string(10000000 + i);
  r.last_updated_time = std::chrono::sys_seconds(std::chrono::seconds(1700000000 + i));
  r.credential_mapping["registry.example/team-" + std::to_string(i % 7) + "/app"]
      .kubernetes_secrets = {{"uid-" + std::to_string(i), "ns", "pull", std::string(64, 'c')}};
  return r;
}

// Writes the records as kubelet would leave them, plus what a listing must step over or report.
void Populate(FileRecordStore& store, int n) {
  REQUIRE(store.Init().ok());
  for (int i = 0; i < n; ++i) {
    std::ofstream(store.RecordPath(Rec(i).image_ref)) << EncodePulledRecord(Rec(i));
  }
  std::ofstream(store.root() + "/pulled/" + RecordFileName("corrupt")) << "{\"kind\":";
  // Misfiled: a valid record under another record's name is invisible, as in kubelet.
  std::ofstream(store.root() + "/pulled/" + RecordFileName("elsewhere"))
      << EncodePulledRecord(Rec(n + 1));
  std::ofstream(store.root() + "/pulled/" + RecordFileName("x") + ".1.2.tmp") << "partial";
  std::filesystem::create_directories(store.root() + "/pulled/" + RecordFileName("dir"));
}

}  // namespace

TEST_CASE("index: a load on several threads holds what the files hold") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  const int n = 1000;
  Populate(store, n);
  for (unsigned threads : {1u, 2u, 5u}) {
    INFO(threads);
    RecordIndex index(store, threads);
    REQUIRE(index.Load().ok());
    CHECK(index.record_count() == static_cast<std::size_t>(n));
    CHECK(index.problem_count() == 1);
    for (int i = 0; i < n; i += 7) {
      auto got = index.GetRecord(Rec(i).image_ref);
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK(**got == Rec(i));
    }
    CHECK_FALSE(index.GetRecord(Rec(n + 1).image_ref)->has_value());
    auto bad = index.GetRecord("corrupt");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::kCorrupt);
    auto listed = index.ListRecords();
    REQUIRE(listed.ok());
    CHECK(listed->items.size() == static_cast<std::size_t>(n));
    REQUIRE(listed->problems.size() == 1);
    CHECK(listed->problems[0].file == "pulled/" + RecordFileName("corrupt"));
  }
}

TEST_CASE("index: a file that cannot be read at load fails its lookups closed") {
  TempDir dir;
  FaultEnv env(DefaultEnv());
  FileRecordStore store(env, dir.path());
  Populate(store, 50);
  // One thread: the fault counters of the test Env are not meant for concurrent calls.
  RecordIndex index(store, 1);
  env.only_path_containing = RecordFileName(Rec(17).image_ref);
  env.fail_reads = 1;
  REQUIRE(index.Load().ok());
  env.only_path_containing.clear();
  CHECK(index.record_count() == 49);
  CHECK(index.problem_count() == 2);
  auto r = index.GetRecord(Rec(17).image_ref);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kIo);
  PullManager manager(index, *PolicyEnforcer::Make(VerificationPolicy::kAlwaysVerify, {}));
  auto check = manager.MustAttemptImagePull("registry.example/team-3/app:v1", Rec(17).image_ref,
                                            {{"uid-17", "ns", "pull", std::string(64, 'c')}}, {});
  CHECK(check.must_pull);
  CHECK(check.error);
  // Rewriting the record through the index heals it.
  REQUIRE(index.WriteRecord(Rec(17)).ok());
  CHECK(index.problem_count() == 1);
  auto healed = manager.MustAttemptImagePull("registry.example/team-3/app:v1", Rec(17).image_ref,
                                             {{"uid-17", "ns", "pull", std::string(64, 'c')}}, {});
  CHECK_FALSE(healed.must_pull);
}

TEST_CASE("index: decisions read in place match decisions on decoded files, case by case") {
  // Records of every shape MustAttemptImagePull looks at: secrets, service accounts, node
  // credentials, empty entries, several keys, keys in a familiar form, no time.
  std::vector<ImagePulledRecord> records;
  for (int i = 0; i < 12; ++i) {
    ImagePulledRecord r;
    r.image_ref = "sha256:" + std::string(62, 'e') + std::to_string(10 + i);
    if (i % 5 != 0)
      r.last_updated_time = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
    std::string key = i % 3 == 0 ? "docker.io/team/app" : "team/app";  // familiar form too
    auto& c = r.credential_mapping[key];
    if (i % 4 == 1) c.node_pods_accessible = true;
    if (i % 2 == 0) c.kubernetes_secrets.push_back({"u1", "ns", "pull", "hash-1"});
    if (i % 6 == 0) c.kubernetes_secrets.push_back({"u2", "ns", "other", ""});
    if (i % 3 == 1) c.kubernetes_service_accounts.push_back({"sa-uid", "ns", "builder"});
    if (i % 7 == 0) r.credential_mapping["docker.io/library/other"].node_pods_accessible = true;
    records.push_back(r);
  }
  const std::vector<std::vector<PodSecret>> pods = {
      {},
      {{"u1", "ns", "pull", "hash-1"}},
      {{"u9", "ns", "x", "hash-1"}},     // the same credentials in another secret: recorded
      {{"u1", "ns", "pull", "hash-2"}},  // rotated: recorded
      {{"u2", "ns", "other", "hash-3"}, {"u3", "other", "y", "hash-4"}},
  };
  const std::vector<std::optional<PodServiceAccount>> accounts = {
      std::nullopt, PodServiceAccount{"sa-uid", "ns", "builder"},
      PodServiceAccount{"x", "ns", "b"}};
  const auto now = std::chrono::sys_seconds(std::chrono::seconds(1700000000 + 7200));
  auto policy = *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {});
  int compared = 0;
  for (bool separate : {false, true}) {
    for (bool aged : {false, true}) {
      PullManagerOptions opts;
      opts.separate_shared_digests = separate;
      if (aged) opts.max_record_age = std::chrono::hours(1);
      opts.now = [now] { return now; };
      opts.credential_expired = [](const std::string& hash, const std::string&) {
        return hash == "hash-4";
      };
      for (const auto& r : records) {
        for (const auto& pod : pods) {
          for (const auto& sa : accounts) {
            for (const char* image : {"team/app:v1", "docker.io/library/other:1"}) {
              CAPTURE(separate, aged, r.image_ref, pod.size(), sa.has_value(), image);
              // A fresh copy of the record on each side: a match may write it.
              TempDir dir;
              FileRecordStore files(DefaultEnv(), dir.path() + "/files");
              FileRecordStore indexed(DefaultEnv(), dir.path() + "/indexed");
              for (FileRecordStore* s : {&files, &indexed}) {
                REQUIRE(s->Init().ok());
                std::ofstream(s->RecordPath(r.image_ref)) << EncodePulledRecord(r);
              }
              RecordIndex index(indexed, 1);
              REQUIRE(index.Load().ok());
              PullManager via_files(files, policy, opts);
              PullManager via_index(index, policy, opts);
              auto a = via_index.MustAttemptImagePull(image, r.image_ref, pod, sa);
              auto b = via_files.MustAttemptImagePull(image, r.image_ref, pod, sa);
              CHECK(a.must_pull == b.must_pull);
              CHECK(a.reason == b.reason);
              CHECK(a.error == b.error);
              CHECK(a.record_updated == b.record_updated);
              CHECK(*index.GetRecord(r.image_ref) == *files.GetRecord(r.image_ref));
              ++compared;
            }
          }
        }
      }
    }
  }
  CHECK(compared == 4 * 12 * 5 * 3 * 2);
}
