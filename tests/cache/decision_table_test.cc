// The decision table through `pullguard decide`: every verification policy x pull policy x record
// shape (9 shapes x 5 policy variants x 4 pull policies = 180 cases, plus missing images).
// Expectations come from the literal truth tables below, not from the code under test.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/env_posix.h"
#include "cache/credential_hash.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {

const char* kImage =
    "docker.io/testing/test:v1";  // a tag other than latest: defaults to IfNotPresent
const char* kRef = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

std::string PodHash() {
  AuthConfig a;
  a.username = "user";
  a.password = Secret("password");
  return CredentialHash(a);
}

enum Shape {
  kPreloaded,
  kIntent,
  kNode,
  kSecretMatch,
  kSecretOther,
  kSaMatch,
  kEmpty,
  kOtherImage,
  kCorrupt
};
const char* kShapeNames[] = {"preloaded",     "intent-only",      "nodePodsAccessible",
                             "pod's secret",  "another secret",   "pod's service account",
                             "empty mapping", "other image only", "corrupt record"};

// Literal truth tables.
const bool kPulledByKubelet[] = {false, true, true, true, true, true, true, true, true};
const bool kVerifies[] = {false, false, true, true, false, true, false, false, false};

struct PolicyVariant {
  const char* policy;
  std::vector<std::string> allowlist;
  const char* label;
};
const PolicyVariant kPolicies[] = {
    {"NeverVerify", {}, "NeverVerify"},
    {"NeverVerifyPreloadedImages", {}, "NeverVerifyPreloadedImages"},
    {"NeverVerifyAllowlistedImages", {"docker.io/testing/*"}, "Allowlisted (matching)"},
    {"NeverVerifyAllowlistedImages",
     {"docker.io/other/*", "docker.io/testing/other"},
     "Allowlisted (not matching)"},
    {"AlwaysVerify", {}, "AlwaysVerify"},
};
// Verification required? [policy][pulledByKubelet]
const bool kRequired[5][2] = {
    {false, false}, {false, true}, {false, false}, {true, true}, {true, true}};

void MakeShape(const std::string& root, Shape s) {
  FileRecordStore store(DefaultEnv(), root);
  REQUIRE(store.Init().ok());
  ImagePulledRecord r;
  r.image_ref = kRef;
  r.last_updated_time = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  auto& entry = r.credential_mapping["docker.io/testing/test"];
  switch (s) {
    case kPreloaded:
      return;
    case kIntent:
      REQUIRE(store.WriteIntent(kImage).ok());
      return;
    case kNode:
      entry.node_pods_accessible = true;
      break;
    case kSecretMatch:
      entry.kubernetes_secrets = {{"uid-1", "team-a", "pull", PodHash()}};
      break;
    case kSecretOther:
      entry.kubernetes_secrets = {{"uid-9", "team-b", "other", std::string(64, 'a')}};
      break;
    case kSaMatch:
      entry.kubernetes_service_accounts = {{"sa-uid", "team-a", "builder"}};
      break;
    case kEmpty:
      r.credential_mapping.clear();
      break;
    case kOtherImage:
      r.credential_mapping.clear();
      r.credential_mapping["docker.io/testing/other"].node_pods_accessible = true;
      break;
    case kCorrupt:
      break;
  }
  if (s == kCorrupt) {
    std::ofstream(store.RecordPath(kRef)) << "{\"kind\":\"ImagePulledRecord\",";
    return;
  }
  REQUIRE(store.WriteRecord(r).ok());
}

std::string Request(const PolicyVariant& p, const char* pull_policy, bool present) {
  nlohmann::json j = {
      {"image", kImage},
      {"imageRef", present ? kRef : ""},
      {"imagePresent", present},
      {"policy", p.policy},
      {"podSecrets",
       {{{"uid", "uid-1"},
         {"namespace", "team-a"},
         {"name", "pull"},
         {"auth", {{"username", "user"}, {"password", "password"}}}}}},
      {"podServiceAccount", {{"uid", "sa-uid"}, {"namespace", "team-a"}, {"name", "builder"}}},
  };
  if (!p.allowlist.empty()) j["allowlist"] = p.allowlist;
  if (pull_policy != nullptr) j["pullPolicy"] = pull_policy;
  return j.dump();
}

}  // namespace

