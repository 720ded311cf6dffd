// Resolve (plugin/answer/resolve.cc): which entries answer, the cache key kubelet gets, merging.
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

TEST_CASE("resolve: entries that apply are merged, narrowest cache key, shortest duration") {
  Config c = MustDecode(kConfigHead +
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
  auto r = Resolve(c, RequestFor("x.corp.example/team-a/app:v1"), DefaultEnv());
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
  Config c = MustDecode(kConfigHead +
                        "registries:\n"
                        "  - match: [\"reg:5000/team-a\"]\n"
                        "    static: {username: a, password: pa}\n"
                        "  - match: [\"reg:5000/team-b\"]\n"
                        "    cacheDuration: 2m\n"
                        "    static: {username: b, password: pb}\n"
                        "  - match: [\"other:5000\"]\n"
                        "    static: {username: o, password: po}\n");
  auto r = Resolve(c, RequestFor("reg:5000/team-a/app"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kRegistry);
  CHECK(*r->cache_duration == 2 * kMinute);
  CHECK(Keys(r->auth) == std::vector<std::string>{"reg:5000/team-a", "reg:5000/team-b"});
}

TEST_CASE("resolve: a sibling that wants Image narrows the answer to Image") {
  Config c = MustDecode(kConfigHead +
                        "registries:\n"
                        "  - match: [\"reg:5000/team-a\"]\n"
                        "    static: {username: a, password: pa}\n"
                        "  - match: [\"reg:5000/team-b\"]\n"
                        "    cacheKeyType: Image\n"
                        "    static: {username: b, password: pb}\n");
  auto r = Resolve(c, RequestFor("reg:5000/team-a/app"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kImage);
  CHECK(Keys(r->auth) == std::vector<std::string>{"reg:5000/team-a"});
}

TEST_CASE("resolve: Global hands out every entry") {
  Config c = MustDecode(kConfigHead +
                        "registries:\n"
                        "  - match: [\"a.io\"]\n"
                        "    cacheKeyType: Global\n"
                        "    static: {username: a, password: pa}\n"
                        "  - match: [\"b.io\", \"c.io\"]\n"
                        "    cacheKeyType: Global\n"
                        "    static: {username: b, password: pb}\n");
  auto r = Resolve(c, RequestFor("a.io/x"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(r->cache_key_type == CacheKeyType::kGlobal);
  CHECK(Keys(r->auth) == std::vector<std::string>{"a.io", "b.io", "c.io"});
}

TEST_CASE("resolve: a broken file of an entry that is not used does not fail the pull") {
  TempDir dir;
  std::string pw = dir.Write("ok.pw", "fine\n", 0600);
  Config c = MustDecode(kConfigHead +
                        "registries:\n"
                        "  - match: [\"a.io\"]\n"
                        "    cacheKeyType: Image\n"
                        "    static: {username: a, passwordFile: " +
                        pw +
                        "}\n"
                        "  - match: [\"b.io\"]\n"
                        "    cacheKeyType: Image\n"
                        "    static: {username: b, passwordFile: /nonexistent.pw}\n");
  CHECK(Resolve(c, RequestFor("a.io/x"), DefaultEnv()).ok());
  auto bad = Resolve(c, RequestFor("b.io/x"), DefaultEnv());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.rfind("registries[1].static.passwordFile: /nonexistent.pw", 0) == 0);
}
