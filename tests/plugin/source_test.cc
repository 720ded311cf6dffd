// The static and dockerConfig sources and the resolver that merges entries: keys chosen, cache
// scopes widened or narrowed, private-file checks, and no secret in any message.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "plugin/config.h"
#include "plugin/resolve.h"
#include "plugin/source.h"
#include "tests/support/run.h"

using namespace pullguard;
using nlohmann::json;
using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {

const std::string kHead = "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n";

std::vector<std::string> Keys(const std::vector<KeyedCredential>& v) {
  std::vector<std::string> out;
  for (const auto& k : v) out.push_back(k.key);
  return out;
}

Config MustDecode(const std::string& yaml) {
  ConfigDecode d = DecodeConfig(yaml);
  INFO(yaml);
  for (const auto& p : d.problems) INFO(p);
  REQUIRE(d.ok());
  return d.config;
}

CredentialProviderRequest Req(const std::string& image) {
  CredentialProviderRequest r;
  r.image = image;
  return r;
}

// base64("bob:dock3r-pw")
const char* kDockerConfig = R"({"auths":{
  "https://index.docker.io/v1/": {"auth": "Ym9iOmRvY2szci1wdw=="},
  "quay.io": {"username": "q", "password": "quay-pw"},
  "quay.io/team": {"username": "qt", "password": "quay-team-pw"},
  "https://quay.io/v2/other": {"username": "qo", "password": "quay-other-pw"},
  "reg.example.org:5000": {"username": "r", "password": "reg-pw"}
}})";

}  // namespace

