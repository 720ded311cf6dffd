// `--kubelet-version` (cache/kubelet_version.h): parsing and the range, and each release's
// upstream test tables where the releases differ, run under the version they belong to:
// - TestNewNeverVerifyAllowListedPullPolicy (image_pull_policies_test.go) at 7ed31812 (the
//   pod image compared as written: kubelet 1.33-1.35) and at 19621c1c (normalised, #137629);
// - TestFileBasedImagePullManager_RecordImagePulled (image_pull_manager_test.go) at 00f1e470,
//   the "record with familiar image name" rows (familiar keys), and the same rows before it
//   (normalised keys, tests/cache/pull_manager_test.cc);
// - TestFileBasedImagePullManager_MustAttemptImagePull's service-account rows (#132771, 1.34)
//   under 1.33, which has no service-account credentials.
// Commits are kubernetes/kubernetes', files under pkg/kubelet/images/pullmanager/; the table
// of versions and what each cites is docs/verification-cache.md, "Kubelet versions".
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "cache/kubelet_version.h"
#include "cache/pull_manager.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::FilesIn;
using pullguard::testing::Tee;
using pullguard::testing::TempDir;

namespace {

constexpr KubeletVersion k133{1, 33}, k134{1, 34}, k135{1, 35}, k136{1, 36};

const std::string kSaRecord =
    "sha256-917e8b3439bf8a7a6f37ffd2d2ddfdfafac8a251bf214a0be39675742b420b1a";  // testimageref-sa
const std::string kB3 =
    "sha256-b3c0cc4278800b03a308ceb2611161430df571ca733122f0a40ac8b9792a9064";  // testimageref

}  // namespace

TEST_CASE("ParseKubeletVersion: the supported range, MAJOR.MINOR only") {
  for (const char* ok : {"1.33", "1.34", "1.35", "1.36"}) {
    auto v = ParseKubeletVersion(ok);
    REQUIRE(v.ok());
    CHECK(v->String() == ok);
  }
  CHECK(KubeletVersion::Default() == KubeletVersion{1, 35});
  struct Bad {
    const char* text;
    const char* says;
  };
  const Bad bad[] = {
      {"1.32", "kubelet version 1.32 is not supported (supported: 1.33 to 1.36)"},
      {"1.37", "kubelet version 1.37 is not supported (supported: 1.33 to 1.36)"},
      {"2.35", "kubelet version 2.35 is not supported (supported: 1.33 to 1.36)"},
      {"0.35", "kubelet version 0.35 is not supported"},
      {"1", "is not MAJOR.MINOR (supported: 1.33 to 1.36)"},
      {"1.", "is not MAJOR.MINOR"},
      {".35", "is not MAJOR.MINOR"},
      {"1.35.0", "is not MAJOR.MINOR"},
      {"v1.35", "is not MAJOR.MINOR"},
      {"01.35", "is not MAJOR.MINOR"},
      {"1.035", "is not MAJOR.MINOR"},
      {"1.+35", "is not MAJOR.MINOR"},
      {"1.-35", "is not MAJOR.MINOR"},
      {" 1.35", "is not MAJOR.MINOR"},
      {"1.99999", "is not MAJOR.MINOR"},
      {"", "is not MAJOR.MINOR"},
      {"1.35\n", "is not MAJOR.MINOR"},
  };
  for (const Bad& b : bad) {
    INFO(b.text);
    auto v = ParseKubeletVersion(b.text);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().kind == ErrorKind::kInvalidArgument);
    CHECK(v.error().message.find(b.says) != std::string::npos);
    CHECK(v.error().message.find('\n') == std::string::npos);  // one line, even for "1.35\n"
  }
}

TEST_CASE("switches: which release does what") {
  CHECK_FALSE(k133.ServiceAccountCredentials());
  CHECK(k134.ServiceAccountCredentials());
  CHECK(k136.ServiceAccountCredentials());
  for (auto v : {k133, k134, k135}) {
    CHECK_FALSE(v.FamiliarMappingKeys());
    CHECK_FALSE(v.AllowlistNormalizesImage());
  }
  CHECK(k136.FamiliarMappingKeys());
  CHECK(k136.AllowlistNormalizesImage());
}

