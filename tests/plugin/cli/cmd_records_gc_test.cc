// `pullguard records gc` and `records recover` in-process (plugin/cli/cmd_records_gc.cc,
// cmd_records_recover.cc): output lines, the list's time, exit codes, and bad inputs refused with
// one line and nothing changed. Also the audit's shared-digest finding (kubernetes#138175).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "base/env_posix.h"
#include "cache/evidence_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using pullguard::testing::FilesIn;
using pullguard::testing::Run;
using pullguard::testing::Tee;
using pullguard::testing::TempDir;
using namespace pullguard::testing::upstream;

namespace {

int Lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

std::string Root(const TempDir& dir) {
  std::string root = dir.path() + "/im";
  std::filesystem::create_directories(root + "/pulled");
  std::filesystem::create_directories(root + "/pulling");
  std::filesystem::permissions(root, std::filesystem::perms::owner_all);
  return root;
}

std::set<std::string> In(const std::string& dir) {
  auto f = FilesIn(dir);
  return {f.begin(), f.end()};
}

void ExpectRefused(const pullguard::testing::RunResult& r, const std::string& needle, int rc = 1) {
  INFO(r.err);
  CHECK(r.rc == rc);
  CHECK(r.out.empty());
  CHECK(Lines(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains(needle));
}

}  // namespace

TEST_CASE("records gc: lines, summary and the list's time") {
  TempDir dir;
  std::string root = Root(dir);
  Tee(root, "pulled",
      {kPulledAnonpull,
       kPulledTestimageref});  // testimage-anonpull, testimageref (2024 timestamps)
  Tee(root, "pulling", {kPullingTestV1});
  std::string list = dir.Write("images.txt", "testimageref-not-an-id\n");

  SECTION("a malformed list changes nothing") {
    ExpectRefused(Run({"records", "gc", "--dir", root, "--images", list}),
                  "pullguard records gc: image list line 1:");
    CHECK(In(root + "/pulled").size() == 2);
  }
  SECTION("plain IDs from stdin: the record of an absent image goes, intents stay") {
    auto r = Run({"records", "gc", "--dir", root, "--images", "-"},
                 "sha256:" + std::string(64, 'a') + "\n");
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.err.empty());
    CHECK(Lines(r.out) == 3);
    CHECK_THAT(r.out, Catch::Contains("{\"action\":\"removed\",\"kind\":\"ImagePulledRecord\","
                                      "\"file\":\"pulled/" +
                                      kPulledAnonpull +
                                      "\",\"imageRef\":"
                                      "\"testimage-anonpull\""));
    CHECK_THAT(r.out, Catch::Contains("\"kind\":\"Summary\",\"dryRun\":false,\"imageList\":"
                                      "\"plain-text\",\"images\":1"));
    CHECK(In(root + "/pulled").empty());
    CHECK(In(root + "/pulling") == std::set<std::string>{kPullingTestV1});
  }
  SECTION("crictl JSON, --dry-run") {
    auto r = Run({"records", "gc", "--dir", root, "--images", "-", "--dry-run"},
                 R"({"images":[{"id":"testimageref","repoTags":["repo.repo/test/test:v1"]}]})");
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("{\"action\":\"would-remove\""));
    CHECK_THAT(r.out, Catch::Contains("\"imageList\":\"crictl-json\""));
    CHECK(In(root + "/pulled").size() == 2);
  }
  SECTION("--listed-at before the records were written keeps them") {
    auto r = Run(
        {"records", "gc", "--dir", root, "--images", "-", "--listed-at", "2020-01-01T00:00:00Z"},
        "sha256:" + std::string(64, 'a') + "\n");
    REQUIRE(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("\"listedAt\":\"2020-01-01T00:00:00Z\""));
    CHECK(In(root + "/pulled").size() == 2);
    ExpectRefused(Run({"records", "gc", "--dir", root, "--images", "-", "--listed-at", "today"}),
                  "--listed-at wants an RFC 3339 time", 2);
  }
  SECTION("the list file's modification time is when it was taken") {
    std::string old = dir.Write("old.txt", "sha256:" + std::string(64, 'a') + "\n");
    std::filesystem::last_write_time(
        old, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 365 * 10));
    auto r = Run({"records", "gc", "--dir", root, "--images", old});
    REQUIRE(r.rc == 0);
    CHECK(In(root + "/pulled").size() == 2);  // the records are newer than the list
  }
  SECTION("an unreadable record is kept, named on stdout and stderr") {
    Tee(root, "pulled", {kPulledBroken});
    auto r = Run({"records", "gc", "--dir", root, "--images", "-"},
                 "sha256:" + std::string(64, 'a') + "\n");
    REQUIRE(r.rc == 0);
    CHECK(Lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::StartsWith("pullguard records gc: kept unreadable file pulled/" +
                                        kPulledBroken));
    CHECK_THAT(r.out, Catch::Contains("{\"action\":\"kept\",\"kind\":\"CorruptFile\",\"file\":"
                                      "\"pulled/" +
                                      kPulledBroken + "\",\"reason\":\"unreadable\""));
    CHECK(In(root + "/pulled") == std::set<std::string>{kPulledBroken});
  }
  SECTION("--evidence: a repository whose proofs have all expired goes") {
    std::string ev = dir.path() + "/evidence";
    pullguard::EvidenceStore store(pullguard::DefaultEnv(), ev);
    REQUIRE(store.Init().ok());
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    pullguard::RepositoryProof p;
    p.credential_hash = "h";
    p.proven_at = now - std::chrono::hours(2);
    p.valid_until = now - std::chrono::hours(1);
    REQUIRE(store.Add("r.io/team/old", p, now).ok());
    p.valid_until = now + std::chrono::hours(1);
    REQUIRE(store.Add("r.io/team/live", p, now).ok());
    auto r = Run({"records", "gc", "--dir", root, "--images", "-", "--evidence", ev},
                 "sha256:" + std::string(64, 'a') + "\n");
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("{\"action\":\"removed\",\"kind\":"
                                      "\"PullguardRepositoryEvidence\",\"file\":\"" +
                                      ev + "/" + pullguard::RecordFileName("r.io/team/old") +
                                      "\",\"repository\":\"r.io/team/old\"}"));
    CHECK_THAT(r.out, Catch::Contains("\"evidenceFiles\":2"));
    CHECK(store.Get("r.io/team/old")->empty());
    CHECK(store.Get("r.io/team/live")->size() == 1);
  }
  SECTION("bad inputs: one line, nothing changed") {
    ExpectRefused(Run({"records", "gc", "--dir", root, "--images", "-"}, "\n# nothing\n"),
                  "holds no images");
    ExpectRefused(Run({"records", "gc", "--dir", root, "--images", dir.path() + "/nope"}),
                  "--images:");
    ExpectRefused(Run({"records", "gc", "--dir", root + "/pulled", "--images", "-"},
                      "sha256:" + std::string(64, 'a') + "\n"),
                  "is not an image_manager directory");
    ExpectRefused(
        Run({"records", "gc", "--dir", root, "--images", "-", "--evidence", dir.path() + "/nope"},
            "sha256:" + std::string(64, 'a') + "\n"),
        "evidence directory");
    ExpectRefused(Run({"records", "gc", "--dir", root}), "--images is required", 2);
    ExpectRefused(Run({"records", "gc", "--dir", root, "--images", "-"}, "{\"images\":[1]}"),
                  "images[0]: want an object");
    CHECK(In(root + "/pulled").size() == 2);
    CHECK(In(root + "/pulling").size() == 1);
  }
}