TEST_CASE("static source: keys are the entry's patterns that apply to the scope") {
  StaticSourceSpec spec{"alice", Secret("pw"), ""};
  auto src =
      MakeStaticSource(spec, {"registry.internal:5000", "*.corp.example/team-a", "other.io"});
  auto image = src->Lookup({"x.corp.example/team-a/app", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(image.ok());
  CHECK(Keys(*image) == std::vector<std::string>{"*.corp.example/team-a"});
  CHECK((*image)[0].credential.username == "alice");
  CHECK((*image)[0].credential.password.reveal() == "pw");
  // Registry scope: a sibling repository in the same registry shares kubelet's cache entry.
  auto reg = src->Lookup({"x.corp.example/team-b/app", CacheKeyType::kRegistry}, DefaultEnv());
  REQUIRE(reg.ok());
  CHECK(Keys(*reg) == std::vector<std::string>{"*.corp.example/team-a"});
  auto global = src->Lookup({"x.corp.example/team-b/app", CacheKeyType::kGlobal}, DefaultEnv());
  REQUIRE(global.ok());
  CHECK(global->size() == 3);
  auto none = src->Lookup({"quay.io/x", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("static source: the password file must be private, present and one line") {
  TempDir dir;
  std::string open = dir.Write("open.pw", "hunter2\n", 0640);
  std::string priv = dir.Write("priv.pw", "hunter2\r\n", 0600);
  std::string empty = dir.Write("empty.pw", "\n", 0600);
  std::string two = dir.Write("two.pw", "hunter2\nmore\n", 0600);
  auto check = [](const std::string& file) {
    return MakeStaticSource(StaticSourceSpec{"u", std::nullopt, file}, {"a.io"})
        ->Check(DefaultEnv());
  };
  Status s = check(open);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == "static.passwordFile: " + open +
                                 " is readable by group or others (mode 0640); chmod 600 it");
  CHECK(s.error().kind == ErrorKind::kPermission);
  CHECK(check(priv).ok());
  auto got = MakeStaticSource(StaticSourceSpec{"u", std::nullopt, priv}, {"a.io"})
                 ->Lookup({"a.io/x", CacheKeyType::kImage}, DefaultEnv());
  REQUIRE(got.ok());
  CHECK((*got)[0].credential.password.reveal() == "hunter2");
  CHECK(check(empty).error().message.find("is empty") != std::string::npos);
  CHECK(check(two).error().message.find("more than one line") != std::string::npos);
  Status missing = check(dir.path() + "/nope.pw");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("nope.pw does not exist") != std::string::npos);
  for (const Status& st : {check(open), check(two), check(empty)}) {
    CHECK(st.error().message.find("hunter2") == std::string::npos);
  }
}

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

TEST_CASE("resolve: entries that apply are merged, narrowest cache key, shortest duration") {
  Config c = MustDecode(kHead +
                        "registries:\n"
                        "  - match: [\"*.corp.example\"]\n"
                        "    cacheDuration: 1h\n"
                        "    static: {username: wide, password: w}\n"
                        "  - match: [\"x.corp.example/team-a\"]\n"
                        "    cacheKeyType: Image\n"
                        "    cacheDuration: 90s\n"
                        "    static: {username: narrow, password: n}\n"
                        "  - match: [\"*.corp.example\"]\n"
                        "    static: {username: dup, password: d}\n");
  auto r = Resolve(c, Req("x.corp.example/team-a/app:v1"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kImage);
  REQUIRE(r->cache_duration.has_value());
  CHECK(*r->cache_duration == 90 * kSecond);
  json j = json::parse(EncodeResponse(*r));
  CHECK(j["cacheDuration"] == "1m30s");
  REQUIRE(j["auth"].size() == 2);
  CHECK(j["auth"]["*.corp.example"]["username"] == "wide");  // config order wins a repeated key
  CHECK(j["auth"]["x.corp.example/team-a"]["username"] == "narrow");
}

TEST_CASE("resolve: a Registry answer carries the registry's sibling entries") {
  Config c = MustDecode(kHead +
                        "registries:\n"
                        "  - match: [\"reg:5000/team-a\"]\n"
                        "    static: {username: a, password: pa}\n"
                        "  - match: [\"reg:5000/team-b\"]\n"
                        "    cacheDuration: 2m\n"
                        "    static: {username: b, password: pb}\n"
                        "  - match: [\"other:5000\"]\n"
                        "    static: {username: o, password: po}\n");
  auto r = Resolve(c, Req("reg:5000/team-a/app"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kRegistry);
  CHECK(*r->cache_duration == 2 * kMinute);
  CHECK(Keys(r->auth) == std::vector<std::string>{"reg:5000/team-a", "reg:5000/team-b"});
}

TEST_CASE("resolve: a sibling that wants Image narrows the answer to Image") {
  Config c = MustDecode(kHead +
                        "registries:\n"
                        "  - match: [\"reg:5000/team-a\"]\n"
                        "    static: {username: a, password: pa}\n"
                        "  - match: [\"reg:5000/team-b\"]\n"
                        "    cacheKeyType: Image\n"
                        "    static: {username: b, password: pb}\n");
  auto r = Resolve(c, Req("reg:5000/team-a/app"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kImage);
  CHECK(Keys(r->auth) == std::vector<std::string>{"reg:5000/team-a"});
}

TEST_CASE("resolve: Global hands out every entry") {
  Config c = MustDecode(kHead +
                        "registries:\n"
                        "  - match: [\"a.io\"]\n"
                        "    cacheKeyType: Global\n"
                        "    static: {username: a, password: pa}\n"
                        "  - match: [\"b.io\", \"c.io\"]\n"
                        "    cacheKeyType: Global\n"
                        "    static: {username: b, password: pb}\n");
  auto r = Resolve(c, Req("a.io/x"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kGlobal);
  CHECK(Keys(r->auth) == std::vector<std::string>{"a.io", "b.io", "c.io"});
}

TEST_CASE("resolve: a broken file of an entry that is not used does not fail the pull") {
  TempDir dir;
  std::string pw = dir.Write("ok.pw", "fine\n", 0600);
  Config c = MustDecode(kHead +
                        "registries:\n"
                        "  - match: [\"a.io\"]\n"
                        "    cacheKeyType: Image\n"
                        "    static: {username: a, passwordFile: " +
                        pw +
                        "}\n"
                        "  - match: [\"b.io\"]\n"
                        "    cacheKeyType: Image\n"
                        "    static: {username: b, passwordFile: /nonexistent.pw}\n");
  CHECK(Resolve(c, Req("a.io/x"), DefaultEnv()).ok());
  auto bad = Resolve(c, Req("b.io/x"), DefaultEnv());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.rfind("registries[1].static.passwordFile: /nonexistent.pw", 0) == 0);
}

TEST_CASE("get-credentials with a dockerConfig source end to end") {
  TempDir dir;
  std::string dc = dir.Write("config.json", kDockerConfig, 0600);
  std::string cfg = dir.Write(
      "pg.yaml",
      kHead + "registries:\n  - match: [\"quay.io\"]\n    cacheKeyType: Image\n    dockerConfig: " +
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
