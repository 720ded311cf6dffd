// Ports of kubelet's TestFileBasedImagePullManager_* tests: MustAttemptImagePull, RecordPullIntent,
// RecordImagePulled, initialize (startup recovery) and PruneUnknownRecords, over real files.
#include <catch2/catch.hpp>
#include <set>

#include "base/env_posix.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::FilesIn;
using pullguard::testing::Tee;
using pullguard::testing::TempDir;

namespace {

const std::string kB3 = "sha256-b3c0cc4278800b03a308ceb2611161430df571ca733122f0a40ac8b9792a9064";
const std::string kA2 = "sha256-a2eace2182b24cdbbb730798e47b10709b9ef5e0f0c1624a3bc06c8ca987727a";
const std::string kF8 = "sha256-f8778b6393eaf39315e767a58cbeacf2c4b270d94b4d6926ee993d9e49444991";
const std::string k38 = "sha256-38a8906435c4dd5f4258899d46621bfd8eea3ad6ff494ee3c2f17ef0321625bd";
const std::string k91 = "sha256-917e8b3439bf8a7a6f37ffd2d2ddfdfafac8a251bf214a0be39675742b420b1a";
const std::string kD7 = "sha256-d77ed7480bc819274ea7a4dba5b2699b2d3f73c6e578762df42e5a8224771096";
const std::string kAE = "sha256-aef2af226629a35d5f3ef0fdbb29fdbebf038d0acd8850590e8c48e1e283aa56";
const std::string kEE = "sha256-ee81caca15454863449fb55a1d942904d56d5ed9f9b20a7cb3453944ea2c7e11";
const std::string kF2 = "sha256-f24acc752be18b93b0504c86312bbaf482c9efb0c45e925bbccb0a591cebd7af";

PolicyEnforcer Policy(VerificationPolicy p) {
  return *PolicyEnforcer::Make(p, {});
}

RecordTime Now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

struct MustCase {
  const char* name;
  VerificationPolicy policy;
  std::vector<PodSecret> secrets;
  std::optional<PodServiceAccount> sa;
  std::string image, image_ref;
  std::vector<std::string> pulled, pulling;
  bool want;
  bool want_write;
  std::optional<ImagePullCredentials> expected_entry;  // docker.io/testing/test after the call
  bool separate = false;
};

const VerificationPolicy kPre = VerificationPolicy::kNeverVerifyPreloadedImages;
const PodSecret kSecret{"testsecretuid", "default", "pull-secret", "testsecrethash"};
const PodServiceAccount kSA{"test-sa-uid", "default", "test-sa"};

}  // namespace