TEST_CASE("records recover: intents of present images become records, the rest go") {
  TempDir dir;
  std::string root = Root(dir);
  Tee(root, "pulling",
      {kPullingTestV1,
       kPullingTestLatest});  // repo.repo/test/test:v1, docker.io/testing/test:latest
  std::string list = "sha256:" + std::string(64, 'c') +
                     " repo.repo/test/test:v1 repo.repo/test/test@sha256:" + std::string(64, 'd') +
                     "\n";
  SECTION("recorded and removed") {
    auto r = Run({"records", "recover", "--dir", root, "--images", "-"}, list);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.err.empty());
    CHECK(Lines(r.out) == 3);
    CHECK_THAT(r.out, Catch::Contains("{\"action\":\"removed\",\"kind\":\"ImagePullIntent\","
                                      "\"file\":\"pulling/" +
                                      kPullingTestLatest + "\""));
    CHECK_THAT(r.out, Catch::Contains("{\"action\":\"recorded\",\"kind\":\"ImagePullIntent\","
                                      "\"file\":\"pulling/" +
                                      kPullingTestV1 +
                                      "\",\"image\":"
                                      "\"repo.repo/test/test:v1\",\"imageRef\":\"sha256:cccc"));
    CHECK_THAT(r.out, Catch::Contains("\"recorded\":1,\"removed\":1"));
    CHECK(In(root + "/pulling").empty());
    CHECK(In(root + "/pulled").size() == 1);
    auto shown = Run({"records", "show", "--dir", root, "sha256:" + std::string(64, 'c')});
    CHECK(shown.rc == 0);
    CHECK_THAT(shown.out, !Catch::Contains("credentialMapping"));  // omitempty, as kubelet
  }
  SECTION("--kubelet-version: every supported release recovers alike") {
    auto r = Run(
        {"records", "recover", "--dir", root, "--images", "-", "--kubelet-version", "1.33"}, list);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("\"recorded\":1,\"removed\":1"));
    auto bad = Run(
        {"records", "recover", "--dir", root, "--images", "-", "--kubelet-version", "1.99"}, list);
    CHECK(bad.rc == 2);
    CHECK(bad.out.empty());
  }
  SECTION("a list of IDs alone is refused: it would remove every intent") {
    ExpectRefused(Run({"records", "recover", "--dir", root, "--images", "-"},
                      "sha256:" + std::string(64, 'c') + "\n"),
                  "names no images");
    CHECK(In(root + "/pulling").size() == 2);
  }
  SECTION("--dry-run") {
    auto r = Run({"records", "recover", "--dir", root, "--images", "-", "--dry-run"}, list);
    REQUIRE(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("\"action\":\"would-record\""));
    CHECK_THAT(r.out, Catch::Contains("\"action\":\"would-remove\""));
    CHECK(In(root + "/pulling").size() == 2);
    CHECK(In(root + "/pulled").empty());
  }
}

