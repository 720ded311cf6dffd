// `pullguard decide` in-process: kubelet's answers with reasons, the record updates kubelet makes
// while deciding (rotation, extra secret, the 100-secret cap), --evidence, and bad input.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/run.h"

using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    // Lock files hold no data; taking a lock is not a change to what is stored.
    if (e.path().parent_path().filename() == "locks") continue;
    if (e.is_regular_file()) out[e.path().string()] = Slurp(e.path().string());
  }
  return out;
}

nlohmann::json Decide(const std::string& root, const nlohmann::json& req,
                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"decide", "--dir", root};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto r = Run(argv, req.dump());
  INFO(r.err);
  INFO(req.dump());
  REQUIRE(r.rc == 0);
  REQUIRE(r.err.empty());
  return nlohmann::json::parse(r.out);
}

nlohmann::json Secret(const std::string& uid, const std::string& ns, const std::string& name,
                      const std::string& password) {
  return {{"uid", uid},
          {"namespace", ns},
          {"name", name},
          {"auth", {{"username", "user"}, {"password", password}}}};
}

std::string AddSecret(const std::string& root, const std::string& ref, const nlohmann::json& s) {
  nlohmann::json j = {{"image", "r.io/team/app:v1"}, {"imageRef", ref}, {"secret", s}};
  auto r = Run({"records", "add", "--dir", root}, j.dump());
  REQUIRE(r.rc == 0);
  return r.out;
}

int SecretCount(const std::string& root, const std::string& ref) {
  auto r = Run({"records", "show", "--dir", root, ref});
  REQUIRE(r.rc == 0);
  auto j = nlohmann::json::parse(r.out);
  return static_cast<int>(j["credentialMapping"]["r.io/team/app"]["kubernetesSecrets"].size());
}

}  // namespace

TEST_CASE("decide: a secret that pulled the image may use it; another may not") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  AddSecret(root, "sha256:aa", Secret("u1", "team", "pull", "pw1"));
  nlohmann::json req = {
      {"image", "r.io/team/app:v1"},
      {"imageRef", "sha256:aa"},
      {"imagePresent", true},
      {"podSecrets", nlohmann::json::array({Secret("u1", "team", "pull", "pw1")})}};
  auto ok = Decide(root, req);
  CHECK(ok["action"] == "use-local");
  CHECK(ok["reason"].get<std::string>().find("pod secret team/pull") != std::string::npos);
  req["podSecrets"] = nlohmann::json::array({Secret("u2", "other", "pull", "guess")});
  auto no = Decide(root, req);
  CHECK(no["action"] == "pull");
  CHECK(no["reason"].get<std::string>().find("none of the pod's credentials") != std::string::npos);
  req["pullPolicy"] = "Never";
  CHECK(Decide(root, req)["action"] == "fail");
}

TEST_CASE("decide records a rotated secret and an extra secret, as kubelet does") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  AddSecret(root, "sha256:aa", Secret("u1", "team", "pull", "old"));
  nlohmann::json req = {
      {"image", "r.io/team/app:v1"},
      {"imageRef", "sha256:aa"},
      {"imagePresent", true},
      {"podSecrets", nlohmann::json::array({Secret("u1", "team", "pull", "rotated")})}};
  CHECK(Decide(root, req)["action"] == "use-local");
  auto show = Run({"records", "show", "--dir", root, "sha256:aa"});
  auto hash = Run({"records", "hash"}, R"({"username":"user","password":"rotated"})");
  CHECK(show.out.find(hash.out.substr(0, 64)) != std::string::npos);
  // Same credentials in another secret: allowed, and remembered.
  req["podSecrets"] = nlohmann::json::array({Secret("u9", "elsewhere", "copy", "rotated")});
  CHECK(Decide(root, req)["action"] == "use-local");
  CHECK(SecretCount(root, "sha256:aa") == 2);
}

TEST_CASE("decide stops writing learned secrets at 100") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  for (int i = 0; i < 100; ++i) {
    AddSecret(root, "sha256:bb",
              Secret("u" + std::to_string(i), "ns", "s" + std::to_string(i), "same"));
  }
  REQUIRE(SecretCount(root, "sha256:bb") == 100);
  auto snap = Snapshot(root + "/pulled");
  nlohmann::json req = {
      {"image", "r.io/team/app:v1"},
      {"imageRef", "sha256:bb"},
      {"imagePresent", true},
      {"podSecrets", nlohmann::json::array({Secret("new", "ns2", "copy", "same")})}};
  CHECK(Decide(root, req)["action"] == "use-local");
  CHECK(Snapshot(root + "/pulled") == snap);
  // A rotated secret at the cap is not trusted either (kubelet's rule).
  req["podSecrets"] = nlohmann::json::array({Secret("u5", "ns", "s5", "rotated")});
  CHECK(Decide(root, req)["action"] == "pull");
  CHECK(Snapshot(root + "/pulled") == snap);
}