TEST_CASE("MappingKey: normalised before 1.36, as written from 1.36 (upstream vectors)") {
  struct C {
    const char* image;
    const char* normalised;  // 1.33-1.35: trimImageTagDigest = ParseImageName's Name()
    const char* familiar;    // 1.36: image_pull_manager_test.go @ 00f1e470
  };
  const C cases[] = {
      // "record with familiar image name - only the last segment"
      {"testing@sha256:f24acc752be18b93b0504c86312bbaf482c9efb0c45e925bbccb0a591cebd7af",
       "docker.io/library/testing", "testing"},
      // "record with familiar image name - org and name"
      {"secretorg/myimage:customtag", "docker.io/secretorg/myimage", "secretorg/myimage"},
      // "new pull record", "merge into existing record - existing key in creds mapping"
      {"repo.repo/test/test:v1", "repo.repo/test/test", "repo.repo/test/test"},
      {"docker.io/testing/test:something", "docker.io/testing/test", "docker.io/testing/test"},
      // pullguard's: a registry port is not a tag; tag and digest together
      {"localhost:5000/team/app:1", "localhost:5000/team/app", "localhost:5000/team/app"},
      {"localhost:5000/team/app", "localhost:5000/team/app", "localhost:5000/team/app"},
      {"busybox:1.36@sha256:f24acc752be18b93b0504c86312bbaf482c9efb0c45e925bbccb0a591cebd7af",
       "docker.io/library/busybox", "busybox"},
  };
  for (const C& c : cases) {
    INFO(c.image);
    for (auto v : {k133, k134, k135}) CHECK(*MappingKey(c.image, v) == c.normalised);
    CHECK(*MappingKey(c.image, k136) == c.familiar);
  }
  CHECK_FALSE(MappingKey("Not/Valid", k136).ok());
  CHECK_FALSE(MappingKey("Not/Valid", k135).ok());
}

TEST_CASE("RecordImagePulled, familiar image names (upstream table, per release)") {
  // 00f1e470 expects the familiar keys; the same rows before it expected normalised keys
  // (pullguard ported those: tests/cache/pull_manager_test.cc). Intents as upstream's testdata.
  struct C {
    const char* name;
    std::string image, ref, intent_file, pulled_file;
    std::string key_135, key_136;
  };
  const C cases[] = {
      {"record with familiar image name - only the last segment",
       "testing@sha256:f24acc752be18b93b0504c86312bbaf482c9efb0c45e925bbccb0a591cebd7af",
       "testimageref-familiarlast",
       "sha256-7ffc99ef20589dc844b202c4cba501d1aaf06d1481935aa1e160029afd639847",
       "sha256-f2ba1256df29972c4fe11d8af7d302e37631c6077a2ed29d8bee55ee77cf26ad",
       "docker.io/library/testing", "testing"},
      {"record with familiar image name - org and name", "secretorg/myimage:customtag",
       "testimageref-familiarwithorg",
       "sha256-5f3ca9e4d82e32203c2fafb410dfae9c8047bc6ebe57d642fe264d479e152955",
       "sha256-ff66306c3a398c6e6b64d8f7acdd1aebc37fce76add3849f9d3f59274434234a",
       "docker.io/secretorg/myimage", "secretorg/myimage"},
  };
  const ImagePullServiceAccount sa{"test-sa-uid", "default", "test-sa"};
  for (const C& c : cases) {
    for (auto v : {k135, k136}) {
      SECTION(std::string(c.name) + " @" + v.String()) {
        TempDir dir;
        Tee(dir.path(), "pulling", {c.intent_file});
        FileRecordStore store(DefaultEnv(), dir.path());
        REQUIRE(store.Init().ok());
        PullManagerOptions o;
        o.kubelet = v;
        PullManager m(store,
                      *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}, v),
                      o);
        REQUIRE(m.RecordPullIntent(c.image).ok());
        REQUIRE(m.RecordImagePulled(c.image, c.ref, ImagePullCredentials{{}, {sa}, false}).ok());
        auto pulling = FilesIn(dir.path() + "/pulling");
        CHECK(std::find(pulling.begin(), pulling.end(), c.intent_file) == pulling.end());
        CHECK(FilesIn(dir.path() + "/pulled") == std::vector<std::string>{c.pulled_file});
        auto r = store.GetRecord(c.ref);
        REQUIRE(r.ok());
        REQUIRE(r->has_value());
        const std::string& key = v == k136 ? c.key_136 : c.key_135;
        CHECK((*r)->credential_mapping ==
              std::map<std::string, ImagePullCredentials>{{key, {{}, {sa}, false}}});
      }
    }
  }
}

