// The static source (plugin/sources/static_source.cc): which keys it answers under, and its
// password file rules.
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
