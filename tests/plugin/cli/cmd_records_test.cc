// `pullguard records …` in-process: the hash vector, ls/show/audit over kubelet's testdata, add
// merging like kubelet, and every bad input giving one stderr line, no stdout, no change.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/run.h"

using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {

std::string Testdata() {
  return std::string(PULLGUARD_SOURCE_DIR) + "/tests/cache/testdata";
}

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A copy of upstream's testdata as an image_manager directory.
std::string CopyTestdata(const TempDir& dir) {
  std::string root = dir.path() + "/image_manager";
  for (const char* sub : {"pulled", "pulling"}) {
    std::filesystem::create_directories(root + "/" + sub);
    for (const auto& e : std::filesystem::directory_iterator(Testdata() + "/" + sub)) {
      std::filesystem::copy_file(e.path(), root + "/" + sub + "/" + e.path().filename().string());
    }
  }
  return root;
}

// Every file below `root` with its content: proves "nothing stored changed".
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(root)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    // Lock files hold no data; taking a lock is not a change to what is stored.
    if (e.path().parent_path().filename() == "locks") continue;
    if (e.is_regular_file()) out[e.path().string()] = Slurp(e.path().string());
  }
  return out;
}

int Lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// A failure exits 1, a usage error (docs/commands.md) 2; both are one line and nothing on stdout.
void ExpectOneLineError(const pullguard::testing::RunResult& r, int rc = 1,
                        const std::string& prefix = "pullguard records: ") {
  INFO(r.err);
  CHECK(r.rc == rc);
  CHECK(r.out.empty());
  CHECK(Lines(r.err) == 1);
  CHECK(r.err.rfind(prefix, 0) == 0);
}

}  // namespace

TEST_CASE("records hash: kubelet's vector") {
  auto r = Run({"records", "hash"}, R"({"username":"user","password":"password"})");
  CHECK(r.rc == 0);
  CHECK(r.out == "a55436fc140d516560d072c5fe8700385ce9f41629abf65c1edcbcb39fac691d\n");
  auto html = Run({"records", "hash"}, R"({"username":"a<b","password":"p&q","email":"x>y"})");
  CHECK(html.rc == 0);
  CHECK(html.out.size() == 65);
}

TEST_CASE("records hash: bad input never echoes the secret") {
  for (const char* in : {"", "{", R"({"username":"u","password":"s3cr3t-value","extra":1})",
                         R"({"username":"u","password":42})", R"([1])",
                         R"({"password":"s3cr3t-value","password":"s3cr3t-value"})"}) {
    INFO(in);
    auto r = Run({"records", "hash"}, in);
    ExpectOneLineError(r);
    CHECK(r.err.find("s3cr3t-value") == std::string::npos);
  }
}

TEST_CASE("records ls lists every intent and record and reports the corrupt one") {
  TempDir dir;
  std::string root = CopyTestdata(dir);
  auto r = Run({"records", "ls", "--dir", root});
  REQUIRE(r.rc == 0);
  CHECK(Lines(r.out) == 7 + 11 + 1);
  CHECK(r.out.find("\"kind\":\"CorruptFile\"") != std::string::npos);
  CHECK(r.out.find("testimage-anonpull") != std::string::npos);
  CHECK(Lines(r.err) == 1);  // the corrupt file, reported
  // Listing never rewrote anything (v1alpha1 files stay as they are).
  auto snap = Snapshot(root);
  CHECK(Run({"records", "ls", "--dir=" + root}).rc == 0);
  CHECK(Snapshot(root) == snap);
}

TEST_CASE("records show prints one record; absent and corrupt are errors") {
  TempDir dir;
  std::string root = CopyTestdata(dir);
  auto r = Run({"records", "show", "--dir", root, "testimageref"});
  REQUIRE(r.rc == 0);
  CHECK(r.out ==
        "{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"kubelet.config.k8s.io/v1beta1\","
        "\"lastUpdatedTime\":\"2024-10-21T12:26:40Z\",\"imageRef\":\"testimageref\","
        "\"credentialMapping\":{\"docker.io/testing/test\":{\"kubernetesSecrets\":[{\"uid\":"
        "\"testsecretuid\",\"namespace\":\"default\",\"name\":\"pull-secret\","
        "\"credentialHash\":\"testsecrethash\"}]}}}\n");
  ExpectOneLineError(Run({"records", "show", "--dir", root, "no-such-ref"}));
  ExpectOneLineError(Run({"records", "show", "--dir", root, "testbrokenrecord"}));
  ExpectOneLineError(Run({"records", "show", "--dir", root}), 2, "pullguard records show: ");
}