TEST_CASE("decide: separateSharedDigests and maxRecordAge") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  AddSecret(root, "sha256:cc", Secret("u1", "team", "pull", "pw"));
  nlohmann::json req = {
      {"image", "public.io/lib/app:v1"}, {"imageRef", "sha256:cc"}, {"imagePresent", true}};
  CHECK(Decide(root, req)["action"] == "pull");  // kubelet 1.35: poisoned by the shared digest
  req["separateSharedDigests"] = true;
  CHECK(Decide(root, req)["action"] == "use-local");
  nlohmann::json own = {{"image", "r.io/team/app:v1"},
                        {"imageRef", "sha256:cc"},
                        {"imagePresent", true},
                        {"podSecrets", nlohmann::json::array({Secret("u1", "team", "pull", "pw")})},
                        {"maxRecordAge", "1h"}};
  CHECK(Decide(root, own)["action"] == "use-local");  // written just now
}

TEST_CASE("decide --evidence: a repository proof lets a proven credential use the image") {
  TempDir dir;
  std::string root = dir.path() + "/im", ev = dir.path() + "/evidence";
  REQUIRE(Run({"records", "add", "--dir", root},
              R"({"image":"r.io/x/y:1","imageRef":"sha256:dd","nodePodsAccessible":true})")
              .rc == 0);
  std::filesystem::create_directories(ev);
  auto hash = Run({"records", "hash"}, R"({"username":"user","password":"pw"})").out.substr(0, 64);
  // Write the evidence file for r.io/team/app through the documented format.
  nlohmann::json proof = {
      {"kind", "PullguardRepositoryEvidence"},
      {"apiVersion", "pullguard.io/v1alpha1"},
      {"repository", "r.io/team/app"},
      {"proofs",
       {{{"credentialHash", hash},
         {"provenAt", "2020-01-01T00:00:00Z"},
         {"validUntil", "2999-01-01T00:00:00Z"},
         {"source",
          {{"kind", "serviceAccount"}, {"namespace", "a"}, {"name", "b"}, {"uid", "c"}}}}}}};
  // File name: sha256-<hex of the repository name>, the same rule as records.
  auto name = Run({"records", "add", "--dir", dir.path() + "/scratch"},
                  R"({"image":"x.io/a/b:1","imageRef":"r.io/team/app","nodePodsAccessible":true})");
  std::string fname = nlohmann::json::parse(name.out)["file"].get<std::string>().substr(7);
  std::ofstream(ev + "/" + fname) << proof.dump();
  nlohmann::json req = {{"image", "r.io/team/app:v1"},
                        {"imageRef", "sha256:other"},
                        {"imagePresent", true},
                        {"policy", "AlwaysVerify"},
                        {"podSecrets", nlohmann::json::array({Secret("u", "team", "pull", "pw")})}};
  CHECK(Decide(root, req)["action"] == "pull");
  auto with = Decide(root, req, {"--evidence", ev});
  CHECK(with["action"] == "use-local");
  CHECK(with["reason"].get<std::string>().find("proven") != std::string::npos);
  req["podSecrets"] = nlohmann::json::array({Secret("u", "team", "pull", "wrong")});
  CHECK(Decide(root, req, {"--evidence", ev})["action"] == "pull");
}

TEST_CASE("decide: invalid input is one stderr line, no stdout, nothing changed") {
  TempDir dir;
  std::string root = dir.path() + "/im";
  AddSecret(root, "sha256:ee", Secret("u1", "team", "pull", "pw"));
  auto snap = Snapshot(root);
  const char* bad[] = {
      "",
      "{}",
      "[]",
      R"({"image":"r.io/team/app:v1","imageRef":"sha256:ee"})",
      R"({"image":"r.io/team/app:v1","imagePresent":"yes"})",
      R"({"image":"","imagePresent":true})",
      R"({"image":"upper/CASE:1","imagePresent":true})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"pullPolicy":"Sometimes"})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"policy":"TrustEveryone"})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"allowlist":["r.io/*"]})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"policy":"NeverVerifyAllowlistedImages","allowlist":["*"]})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"podSecrets":[{"uid":"u","namespace":"n","name":"s","auth":{"password":"s3cr3t-value"},"credentialHash":"x"}]})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"podSecrets":{"uid":"u"}})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"podServiceAccount":{"uid":"u"}})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"maxRecordAge":"forever"})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"unknown":1})",
      R"({"image":"r.io/team/app:v1","imagePresent":true,"imagePresent":false})",
  };
  for (const char* b : bad) {
    INFO(b);
    auto r = Run({"decide", "--dir", root}, b);
    CHECK(r.rc == 1);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("pullguard decide: ", 0) == 0);
    CHECK(r.err.find("s3cr3t-value") == std::string::npos);
  }
  auto missing =
      Run({"decide", "--dir", dir.path() + "/nope"}, R"({"image":"a:1","imagePresent":true})");
  CHECK(missing.rc == 1);
  CHECK(missing.out.empty());
  auto no_dir = Run({"decide"}, R"({"image":"a:1","imagePresent":true})");
  CHECK(no_dir.rc == 2);  // a usage error
  CHECK(no_dir.err == "pullguard decide: --dir is required (see 'pullguard decide --help')\n");
  auto bad_ev = Run({"decide", "--dir", root, "--evidence", dir.path() + "/nope"},
                    R"({"image":"a:1","imagePresent":true})");
  CHECK(bad_ev.rc == 1);
  CHECK(bad_ev.out.empty());
  CHECK(Snapshot(root) == snap);
}