namespace {

// One MustAttemptImagePull on a fresh copy of upstream's testdata.
bool MustPull(KubeletVersion v, bool any_spelling, const std::vector<std::string>& pulled,
              const std::string& image, const std::string& ref,
              const std::vector<PodSecret>& secrets, std::optional<PodServiceAccount> sa,
              std::string* reason = nullptr) {
  TempDir dir;
  Tee(dir.path(), "pulled", pulled);
  FileRecordStore store(DefaultEnv(), dir.path());
  REQUIRE(store.Init().ok());
  PullManagerOptions o;
  o.kubelet = v;
  o.any_key_spelling = any_spelling;
  PullManager m(store,
                *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}, v), o);
  auto c = m.MustAttemptImagePull(image, ref, secrets, sa);
  if (reason) *reason = c.reason;
  return c.must_pull;
}

}  // namespace

TEST_CASE("MustAttemptImagePull: service-account rows exist from 1.34 (kubernetes#132771)") {
  const PodServiceAccount sa{"test-sa-uid", "default", "test-sa"};
  // "image exists and is recorded with pod's exact service account": want false from 1.34.
  for (auto v : {k134, k135, k136}) {
    CHECK_FALSE(MustPull(v, false, {kSaRecord}, "docker.io/testing/test:latest", "testimageref-sa",
                         {}, sa));
  }
  // 1.33 has no service-account credentials: the entry names nothing it can match.
  std::string why;
  CHECK(MustPull(k133, false, {kSaRecord}, "docker.io/testing/test:latest", "testimageref-sa", {},
                 sa, &why));
  CHECK(why.find("names no secret or service account") != std::string::npos);
  // Secrets verify in every release ("recorded with pod's exact secret").
  const PodSecret secret{"testsecretuid", "default", "pull-secret", "testsecrethash"};
  for (auto v : {k133, k134, k135, k136}) {
    CHECK_FALSE(
        MustPull(v, false, {kB3}, "docker.io/testing/test:latest", "testimageref", {secret}, {}));
  }
}

TEST_CASE("MustAttemptImagePull: a record's key spelling per release") {
  // Upstream's record testimageref is keyed "docker.io/testing/test" (normalised); a pod naming
  // the image in its familiar form finds it in 1.33-1.35 and, exactly as kubelet, not in 1.36.
  const PodSecret secret{"testsecretuid", "default", "pull-secret", "testsecrethash"};
  const std::string familiar = "testing/test:latest";
  for (auto v : {k133, k134, k135}) {
    CHECK_FALSE(MustPull(v, false, {kB3}, familiar, "testimageref", {secret}, {}));
  }
  std::string why;
  CHECK(MustPull(k136, false, {kB3}, familiar, "testimageref", {secret}, {}, &why));
  CHECK(why.find("has no credentials for testing/test") != std::string::npos);
  // pullguard's tolerance (no --kubelet-version): either spelling verifies.
  CHECK_FALSE(MustPull(k136, true, {kB3}, familiar, "testimageref", {secret}, {}));
  CHECK_FALSE(MustPull(k135, true, {kB3}, familiar, "testimageref", {secret}, {}));
}