TEST_CASE("records audit says who may use which image") {
  TempDir dir;
  std::string root = CopyTestdata(dir);
  auto r = Run({"records", "audit", "--dir", root});
  REQUIRE(r.rc == 0);
  CHECK(
      r.out.find(
          R"({"imageRef":"testimage-anonpull","image":"docker.io/testing/test","access":"node")") !=
      std::string::npos);
  CHECK(
      r.out.find(
          R"("access":"serviceAccount","namespace":"default","name":"test-sa","uid":"test-sa-uid")") !=
      std::string::npos);
  CHECK(
      r.out.find(
          R"("access":"secret","namespace":"default","name":"pull-secret","uid":"testsecretuid","credentialHash":"testsecrethash")") !=
      std::string::npos);
  CHECK(r.out.find(R"({"imageRef":"testemptycredmapping","image":"","access":"none")") !=
        std::string::npos);
  CHECK(r.out.find(R"({"intent":"repo.repo/test/test:v1","access":"in-flight"})") !=
        std::string::npos);
  CHECK(r.out.find("CorruptFile") != std::string::npos);
}

TEST_CASE("records add merges like kubelet") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  auto add = [&](const std::string& body) { return Run({"records", "add", "--dir", root}, body); };
  auto r1 = add(
      R"({"image":"docker.io/testing/test:v1","imageRef":"ref1","secret":{"uid":"u1","namespace":"b","name":"s","auth":{"username":"user","password":"password"}}})");
  REQUIRE(r1.rc == 0);
  CHECK(r1.out.find("\"changed\":true") != std::string::npos);
  auto same = add(
      R"({"image":"testing/test:v2","imageRef":"ref1","secret":{"uid":"u1","namespace":"b","name":"s","credentialHash":"a55436fc140d516560d072c5fe8700385ce9f41629abf65c1edcbcb39fac691d"}})");
  REQUIRE(same.rc == 0);
  CHECK(same.out.find("\"changed\":false") != std::string::npos);
  REQUIRE(
      add(R"({"image":"testing/test","imageRef":"ref1","secret":{"uid":"u0","namespace":"a","name":"s","credentialHash":"h0"}})")
          .rc == 0);
  REQUIRE(
      add(R"({"image":"testing/test","imageRef":"ref1","serviceAccount":{"uid":"sa","namespace":"a","name":"builder"}})")
          .rc == 0);
  auto show = Run({"records", "show", "--dir", root, "ref1"});
  REQUIRE(show.rc == 0);
  // Sorted by namespace, name, uid; the service account merged beside the secrets.
  CHECK(
      show.out.find(
          R"("kubernetesSecrets":[{"uid":"u0","namespace":"a","name":"s","credentialHash":"h0"},{"uid":"u1","namespace":"b")") !=
      std::string::npos);
  CHECK(show.out.find(
            R"("kubernetesServiceAccounts":[{"uid":"sa","namespace":"a","name":"builder"}])") !=
        std::string::npos);
  REQUIRE(add(R"({"image":"testing/test:x","imageRef":"ref1","nodePodsAccessible":true})").rc == 0);
  show = Run({"records", "show", "--dir", root, "ref1"});
  CHECK(show.out.find(R"("docker.io/testing/test":{"nodePodsAccessible":true})") !=
        std::string::npos);
  CHECK(show.out.find("kubernetesSecrets") == std::string::npos);
}

TEST_CASE("records add: invalid input changes nothing") {
  TempDir dir;
  std::string root = CopyTestdata(dir);
  auto snap = Snapshot(root);
  const char* bad[] = {
      "",
      "not json",
      R"({"image":"docker.io/a/b:1","imageRef":"r"})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","nodePodsAccessible":false})",
      R"({"image":"docker.io/a/b:1","imageRef":"","nodePodsAccessible":true})",
      R"({"image":"Not/Valid:1","imageRef":"r","nodePodsAccessible":true})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","nodePodsAccessible":true,"serviceAccount":{"uid":"u","namespace":"n","name":"s"}})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","secret":{"uid":"u","namespace":"n","name":"s"}})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","secret":{"uid":"u","namespace":"n","name":"s","auth":{"password":"s3cr3t-value","bogus":1}}})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","serviceAccount":{"uid":"","namespace":"n","name":"s"}})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","nodePodsAccessible":true,"extra":1})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","imageRef":"q","nodePodsAccessible":true})",
      R"({"image":"docker.io/testing/broken:1","imageRef":"testbrokenrecord","nodePodsAccessible":true})",
      // A pod's whole set: one broken entry refuses it all; the two forms mixed; node access
      // beside pod credentials.
      R"({"image":"docker.io/a/b:1","imageRef":"r","secrets":[{"uid":"u","namespace":"n","name":"s","credentialHash":"h"},{"namespace":"n","name":"t","credentialHash":"h"}]})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","secrets":{}})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","serviceAccounts":["x"]})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","secrets":[{"uid":"u","namespace":"n","name":"s","auth":{"password":"s3cr3t-value","bogus":1}}]})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","secrets":[],"secret":{"uid":"u","namespace":"n","name":"s","credentialHash":"h"}})",
      R"({"image":"docker.io/a/b:1","imageRef":"r","secrets":[{"uid":"u","namespace":"n","name":"s","credentialHash":"h"}],"nodePodsAccessible":true})",
  };
  for (const char* b : bad) {
    INFO(b);
    auto r = Run({"records", "add", "--dir", root}, b);
    ExpectOneLineError(r);
    CHECK(r.err.find("s3cr3t-value") == std::string::npos);
    CHECK(Snapshot(root) == snap);
  }
  ExpectOneLineError(
      Run({"records", "add"}, R"({"image":"a:1","imageRef":"r","nodePodsAccessible":true})"), 2,
      "pullguard records add: --dir is required");
  ExpectOneLineError(Run({"records", "ls"}), 2, "pullguard records ls: --dir is required");
  ExpectOneLineError(Run({"records", "ls", "--dir", dir.path() + "/nope"}));
  ExpectOneLineError(Run({"records", "ls", "--dir", root, "--bogus", "x"}), 2,
                     "pullguard records ls: unexpected argument \"--bogus\"");
  ExpectOneLineError(Run({"records", "frobnicate"}), 2,
                     "pullguard records: unknown subcommand \"frobnicate\" (want hash, ls, show, "
                     "audit, add, gc or recover) (see 'pullguard records --help')\n");
  CHECK(Snapshot(root) == snap);
}