TEST_CASE("MustAttemptImagePull (upstream table)") {
  const std::string img = "docker.io/testing/test:latest";
  std::vector<MustCase> cases = {
      {"recorded with pod's exact secret",
       kPre,
       {kSecret},
       {},
       img,
       "testimageref",
       {kB3},
       {},
       false,
       false,
       {}},
      {"recorded, no pod secrets", kPre, {}, {}, img, "testimageref", {kB3}, {}, true, false, {}},
      {"same secret, different hash (rotation)",
       kPre,
       {{"testsecretuid", "default", "pull-secret", "differenthash"}},
       {},
       img,
       "testimageref",
       {kB3},
       {},
       false,
       true,
       ImagePullCredentials{
           {{"testsecretuid", "default", "pull-secret", "differenthash"}}, {}, false}},
      {"different secret with a different UID",
       kPre,
       {{"different uid", "default", "pull-secret", "differenthash"}},
       {},
       img,
       "testimageref",
       {kB3},
       {},
       true,
       false,
       {}},
      {"a different secret",
       kPre,
       {{"testsecretuid", "differentns", "pull-secret", "differenthash"}},
       {},
       img,
       "testimageref",
       {kB3},
       {},
       true,
       false,
       {}},
      {"different secret with the same credential hash",
       kPre,
       {{"testsecretuid", "differentns", "pull-secret", "testsecrethash"}},
       {},
       img,
       "testimageref",
       {kB3},
       {},
       false,
       true,
       ImagePullCredentials{
           {kSecret, {"testsecretuid", "differentns", "pull-secret", "testsecrethash"}},
           {},
           false}},
      {"recorded under a different image name, same secret (kubelet 1.35)",
       kPre,
       {kSecret},
       {},
       "docker.io/testing/different:latest",
       "testimageref",
       {kB3},
       {},
       true,
       false,
       {}},
      {"recorded under a different image name, same secret (#138211 separation)",
       kPre,
       {kSecret},
       {},
       "docker.io/testing/different:latest",
       "testimageref",
       {kB3},
       {},
       false,
       false,
       {},
       true},
      {"empty credential mapping",
       kPre,
       {},
       {},
       img,
       "testemptycredmapping",
       {kF8},
       {},
       true,
       false,
       {}},
      {"empty credential mapping stays pulled-by-kubelet with separation",
       kPre,
       {},
       {},
       img,
       "testemptycredmapping",
       {kF8},
       {},
       true,
       false,
       {},
       true},
      {"no imageRef", kPre, {}, {}, img, "", {}, {}, true, false, {}},
      {"no records, NeverVerifyPreloadedImages",
       kPre,
       {},
       {},
       img,
       "testexistingref",
       {},
       {},
       false,
       false,
       {}},
      {"no records, AlwaysVerify",
       VerificationPolicy::kAlwaysVerify,
       {},
       {},
       img,
       "testexistingref",
       {},
       {},
       true,
       false,
       {}},
      {"only a pulling intent",
       kPre,
       {kSecret},
       {},
       img,
       "testexistingref",
       {},
       {kAE},
       true,
       false,
       {}},
      {"only a pulling intent, NeverVerify",
       VerificationPolicy::kNeverVerify,
       {kSecret},
       {},
       img,
       "testexistingref",
       {},
       {kAE},
       false,
       false,
       {}},
      {"node-accessible, no pod secrets",
       kPre,
       {},
       {},
       img,
       "testimage-anonpull",
       {kA2},
       {},
       false,
       false,
       {}},
      {"node-accessible, with pod secrets",
       kPre,
       {kSecret},
       {},
       img,
       "testimage-anonpull",
       {kA2},
       {},
       false,
       false,
       {}},
      {"empty recorded hash, different pod secret with empty hash",
       kPre,
       {{"testsecretuid", "differentns", "pull-secret", ""}},
       {},
       img,
       "test-brokenhash",
       {k38},
       {},
       true,
       false,
       {}},
      {"empty recorded hash, same pod secret with empty hash",
       kPre,
       {{"testsecretuid", "default", "pull-secret", ""}},
       {},
       img,
       "test-brokenhash",
       {k38},
       {},
       false,
       false,
       {}},
      {"pod's exact service account",
       kPre,
       {},
       kSA,
       img,
       "testimageref-sa",
       {k91},
       {},
       false,
       false,
       {}},
      {"recorded with secrets, no pod service account",
       kPre,
       {},
       {},
       img,
       "testimageref",
       {kB3},
       {},
       true,
       false,
       {}},
      {"service account with a different UID",
       kPre,
       {},
       PodServiceAccount{"different-sa-uid", "default", "test-sa"},
       img,
       "testimageref-sa",
       {k91},
       {},
       true,
       false,
       {}},
      {"service account in a different namespace",
       kPre,
       {},
       PodServiceAccount{"test-sa-uid", "different-ns", "test-sa"},
       img,
       "testimageref-sa",
       {k91},
       {},
       true,
       false,
       {}},
      {"service account recorded under a different image name",
       kPre,
       {},
       kSA,
       "docker.io/testing/different:latest",
       "testimageref-sa",
       {k91},
       {},
       true,
       false,
       {}},
      {"only an intent, with service account",
       kPre,
       {},
       kSA,
       img,
       "testexistingref",
       {},
       {kAE},
       true,
       false,
       {}},
      {"only an intent, service account, NeverVerify",
       VerificationPolicy::kNeverVerify,
       {},
       kSA,
       img,
       "testexistingref",
       {},
       {kAE},
       false,
       false,
       {}},
      {"node-accessible, pod service account",
       kPre,
       {},
       kSA,
       img,
       "testimage-anonpull",
       {kA2},
       {},
       false,
       false,
       {}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempDir dir;
      Tee(dir.path(), "pulled", c.pulled);
      Tee(dir.path(), "pulling", c.pulling);
      FileRecordStore store(DefaultEnv(), dir.path());
      REQUIRE(store.Init().ok());
      PullManagerOptions opts;
      opts.separate_shared_digests = c.separate;
      PullManager m(store, Policy(c.policy), opts);
      std::string before =
          c.image_ref.empty() ? "" : pullguard::testing::Slurp(store.RecordPath(c.image_ref));
      PullCheck got = m.MustAttemptImagePull(c.image, c.image_ref, c.secrets, c.sa);
      CHECK(got.must_pull == c.want);
      CHECK_FALSE(got.reason.empty());
      CHECK(got.record_updated == c.want_write);
      if (!c.image_ref.empty()) {
        std::string after = pullguard::testing::Slurp(store.RecordPath(c.image_ref));
        CHECK((before != after) == c.want_write);
      }
      if (c.expected_entry) {
        auto r = store.GetRecord(c.image_ref);
        REQUIRE(r.ok());
        REQUIRE(r->has_value());
        CHECK((*r)->credential_mapping.at("docker.io/testing/test") == *c.expected_entry);
      }
    }
  }
}