TEST_CASE("records audit: the shared-digest finding (kubernetes#138175)") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  std::string ref = "sha256:" + std::string(64, 'e');
  auto add = [&](const std::string& body) {
    auto r = Run({"records", "add", "--dir", root}, body);
    REQUIRE(r.rc == 0);
  };
  add(R"({"image":"docker.io/library/nginx:1","imageRef":")" + ref +
      R"(","nodePodsAccessible":true})");
  auto one = Run({"records", "audit", "--dir", root});
  CHECK_THAT(one.out, !Catch::Contains("shared-digest"));
  add(R"({"image":"registry.example/team/nginx:1","imageRef":")" + ref +
      R"(","serviceAccount":{"uid":"u","namespace":"ns","name":"sa"}})");
  auto two = Run({"records", "audit", "--dir", root});
  REQUIRE(two.rc == 0);
  CHECK_THAT(two.out, Catch::Contains("{\"imageRef\":\"" + ref +
                                      "\",\"finding\":\"shared-digest\",\"repositories\":["
                                      "\"docker.io/library/nginx\","
                                      "\"registry.example/team/nginx\"],\"lastUpdatedTime\":"));
  // With the runtime's names: a preloaded name of the same content that the record does not map.
  std::string list =
      dir.Write("images.txt", ref + " docker.io/library/nginx:1 " +
                                  "registry.example/team/nginx:1 mirror.local/nginx:1\n");
  auto named = Run({"records", "audit", "--dir", root, "--images", list});
  REQUIRE(named.rc == 0);
  CHECK_THAT(named.out, Catch::Contains("\"finding\":\"shared-digest\",\"repositories\":["
                                        "\"docker.io/library/nginx\",\"mirror.local/nginx\","
                                        "\"registry.example/team/nginx\"],\"unmapped\":["
                                        "\"mirror.local/nginx\"]"));
  auto bad = Run({"records", "audit", "--dir", root, "--images", dir.path() + "/nope"});
  CHECK(bad.rc == 1);
  CHECK(bad.out.empty());
  auto doc = Run({"doctor", "--records", root});
  INFO(doc.err);
  CHECK(doc.rc == 0);  // a warning, not a failure
  CHECK_THAT(doc.out, Catch::Contains("warn  records " + root + " shared digests: 1 imageRefs"));
  CHECK_THAT(doc.out, Catch::Contains("1 warnings"));
  auto missing = Run({"doctor", "--records", dir.path() + "/nope"});
  CHECK(missing.rc == 1);
  CHECK_THAT(missing.err, Catch::Contains("FAIL  records " + dir.path() + "/nope"));
}