TEST_CASE("records add: a pod's whole set, kubelet's merge rules") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  auto add = [&](const std::string& body, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"records", "add", "--dir", root};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args, body);
  };
  // b twice (the later hash wins), a by auth, one service account twice.
  const std::string set =
      R"({"image":"busybox:1.36","imageRef":"ref1","secrets":[)"
      R"({"uid":"ub","namespace":"t","name":"b","credentialHash":"old"},)"
      R"({"uid":"ua","namespace":"t","name":"a","auth":{"username":"user","password":"password"}},)"
      R"({"uid":"ub","namespace":"t","name":"b","credentialHash":"hb"}],)"
      R"("serviceAccounts":[{"uid":"us","namespace":"t","name":"sa"},)"
      R"({"uid":"us","namespace":"t","name":"sa"}]})";
  auto r = add(set);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("\"changed\":true") != std::string::npos);
  CHECK(add(set).out.find("\"changed\":false") != std::string::npos);  // nothing new
  auto show = Run({"records", "show", "--dir", root, "ref1"});
  CHECK(
      show.out.find(
          R"("credentialMapping":{"docker.io/library/busybox":{"kubernetesSecrets":[)"
          R"({"uid":"ua","namespace":"t","name":"a","credentialHash":"a55436fc140d516560d072c5fe8700385ce9f41629abf65c1edcbcb39fac691d"},)"
          R"({"uid":"ub","namespace":"t","name":"b","credentialHash":"hb"}],)"
          R"("kubernetesServiceAccounts":[{"uid":"us","namespace":"t","name":"sa"}]}})") !=
      std::string::npos);
  // An empty set: an existing entry is unchanged; a new record gets an entry naming nobody.
  CHECK(add(R"({"image":"busybox:1.36","imageRef":"ref1","secrets":[]})")
            .out.find("\"changed\":false") != std::string::npos);
  REQUIRE(add(R"({"image":"busybox:1.36","imageRef":"ref2","secrets":[]})").rc == 0);
  CHECK(Run({"records", "show", "--dir", root, "ref2"})
            .out.find(R"("credentialMapping":{"docker.io/library/busybox":{}})") !=
        std::string::npos);
  // --kubelet-version=1.36: the familiar key.
  REQUIRE(
      add(R"({"image":"busybox:1.36","imageRef":"ref3","secrets":[{"uid":"ua","namespace":"t","name":"a","credentialHash":"h"}]})",
          {"--kubelet-version=1.36"})
          .rc == 0);
  CHECK(Run({"records", "show", "--dir", root, "ref3"})
            .out.find(R"("credentialMapping":{"busybox":)") != std::string::npos);
}

TEST_CASE(
    "records add: a service account under 1.33, or a bad --kubelet-version, changes nothing") {
  TempDir dir;
  std::string root = CopyTestdata(dir);
  auto snap = Snapshot(root);
  ExpectOneLineError(
      Run({"records", "add", "--dir", root, "--kubelet-version=1.33"},
          R"({"image":"docker.io/a/b:1","imageRef":"r","serviceAccount":{"uid":"u","namespace":"n","name":"s"}})"),
      1, "pullguard records: input: kubelet 1.33 records no service accounts");
  for (const char* v : {"1.32", "1.37", "1", "1.35.0", "v1.35", "x"}) {
    INFO(v);
    ExpectOneLineError(
        Run({"records", "add", "--dir", root, "--kubelet-version", v},
            R"({"image":"docker.io/a/b:1","imageRef":"r","nodePodsAccessible":true})"),
        2, "pullguard records add: --kubelet-version: kubelet version ");
  }
  CHECK(Snapshot(root) == snap);
}
