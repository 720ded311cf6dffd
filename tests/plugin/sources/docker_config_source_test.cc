// The dockerConfig source (plugin/sources/docker_config_source.cc): keyring rules, the legacy
// form, broken files; and one get-credentials run with it.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "base/env_posix.h"
#include "plugin/answer/resolve.h"
#include "plugin/config/config.h"
#include "plugin/sources/source.h"
#include "tests/support/config_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using nlohmann::json;
using pullguard::testing::kConfigHead;
using pullguard::testing::Keys;
using pullguard::testing::MustDecode;
using pullguard::testing::RequestFor;
using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {

// base64("bob:dock3r-pw")
const char* kDockerConfig = R"({"auths":{
  "https://index.docker.io/v1/": {"auth": "Ym9iOmRvY2szci1wdw=="},
  "quay.io": {"username": "q", "password": "quay-pw"},
  "quay.io/team": {"username": "qt", "password": "quay-team-pw"},
  "https://quay.io/v2/other": {"username": "qo", "password": "quay-other-pw"},
  "reg.example.org:5000": {"username": "r", "password": "reg-pw"}
}})";

}  // namespace

TEST_CASE("dockerConfig source: keyring rules, most specific first, every match") {
  TempDir dir;
  std::string path = dir.Write("config.json", kDockerConfig, 0600);
  auto src = MakeDockerConfigSource(DockerConfigSourceSpec{path});
  REQUIRE(src->Check(DefaultEnv()).ok());
  auto team = src->Lookup({"quay.io/team/app", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(team.ok());
  CHECK(Keys(*team) == std::vector<std::string>{"quay.io/team", "quay.io"});
  CHECK((*team)[0].credential.username == "qt");
  CHECK((*team)[0].credential.password.reveal() == "quay-team-pw");
  auto other = src->Lookup({"quay.io/other/x", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(other.ok());
  CHECK(Keys(*other) == std::vector<std::string>{"quay.io/other", "quay.io"});
  auto hub = src->Lookup({"docker.io/library/busybox", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(hub.ok());
  REQUIRE(hub->size() == 1);
  CHECK((*hub)[0].key == "index.docker.io");
  CHECK((*hub)[0].credential.username == "bob");
  CHECK((*hub)[0].credential.password.reveal() == "dock3r-pw");
  auto port = src->Lookup({"reg.example.org:5000/a/b", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(port.ok());
  CHECK(Keys(*port) == std::vector<std::string>{"reg.example.org:5000"});
  // Registry scope: every key of the registry, the exact matches first.
  auto reg = src->Lookup({"quay.io/team/app", CacheKeyType::kRegistry}, DefaultEnv());
  REQUIRE(reg.ok());
  CHECK(Keys(*reg) == std::vector<std::string>{"quay.io/team", "quay.io", "quay.io/other"});
  auto global = src->Lookup({"quay.io/team/app", CacheKeyType::kGlobal}, DefaultEnv());
  REQUIRE(global.ok());
  CHECK(global->size() == 5);
}

TEST_CASE("dockerConfig source: the legacy dockercfg form") {
  TempDir dir;
  std::string path = dir.Write("dockercfg", R"({"quay.io":{"auth":"Ym9iOmRvY2szci1wdw=="}})", 0600);
  auto r = MakeDockerConfigSource(DockerConfigSourceSpec{path})
               ->Lookup({"quay.io/a", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].credential.username == "bob");
}

TEST_CASE("dockerConfig source: broken files are named, their content is not") {
  TempDir dir;
  auto check = [](const std::string& p) {
    return MakeDockerConfigSource(DockerConfigSourceSpec{p})->Check(DefaultEnv());
  };
  std::string open = dir.Write("open.json", kDockerConfig, 0644);
  Status s = check(open);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.rfind("dockerConfig: " + open + " is readable by group or others", 0) ==
        0);
  std::string bad64 =
      dir.Write("bad64.json", R"({"auths":{"quay.io":{"auth":"%%%not-base64-SECRET"}}})", 0600);
  Status b = check(bad64);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message.find("quay.io") != std::string::npos);
  CHECK(b.error().message.find("not-base64-SECRET") == std::string::npos);
  std::string garbage = dir.Write("garbage.json", "not json SECRET", 0600);
  Status g = check(garbage);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().message.find("SECRET") == std::string::npos);
  CHECK_FALSE(check(dir.path() + "/missing.json").ok());
}

TEST_CASE("get-credentials with a dockerConfig source end to end") {
  TempDir dir;
  std::string dc = dir.Write("config.json", kDockerConfig, 0600);
  std::string cfg = dir.Write(
      "pg.yaml",
      kConfigHead +
          "registries:\n  - match: [\"quay.io\"]\n    cacheKeyType: Image\n    dockerConfig: " +
          dc + "\n");
  auto r = Run(
      {"get-credentials", "--config=" + cfg},
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"quay.io/team/app"})");
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  CHECK(j["auth"].size() == 2);
  CHECK(j["auth"]["quay.io/team"]["password"] == "quay-team-pw");
  CHECK(j["auth"]["quay.io"]["password"] == "quay-pw");
  chmod(dc.c_str(), 0644);
  auto bad = Run(
      {"get-credentials", "--config=" + cfg},
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"quay.io/team/app"})");
  CHECK(bad.rc == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("registries[0].dockerConfig: " + dc + " is readable by group or others") !=
        std::string::npos);
  CHECK(bad.err.find("quay-") == std::string::npos);
}