TEST_CASE("a preloaded image is not poisoned by a pull from another repo with the same digest") {
  // Upstream's TestPreloadedImageNotPoisonedByPullFromDifferentRepo (issue #138175), which holds
  // with separate_shared_digests (kubernetes/kubernetes#138211).
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  PullManagerOptions opts;
  opts.separate_shared_digests = true;
  PullManager m(store, Policy(kPre), opts);
  const std::string shared =
      "sha256:6446253dd96b1a1ec4a6d69fe9859961929c3a6c79a17f119f4f5021693d998b";
  const std::string pub = "quay.io/mowsiany/qa-multi-arch:foo";
  const std::string priv = "quay.io/mowsiany/qa-multi-arch-priv:foo";
  CHECK_FALSE(m.MustAttemptImagePull(pub, shared, {}, {}).must_pull);
  REQUIRE(m.RecordImagePulled(
               priv, shared,
               ImagePullCredentials{
                   {{"3d2a7cfc-3554-49b5-9fdb-7da367b705e3", "t", "mowsiany-robot1-pull-secret",
                     "8d80430d4f9c305461e11e35e4faa310611ca4d577265b2d18859ce5679eb9c0"}},
                   {},
                   false})
              .ok());
  auto r = store.GetRecord(shared);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->credential_mapping.count("quay.io/mowsiany/qa-multi-arch-priv") == 1);
  CHECK_FALSE(m.MustAttemptImagePull(pub, shared, {}, {}).must_pull);
  // The private name still needs its credentials.
  CHECK(m.MustAttemptImagePull(priv, shared, {}, {}).must_pull);
  // Without the separation (kubelet 1.35) the public image is poisoned: it must pull.
  PullManager plain(store, Policy(kPre));
  CHECK(plain.MustAttemptImagePull(pub, shared, {}, {}).must_pull);
}

TEST_CASE("RecordPullIntent writes the intent file and counts references") {
  TempDir dir;
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  PullManager m(store, Policy(kPre));
  REQUIRE(m.RecordPullIntent("repo.repo/test/test:latest").ok());
  REQUIRE(m.RecordPullIntent("repo.repo/test/test:latest").ok());
  CHECK(m.IntentCount("repo.repo/test/test:latest") == 2);
  std::string f =
      dir.path() +
      "/pulling/sha256-7d8c031e2f1aeaa71649ca3e0b64c9902370ed460ef57fb07582a87a5a1e1c02";
  auto intent = DecodePullIntent(pullguard::testing::Slurp(f));
  REQUIRE(intent.ok());
  CHECK(intent->image == "repo.repo/test/test:latest");
  REQUIRE(m.RecordImagePullFailed("repo.repo/test/test:latest").ok());
  CHECK(FilesIn(dir.path() + "/pulling").size() == 1);  // one pull still in flight
  REQUIRE(m.RecordImagePullFailed("repo.repo/test/test:latest").ok());
  CHECK(FilesIn(dir.path() + "/pulling").empty());
  CHECK(m.IntentCount("repo.repo/test/test:latest") == 0);
}