TEST_CASE("decision table: verification policy x pull policy x record shape") {
  const char* pull_policies[] = {"Always", "IfNotPresent", "Never", nullptr};
  const std::string never_msg =
      "Container image \"docker.io/testing/test:v1\" is not present with pull policy of Never";
  int cases = 0;
  for (int s = kPreloaded; s <= kCorrupt; ++s) {
    TempDir dir;
    std::string root = dir.path() + "/image_manager";
    MakeShape(root, static_cast<Shape>(s));
    auto before = pullguard::testing::FilesIn(root + "/pulled");
    std::string before_content =
        before.empty() ? "" : pullguard::testing::Slurp(root + "/pulled/" + before[0]);
    for (int p = 0; p < 5; ++p) {
      for (const char* pp : pull_policies) {
        std::string pps = pp == nullptr ? "default" : pp;
        INFO("shape=" << kShapeNames[s] << " policy=" << kPolicies[p].label
                      << " pullPolicy=" << pps);
        auto r = Run({"decide", "--dir", root}, Request(kPolicies[p], pp, true));
        REQUIRE(r.rc == 0);
        CHECK(r.err.empty());
        auto out = nlohmann::json::parse(r.out);
        bool must_pull = s == kCorrupt || (kRequired[p][kPulledByKubelet[s]] && !kVerifies[s]);
        std::string want;
        if (pps == "Always") {
          want = "pull";
        } else if (pps == "Never") {
          want = must_pull ? "fail" : "use-local";
        } else {
          want = must_pull ? "pull" : "use-local";
        }
        CHECK(out["action"] == want);
        std::string reason = out["reason"];
        CHECK_FALSE(reason.empty());
        if (want == "fail") CHECK(reason == never_msg);
        if (s == kCorrupt && pps != "Always")
          CHECK((want == "fail" || reason.find("failing closed") != std::string::npos));
        ++cases;
      }
    }
    // Nothing in these shapes calls for a record update.
    auto after = pullguard::testing::FilesIn(root + "/pulled");
    CHECK(after == before);
    if (!before.empty())
      CHECK(pullguard::testing::Slurp(root + "/pulled/" + before[0]) == before_content);
  }
  // A missing image: Never fails with the same message, the others pull.
  for (int p = 0; p < 5; ++p) {
    for (const char* pp : {"Always", "IfNotPresent", "Never"}) {
      TempDir dir;
      MakeShape(dir.path() + "/im", kSecretMatch);
      auto r = Run({"decide", "--dir", dir.path() + "/im"}, Request(kPolicies[p], pp, false));
      REQUIRE(r.rc == 0);
      auto out = nlohmann::json::parse(r.out);
      CHECK(out["action"] == (std::string(pp) == "Never" ? "fail" : "pull"));
      if (std::string(pp) == "Never") CHECK(out["reason"] == never_msg);
      ++cases;
    }
  }
  CHECK(cases == 195);
}

TEST_CASE("pull policy defaulting follows the image") {
  TempDir dir;
  MakeShape(dir.path() + "/im", kNode);
  struct C {
    const char* image;
    const char* want;
  } cases[] = {
      {"docker.io/testing/test", "pull"},         // no tag -> latest -> Always
      {"docker.io/testing/test:latest", "pull"},  // Always
      {"docker.io/testing/test:v1", "use-local"},
      {"docker.io/testing/"
       "test@sha256:1111111111111111111111111111111111111111111111111111111111111111",
       "use-local"},
      {"testing/"
       "test:latest@sha256:1111111111111111111111111111111111111111111111111111111111111111",
       "pull"},  // kubelet keeps the tag: latest -> Always
  };
  for (const auto& c : cases) {
    INFO(c.image);
    nlohmann::json j = {{"image", c.image}, {"imageRef", kRef}, {"imagePresent", true}};
    auto r = Run({"decide", "--dir", dir.path() + "/im"}, j.dump());
    REQUIRE(r.rc == 0);
    CHECK(nlohmann::json::parse(r.out)["action"] == c.want);
  }
}
