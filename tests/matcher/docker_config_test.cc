// docker config.json and legacy dockercfg decoding (kubelet credentialprovider/config.go rules):
// auth vs username/password, bad base64, missing ':', errors that never carry the secret.
#include <catch2/catch.hpp>
#include <string>

#include "base/base64.h"
#include "matcher/docker_config.h"

using pullguard::Base64Encode;
using pullguard::ParseDockerConfig;

TEST_CASE("docker config: auth decodes to user and password, split at the first ':'") {
  std::string auth = Base64Encode("alice:pa:ss");
  auto r = ParseDockerConfig(R"({"auths":{"https://index.docker.io/v1/":{"auth":")" + auth +
                             R"(","email":"a@b.c"}}})");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].key == "https://index.docker.io/v1/");
  CHECK((*r)[0].credential.username == "alice");
  CHECK((*r)[0].credential.password.reveal() == "pa:ss");
}

TEST_CASE("docker config: auth overrides separate username/password") {
  std::string auth = Base64Encode("fromauth:secret1");
  auto r = ParseDockerConfig(R"({"auths":{"quay.io":{"username":"u","password":"p","auth":")" +
                             auth + R"("}}})");
  REQUIRE(r.ok());
  CHECK((*r)[0].credential.username == "fromauth");
  CHECK((*r)[0].credential.password.reveal() == "secret1");
}

TEST_CASE("docker config: username/password without auth; entries in file order") {
  auto r = ParseDockerConfig(
      R"({"auths":{"z.io":{"username":"zu","password":"zp"},"a.io":{"Username":"au","PASSWORD":"ap"}}})");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].key == "z.io");
  CHECK((*r)[0].credential.username == "zu");
  CHECK((*r)[0].credential.password.reveal() == "zp");
  // Go's encoding/json matches field names case-insensitively
  CHECK((*r)[1].credential.username == "au");
  CHECK((*r)[1].credential.password.reveal() == "ap");
}

TEST_CASE("docker config: unpadded auth uses RawStdEncoding, as kubelet does") {
  // base64("ab:cd") = "YWI6Y2Q=" ; without the '=' kubelet decodes it raw
  auto r = ParseDockerConfig(R"({"auths":{"r.io":{"auth":"YWI6Y2Q"}}})");
  REQUIRE(r.ok());
  CHECK((*r)[0].credential.username == "ab");
  CHECK((*r)[0].credential.password.reveal() == "cd");
}

TEST_CASE("docker config: legacy dockercfg is the bare map") {
  std::string auth = Base64Encode("legacy:pw");
  auto r = ParseDockerConfig(R"({"https://index.docker.io/v1/":{"auth":")" + auth + R"("}})");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].key == "https://index.docker.io/v1/");
  CHECK((*r)[0].credential.username == "legacy");
}

TEST_CASE("docker config: bad base64 names the key, never the value") {
  auto r = ParseDockerConfig(R"({"auths":{"quay.io":{"auth":"s3cr3t!!value"}}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "auths[\"quay.io\"].auth: not valid base64");
  CHECK(r.error().message.find("s3cr3t") == std::string::npos);
}

TEST_CASE("docker config: auth without ':' names the key, never the value") {
  std::string auth = Base64Encode("tokenwithoutcolon");
  auto r = ParseDockerConfig(R"({"auths":{"gcr.io":{"auth":")" + auth + R"("}}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "auths[\"gcr.io\"].auth: decoded value is not in username:password form");
  CHECK(r.error().message.find("tokenwithoutcolon") == std::string::npos);
  CHECK(r.error().message.find(auth) == std::string::npos);
}

TEST_CASE("docker config: structural errors") {
  CHECK_FALSE(ParseDockerConfig("{").ok());
  CHECK_FALSE(ParseDockerConfig("[]").ok());
  CHECK_FALSE(ParseDockerConfig(R"({"auths":[]})").ok());
  CHECK_FALSE(ParseDockerConfig(R"({"auths":{"a.io":"x"}})").ok());
  auto num = ParseDockerConfig(R"({"auths":{"a.io":{"password":5}}})");
  REQUIRE_FALSE(num.ok());
  CHECK(num.error().message == "auths[\"a.io\"].password: must be a string");
  auto empty = ParseDockerConfig(R"({"auths":{}})");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("docker config: duplicate keys, NUL bytes and trailing data are refused") {
  // Which credential was meant? Docker and kubelet take the last one silently; pullguard refuses.
  auto dup = ParseDockerConfig(R"({"auths":{"r.io":{"auth":"YTpi"},"r.io":{"auth":"Yzpk"}}})");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message == "docker config is invalid: duplicate key \"r.io\"");
  CHECK_FALSE(ParseDockerConfig(std::string("{\"auths\":{}}\0{}", 15)).ok());
  CHECK_FALSE(ParseDockerConfig(R"({"auths":{}} {"auths":{}})").ok());
}