TEST_CASE("NeverVerifyAllowlistedImages (upstream table, per release)") {
  // TestNewNeverVerifyAllowListedPullPolicy: the same rows in both versions of the test; the
  // image the policy is asked about is "test.io/test/test-image" at 7ed31812 (compared as
  // written, 1.33-1.35) and "test.io/test/test-image:tag" at 19621c1c (normalised, 1.36).
  struct C {
    const char* name;
    bool records_exist;
    std::vector<std::string> allowlist;
    bool want;  // verification required
    bool want_err;
  };
  const std::vector<C> cases = {
      {"there are no records about the image being pulled, not in allowlist",
       false,
       {"test.io/test/image1", "test.io/test/image2", "test.io/test/image3"},
       true,
       false},
      {"there are records about the image being pulled, not in allowlist",
       true,
       {"test.io/test/image1", "test.io/test/image3", "test.io/test/image2", "test.io/test/image3"},
       true,
       false},
      {"there are no records about the image being pulled, appears in allowlist",
       false,
       {"test.io/test/image1", "test.io/test/image2", "test.io/test/test-image",
        "test.io/test/image3"},
       false,
       false},
      {"there are records about the image being pulled, appears in allowlist",
       true,
       {"test.io/test/image1", "test.io/test/image2", "test.io/test/test-image",
        "test.io/test/image3"},
       false,
       false},
      {"invalid allowlist pattern - wildcard in the middle",
       false,
       {"image.repo/pokus*/imagename"},
       false,
       true},
      {"invalid allowlist pattern - trailing non-segment wildcard middle",
       false,
       {"image.repo/pokus*"},
       false,
       true},
      {"invalid allowlist pattern - wildcard path segment in the middle",
       false,
       {"image.repo/*/imagename"},
       false,
       true},
      {"invalid allowlist pattern - only wildcard segment", false, {"/*"}, false, true},
      {"invalid allowlist pattern - ends with a '/'", false, {"image.repo/"}, false, true},
      {"invalid allowlist pattern - empty", false, {""}, false, true},
      {"invalid allowlist pattern - asterisk", false, {"*"}, false, true},
      {"invalid allowlist pattern - image with a tag",
       false,
       {"test.io/test/image1:tagged"},
       false,
       true},
      {"invalid allowlist pattern - image with a digest",
       false,
       {"test.io/test/"
        "image1@sha256:38a8906435c4dd5f4258899d46621bfd8eea3ad6ff494ee3c2f17ef0321625bd"},
       false,
       true},
      {"invalid allowlist pattern - trailing whitespace",
       false,
       {"test.io/test/image1 "},
       false,
       true},
      {"not in allowlist - different repo wildcard",
       false,
       {"test.io/test/image1", "test.io/test/image2", "different.repo/test/*"},
       true,
       false},
      {"not in allowlist - matches org wildcard",
       false,
       {"test.io/test/image1", "test.io/test/image2", "test.io/test/*"},
       false,
       false},
      {"not in allowlist - matches repo wildcard",
       false,
       {"test.io/test/image1", "test.io/test/image2", "test.io/*"},
       false,
       false},
  };
  struct Run {
    KubeletVersion v;
    const char* image;
  };
  for (const Run& run : {Run{k133, "test.io/test/test-image"}, Run{k135, "test.io/test/test-image"},
                         Run{k136, "test.io/test/test-image:tag"}}) {
    for (const C& c : cases) {
      INFO(run.v.String() << ": " << c.name);
      auto p = PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyAllowlistedImages, c.allowlist,
                                    run.v);
      REQUIRE(p.ok() == !c.want_err);
      if (!p.ok()) continue;
      std::string_view why;
      CHECK(p->RequireVerification(run.image, c.records_exist, &why) == c.want);
    }
  }
}

TEST_CASE("NeverVerifyAllowlistedImages: where 1.35 and 1.36 differ") {
  // The case #137629 fixed ("familiar" pod images against fully qualified entries), and the
  // exact entry against a tagged image, which upstream's 1.36 row asks and 1.35's could not.
  struct C {
    const char* image;
    std::vector<std::string> allowlist;
    bool verify_135, verify_136;
  };
  const C cases[] = {
      {"alpine", {"docker.io/library/alpine"}, true, false},
      {"alpine:3.20", {"docker.io/library/alpine"}, true, false},
      {"docker.io/library/alpine:3.20", {"docker.io/library/alpine"}, true, false},
      {"docker.io/library/alpine", {"docker.io/library/alpine"}, false, false},
      {"alpine:3.20", {"docker.io/library/*"}, true, false},
      {"docker.io/library/alpine:3.20", {"docker.io/library/*"}, false, false},
      {"library/alpine", {"docker.io/library/*"}, true, false},
      {"test.io/test/test-image:tag", {"test.io/test/test-image"}, true, false},
      {"test.io/test/test-image:tag", {"test.io/test/*"}, false, false},
      {"secretorg/myimage", {"docker.io/secretorg/myimage"}, true, false},
      {"docker.io/other/alpine", {"docker.io/library/alpine"}, true, true},
  };
  for (const C& c : cases) {
    INFO(c.image);
    std::string_view why;
    auto p135 =
        *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyAllowlistedImages, c.allowlist, k135);
    auto p136 =
        *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyAllowlistedImages, c.allowlist, k136);
    CHECK(p135.RequireVerification(c.image, true, &why) == c.verify_135);
    CHECK(p136.RequireVerification(c.image, true, &why) == c.verify_136);
  }
  // Bare familiar entries are refused by both: getAllowlistImagePattern is the same at
  // 5ce22905 and 19621c1c (the entry must equal its normalised name).
  for (auto v : {k133, k135, k136}) {
    for (const char* entry : {"alpine", "library/alpine", "secretorg/myimage"}) {
      INFO(v.String() << " " << entry);
      CHECK_FALSE(
          PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyAllowlistedImages, {entry}, v).ok());
    }
  }
}