TEST_CASE("RecordImagePulled (upstream table)") {
  struct C {
    const char* name;
    std::string image, ref;
    ImagePullCredentials creds;
    std::vector<std::string> existing_pulled, existing_pulling;
    int in_flight;
    std::string removed_intent;
    std::map<std::string, ImagePullCredentials> expected;
    bool updated;
  };
  const std::map<std::string, ImagePullCredentials> kB3Map = {
      {"docker.io/testing/test", ImagePullCredentials{{kSecret}, {}, false}}};
  std::vector<C> cases = {
      {"new pull record",
       "repo.repo/test/test:v1",
       "testimageref",
       {{}, {}, true},
       {},
       {kEE},
       1,
       kEE,
       {{"repo.repo/test/test", {{}, {}, true}}},
       true},
      {"new pull record, more pulls in flight",
       "repo.repo/test/test:v1",
       "testimageref",
       {{}, {}, true},
       {},
       {kEE},
       2,
       "",
       {{"repo.repo/test/test", {{}, {}, true}}},
       true},
      {"merge into existing record",
       "repo.repo/test/test:v1",
       "testimageref",
       {{}, {}, true},
       {kB3, kA2, kF8},
       {kEE},
       1,
       kEE,
       {{"repo.repo/test/test", {{}, {}, true}},
        {"docker.io/testing/test", {{kSecret}, {}, false}}},
       true},
      {"merge into an existing key",
       "docker.io/testing/test:something",
       "testimageref",
       {{{"newuid", "newns", "newname", "somehash"}}, {}, false},
       {kB3},
       {kF2},
       1,
       kF2,
       {{"docker.io/testing/test",
         {{kSecret, {"newuid", "newns", "newname", "somehash"}}, {}, false}}},
       true},
      {"existing record stays unchanged",
       "docker.io/testing/test:something",
       "testimageref",
       {{kSecret}, {}, false},
       {kB3},
       {kF2},
       1,
       kF2,
       kB3Map,
       false},
      {"new record with service account credentials",
       "docker.io/sa-test/app:v1",
       "sa-testimageref",
       {{}, {{"sa-uid-123", "default", "test-sa"}}, false},
       {},
       {},
       1,
       "",
       {{"docker.io/sa-test/app", {{}, {{"sa-uid-123", "default", "test-sa"}}, false}}},
       true},
      {"merge a service account into a record with secrets",
       "docker.io/testing/test:something",
       "testimageref",
       {{}, {{"sa-uid-456", "kube-system", "system-sa"}}, false},
       {kB3},
       {kF2},
       1,
       kF2,
       {{"docker.io/testing/test",
         {{kSecret}, {{"sa-uid-456", "kube-system", "system-sa"}}, false}}},
       true},
      {"merge an additional service account",
       "docker.io/testing/test:something",
       "testimageref-sa",
       {{}, {{"sa-uid-789", "app-ns", "app-sa"}}, false},
       {k91},
       {kF2},
       1,
       kF2,
       {{"docker.io/testing/test", {{}, {{"sa-uid-789", "app-ns", "app-sa"}, kSA}, false}}},
       true},
      {"duplicate service account creates no duplicate",
       "docker.io/testing/test:something",
       "testimageref-sa",
       {{}, {kSA}, false},
       {k91},
       {kF2},
       1,
       kF2,
       {{"docker.io/testing/test", {{}, {kSA}, false}}},
       false},
      {"familiar image name, one segment (normalised key)",
       "testing@sha256:f24acc752be18b93b0504c86312bbaf482c9efb0c45e925bbccb0a591cebd7af",
       "testimageref-familiarlast",
       {{}, {kSA}, false},
       {},
       {},
       1,
       "",
       {{"docker.io/library/testing", {{}, {kSA}, false}}},
       true},
      {"familiar image name with org (normalised key)",
       "secretorg/myimage:customtag",
       "testimageref-familiarwithorg",
       {{}, {kSA}, false},
       {},
       {},
       1,
       "",
       {{"docker.io/secretorg/myimage", {{}, {kSA}, false}}},
       true},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempDir dir;
      Tee(dir.path(), "pulled", c.existing_pulled);
      Tee(dir.path(), "pulling", c.existing_pulling);
      FileRecordStore store(DefaultEnv(), dir.path());
      REQUIRE(store.Init().ok());
      PullManager m(store, Policy(kPre));
      for (int i = 0; i < c.in_flight; ++i) REQUIRE(m.RecordPullIntent(c.image).ok());
      REQUIRE(m.RecordImagePulled(c.image, c.ref, c.creds).ok());
      CHECK(m.IntentCount(c.image) == c.in_flight - 1);
      if (!c.removed_intent.empty()) {
        auto left = FilesIn(dir.path() + "/pulling");
        CHECK(std::find(left.begin(), left.end(), c.removed_intent) == left.end());
      }
      auto r = store.GetRecord(c.ref);
      REQUIRE(r.ok());
      REQUIRE(r->has_value());
      CHECK((*r)->credential_mapping == c.expected);
      auto t = *(*r)->last_updated_time;
      if (c.updated) {
        CHECK(t > Now() - std::chrono::minutes(1));
      } else {
        CHECK(t < Now() - std::chrono::hours(4));
      }
    }
  }
}

TEST_CASE("RecordImagePulled keeps the intent when the record cannot be written") {
  TempDir dir;
  Tee(dir.path(), "pulled",
      {"sha256-e766e4624f9bc4d3847d6c5b470d9d5362cc8d0c250bd9572daf95278e044263"});
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  PullManager m(store, Policy(kPre));
  REQUIRE(m.RecordPullIntent("docker.io/testing/broken:v1").ok());
  // The existing record is corrupt: pullguard refuses to overwrite it (kubelet would).
  auto st = m.RecordImagePulled("docker.io/testing/broken:v1", "testbrokenrecord",
                                ImagePullCredentials{{}, {}, true});
  CHECK_FALSE(st.ok());
  CHECK(FilesIn(dir.path() + "/pulling").size() == 1);
  CHECK(m.IntentCount("docker.io/testing/broken:v1") == 1);
}

TEST_CASE("initialize: intents for images the runtime has become records (upstream table)") {
  std::vector<RuntimeImage> runtime = {
      {"testimageref1", {"repo.repo/test/test:docker", "docker.io/testing/test:something"}, {}},
      {"testimageref2",
       {"repo.repo/test/test:v2", "repo.repo/test/test:test2"},
       {"repo.repo/test/test@dgst2"}},
      {"testimageref",
       {"repo.repo/test/test:v1", "repo.repo/test/test:test1"},
       {"repo.repo/test/test@dgst1"}},
      {"testimageref3", {"repo.repo/test/test:v3", "repo.repo/test/test:test3"}, {}},
      {"testimageref4", {}, {"repo.repo/test/test@dgst4", "repo.repo/test/notatest@dgst44"}},
  };
  struct C {
    const char* name;
    std::vector<std::string> intents, pulled;
    std::set<std::string> want_pulled;
  };
  std::set<std::string> base = {kA2, kB3, kF8};
  std::set<std::string> plus = {kA2, kB3, kF8, kD7};
  std::vector<C> cases = {
      {"no pulling/pulled records", {}, {}, {}},
      {"only pulled records", {}, {kA2, kB3, kF8}, base},
      {"intent matching an image without a record", {kF2}, {kA2, kB3, kF8}, plus},
      {"intent matching an image with a record", {kEE}, {kA2, kB3, kF8}, base},
      {"several intents", {kEE, kF2}, {kA2, kB3, kF8}, plus},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempDir dir;
      Tee(dir.path(), "pulling", c.intents);
      Tee(dir.path(), "pulled", c.pulled);
      FileRecordStore store(DefaultEnv(), dir.path());
      REQUIRE(store.Init().ok());
      PullManager m(store, Policy(kPre));
      auto res = m.Initialize(runtime);
      REQUIRE(res.ok());
      CHECK(FilesIn(dir.path() + "/pulling").empty());
      auto got = FilesIn(dir.path() + "/pulled");
      CHECK(std::set<std::string>(got.begin(), got.end()) == c.want_pulled);
      if (c.want_pulled.count(kD7) && !c.pulled.empty()) {
        // The recovered record has no credentials: every pod must verify.
        auto r = store.GetRecord("testimageref1");
        REQUIRE(r.ok());
        REQUIRE(r->has_value());
        CHECK((*r)->credential_mapping.empty());
      }
    }
  }
}

TEST_CASE("PruneUnknownRecords (upstream table)") {
  auto until = std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year{2024} / 12 / 25)) +
               std::chrono::minutes(1);
  struct C {
    const char* name;
    std::vector<std::string> images;
    std::set<std::string> want;
  };
  std::vector<C> cases = {
      {"all images present",
       {"testimage-anonpull", "testimageref", "testemptycredmapping"},
       {kA2, kB3, kF8}},
      {"empty list removes all", {}, {}},
      {"untracked images remove all", {"untracked1", "different-untracked"}, {}},
      {"keep matches only",
       {"testimage-anonpull", "untracked1", "testimageref", "different-untracked"},
       {kA2, kB3}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      TempDir dir;
      Tee(dir.path(), "pulled", {kA2, kB3, kF8});
      FileRecordStore store(DefaultEnv(), dir.path());
      REQUIRE(store.Init().ok());
      PullManager m(store, Policy(kPre));
      auto res = m.PruneUnknownRecords(c.images, until);
      REQUIRE(res.ok());
      auto got = FilesIn(dir.path() + "/pulled");
      CHECK(std::set<std::string>(got.begin(), got.end()) == c.want);
    }
  }
  SECTION("records updated after the GC started stay; corrupt files are reported, not deleted") {
    TempDir dir;
    Tee(dir.path(), "pulled",
        {kA2, "sha256-e766e4624f9bc4d3847d6c5b470d9d5362cc8d0c250bd9572daf95278e044263"});
    FileRecordStore store(DefaultEnv(), dir.path());
    REQUIRE(store.Init().ok());
    PullManager m(store, Policy(kPre));
    auto res = m.PruneUnknownRecords(
        {}, std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year{2020} / 1 / 1)));
    REQUIRE(res.ok());
    CHECK(res->removed == 0);
    CHECK(res->problems.size() == 1);
    CHECK(FilesIn(dir.path() + "/pulled").size() == 2);
  }
}
