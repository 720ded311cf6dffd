// Codec tests: kubelet's testdata decodes and re-encodes byte for byte (v1alpha1 rewritten as
// v1beta1, as kubelet migrates), strict decoding refuses what Kubernetes refuses, Go's escaping.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/go_json.h"
#include "base/rfc3339.h"
#include "base/sha256.h"
#include "cache/credential_hash.h"
#include "cache/record_codec.h"
#include "cache/record_fast_path.h"
#include "tests/cache/cache_test_util.h"

using namespace pullguard;
using pullguard::testing::Slurp;
using pullguard::testing::TestdataDir;

namespace {

std::string AsBeta(std::string s) {
  auto pos = s.find("kubelet.config.k8s.io/v1alpha1");
  if (pos != std::string::npos) s.replace(pos, 30, "kubelet.config.k8s.io/v1beta1");
  if (s.empty() || s.back() != '\n') s.push_back('\n');  // kubelet's encoder ends with a newline
  return s;
}

}  // namespace

TEST_CASE("file names are sha256-<hex> of the key (upstream vectors)") {
  CHECK(RecordFileName("testimageref") ==
        "sha256-b3c0cc4278800b03a308ceb2611161430df571ca733122f0a40ac8b9792a9064");
  CHECK(RecordFileName("repo.repo/test/test:v1") ==
        "sha256-ee81caca15454863449fb55a1d942904d56d5ed9f9b20a7cb3453944ea2c7e11");
  CHECK(RecordFileName("repo.repo/test/test:latest") ==
        "sha256-7d8c031e2f1aeaa71649ca3e0b64c9902370ed460ef57fb07582a87a5a1e1c02");
  CHECK(RecordFileName("sa-testimageref") ==
        "sha256-7ff6218f8ead494f56af9cb95c4b855fb62609d01342fe961553ac2ed520fcfb");
  CHECK(RecordFileName("docker.io/sa-test/app:v1") ==
        "sha256-0b79dd5fccc09268cfa5ca054c82bce049461690e016778175fd92f79e7314dd");
  CHECK(RecordFileName("testimageref-familiarlast") ==
        "sha256-f2ba1256df29972c4fe11d8af7d302e37631c6077a2ed29d8bee55ee77cf26ad");
  CHECK(RecordFileName("testimageref-familiarwithorg") ==
        "sha256-ff66306c3a398c6e6b64d8f7acdd1aebc37fce76add3849f9d3f59274434234a");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("listing filter: sha256- prefix, no .tmp suffix") {
  CHECK(IsRecordFileName("sha256-abc"));
  CHECK_FALSE(IsRecordFileName("sha256-abc.tmp"));
  CHECK_FALSE(IsRecordFileName("sha256-abc.123.456.tmp"));
  CHECK_FALSE(IsRecordFileName("notes.txt"));
  CHECK_FALSE(IsRecordFileName("sha512-abc"));
  CHECK_FALSE(IsRecordFileName("sha256"));
}

TEST_CASE("every upstream pulled record decodes and re-encodes byte for byte") {
  int n = 0;
  for (const auto& name : pullguard::testing::FilesIn(TestdataDir() + "/pulled")) {
    std::string text = Slurp(TestdataDir() + "/pulled/" + name);
    auto r = DecodePulledRecord(text);
    if (name.rfind("sha256-e766", 0) == 0) {  // upstream's deliberately broken record
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind == ErrorKind::kCorrupt);
      continue;
    }
    INFO(name);
    REQUIRE(r.ok());
    CHECK(RecordFileName(r->image_ref) == name);
    CHECK(EncodePulledRecord(*r) == AsBeta(text));
    ++n;
  }
  CHECK(n == 11);
}

TEST_CASE("every upstream intent decodes and re-encodes byte for byte") {
  int n = 0;
  for (const auto& name : pullguard::testing::FilesIn(TestdataDir() + "/pulling")) {
    std::string text = Slurp(TestdataDir() + "/pulling/" + name);
    INFO(name);
    auto i = DecodePullIntent(text);
    REQUIRE(i.ok());
    CHECK(RecordFileName(i->image) == name);
    CHECK(EncodePullIntent(*i) == AsBeta(text));
    ++n;
  }
  CHECK(n == 7);
}

TEST_CASE("decoded testdata holds what upstream's tests expect") {
  auto r = DecodePulledRecord(
      Slurp(TestdataDir() +
            "/pulled/sha256-b3c0cc4278800b03a308ceb2611161430df571ca733122f0a40ac8b9792a9064"));
  REQUIRE(r.ok());
  CHECK(r->image_ref == "testimageref");
  CHECK(FormatRfc3339(*r->last_updated_time) == "2024-10-21T12:26:40Z");
  REQUIRE(r->credential_mapping.count("docker.io/testing/test") == 1);
  const auto& c = r->credential_mapping.at("docker.io/testing/test");
  REQUIRE(c.kubernetes_secrets.size() == 1);
  CHECK(c.kubernetes_secrets[0] ==
        ImagePullSecret{"testsecretuid", "default", "pull-secret", "testsecrethash"});
  auto sa = DecodePulledRecord(
      Slurp(TestdataDir() +
            "/pulled/sha256-917e8b3439bf8a7a6f37ffd2d2ddfdfafac8a251bf214a0be39675742b420b1a"));
  REQUIRE(sa.ok());
  CHECK(sa->api_version == kApiV1Alpha1);
  CHECK(sa->credential_mapping.at("docker.io/testing/test").kubernetes_service_accounts[0] ==
        ImagePullServiceAccount{"test-sa-uid", "default", "test-sa"});
  auto empty = DecodePulledRecord(
      Slurp(TestdataDir() +
            "/pulled/sha256-f8778b6393eaf39315e767a58cbeacf2c4b270d94b4d6926ee993d9e49444991"));
  REQUIRE(empty.ok());
  CHECK(empty->credential_mapping.empty());
}

TEST_CASE("strict decoding refuses what Kubernetes' strict serializer refuses") {
  const std::string good =
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","lastUpdatedTime":"2024-10-21T12:26:40Z","imageRef":"r"})";
  REQUIRE(DecodePulledRecord(good).ok());
  const char* bad[] = {
      "",
      "{",
      "[]",
      "null",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":"r","extra":1})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":"r","imageRef":"s"})",
      R"({"kind":"ImagePullIntent","apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":"r"})",
      R"({"apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":"r"})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v2","imageRef":"r"})",
      R"({"kind":"ImagePulledRecord","imageRef":"r"})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":5})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","ImageRef":"r"})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","lastUpdatedTime":"yesterday"})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","credentialMapping":[]})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","credentialMapping":{"a":{"nodePodsAccessible":"yes"}}})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","credentialMapping":{"a":{"kubernetesSecretCoordinates":[]}}})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","credentialMapping":{"a":{"kubernetesSecrets":[{"uid":"u","password":"p"}]}}})",
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","credentialMapping":{"a":{}, "a":{}}})",
      ("{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"kubelet.config.k8s.io/"
       "v1beta1\",\"imageRef\":\"\xff\"}"),
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":"r"} {})",
  };
  for (const char* b : bad) {
    INFO(b);
    ImagePulledRecord fast;
    CHECK_FALSE(DecodePlainPulledRecord(b, &fast));
    auto r = DecodePulledRecord(b);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kCorrupt);
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
  CHECK_FALSE(
      DecodePullIntent(
          R"({"kind":"ImagePullIntent","apiVersion":"kubelet.config.k8s.io/v1beta1","image":"a","x":1})")
          .ok());
  CHECK_FALSE(
      DecodePullIntent(
          R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","image":"a"})")
          .ok());
}

TEST_CASE("the plain-record fast path takes kubelet's files and agrees with the strict decoder") {
  int n = 0;
  for (const auto& name : pullguard::testing::FilesIn(TestdataDir() + "/pulled")) {
    std::string text = Slurp(TestdataDir() + "/pulled/" + name);
    INFO(name);
    auto strict = DecodePulledRecordStrict(text);
    ImagePulledRecord fast;
    bool plain = DecodePlainPulledRecord(text, &fast);
    CHECK(plain == strict.ok());  // every valid upstream record is in the plain form
    if (plain) {
      CHECK(fast == *strict);
      ++n;
    }
  }
  CHECK(n == 11);
  // What the strict decoder takes but the fast path leaves to it: escapes, non-ASCII, a DEL.
  for (
      const char* other : {
          R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","imageRef":"\u0072"})",
          "{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"kubelet.config.k8s.io/v1beta1\","
          "\"imageRef\":\"caf\\u00e9\xc3\xa9\"}",
          "{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"kubelet.config.k8s.io/v1beta1\","
          "\"imageRef\":\"\x7f\"}",
      }) {
    INFO(other);
    ImagePulledRecord fast;
    CHECK_FALSE(DecodePlainPulledRecord(other, &fast));
    auto r = DecodePulledRecord(other);
    REQUIRE(r.ok());
    CHECK(*r == *DecodePulledRecordStrict(other));
  }
  // JSON whitespace anywhere, nulls, empty lists and objects: both, the same value.
  const std::string spaced =
      " \n{ \"credentialMapping\" :{\"a\":null,\"b\":{ },\"c\":{\"kubernetesSecrets\":[ ],"
      "\"kubernetesServiceAccounts\":[{\"uid\":null,\"name\":\"n\"}],\"nodePodsAccessible\":"
      "false}},\r\t\"imageRef\":null,\"lastUpdatedTime\":\"2024-10-21T14:26:40+02:00\","
      "\"apiVersion\":\"kubelet.config.k8s.io/v1alpha1\",\"kind\":\"ImagePulledRecord\"} \n";
  ImagePulledRecord fast;
  REQUIRE(DecodePlainPulledRecord(spaced, &fast));
  auto strict = DecodePulledRecordStrict(spaced);
  REQUIRE(strict.ok());
  CHECK(fast == *strict);
  CHECK(fast.api_version == kApiV1Alpha1);
  CHECK(fast.credential_mapping.size() == 3);
}

TEST_CASE("null fields decode to zero values, a null time encodes as null") {
  auto r = DecodePulledRecord(
      R"({"kind":"ImagePulledRecord","apiVersion":"kubelet.config.k8s.io/v1beta1","lastUpdatedTime":null,"imageRef":"r","credentialMapping":null})");
  REQUIRE(r.ok());
  CHECK_FALSE(r->last_updated_time.has_value());
  CHECK(EncodePulledRecord(*r) ==
        "{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"kubelet.config.k8s.io/v1beta1\","
        "\"lastUpdatedTime\":null,\"imageRef\":\"r\"}\n");
}

TEST_CASE("map keys are sorted and strings escaped as Go does") {
  ImagePulledRecord r;
  r.image_ref = "a<b>&c";
  r.last_updated_time = std::chrono::sys_seconds(std::chrono::seconds(0));
  r.credential_mapping["z.io/x"].node_pods_accessible = true;
  r.credential_mapping["a.io/x"].kubernetes_service_accounts.push_back({"u", "n", "s"});
  CHECK(EncodePulledRecord(r) ==
        "{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"kubelet.config.k8s.io/v1beta1\","
        "\"lastUpdatedTime\":\"1970-01-01T00:00:00Z\",\"imageRef\":\"a\\u003cb\\u003e\\u0026c\","
        "\"credentialMapping\":{\"a.io/x\":{\"kubernetesServiceAccounts\":[{\"uid\":\"u\","
        "\"namespace\":\"n\",\"name\":\"s\"}]},\"z.io/x\":{\"nodePodsAccessible\":true}}}\n");
}

TEST_CASE("Go string escaping, byte for byte") {
  CHECK(GoJsonString("plain") == "\"plain\"");
  CHECK(GoJsonString("<>&") == "\"\\u003c\\u003e\\u0026\"");
  CHECK(GoJsonString("q\"b\\") == "\"q\\\"b\\\\\"");
  CHECK(GoJsonString("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(GoJsonString(std::string("\x01\x1f\x00", 3)) == "\"\\u0001\\u001f\\u0000\"");
  CHECK(GoJsonString("\x7f") == "\"\x7f\"");
  CHECK(GoJsonString("\xe2\x80\xa8\xe2\x80\xa9") == "\"\\u2028\\u2029\"");
  CHECK(GoJsonString("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(GoJsonString("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");
  CHECK(GoJsonString("a\xffz") == "\"a\\ufffdz\"");
  CHECK(GoJsonString("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong
  CHECK(GoJsonString("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  CHECK(GoJsonString("\xe2\x82") == "\"\\ufffd\\ufffd\"");             // truncated
}

TEST_CASE("credential hash matches kubelet's vector and Go's marshalling") {
  AuthConfig a;
  a.username = "user";
  a.password = Secret("password");
  CHECK(MarshalAuthConfigLikeGo(a) == R"({"username":"user","password":"password"})");
  CHECK(CredentialHash(a) == "a55436fc140d516560d072c5fe8700385ce9f41629abf65c1edcbcb39fac691d");

  AuthConfig all;
  all.username = "u";
  all.password = Secret("p<&>");
  all.auth = Secret("YTpi");
  all.email = "e@x";
  all.server_address = "https://r.io";
  all.identity_token = Secret("it");
  all.registry_token = Secret("rt");
  CHECK(
      MarshalAuthConfigLikeGo(all) ==
      R"({"username":"u","password":"p\u003c\u0026\u003e","auth":"YTpi","email":"e@x","serveraddress":"https://r.io","identitytoken":"it","registrytoken":"rt"})");
  CHECK(MarshalAuthConfigLikeGo(AuthConfig{}) == "{}");
  CHECK(CredentialHash(AuthConfig{}) == Sha256Hex("{}"));

  auto j = nlohmann::json::parse(R"({"password":"password","username":"user"})");
  auto parsed = AuthConfigFromJson(j);
  REQUIRE(parsed.ok());
  CHECK(CredentialHash(*parsed) ==
        "a55436fc140d516560d072c5fe8700385ce9f41629abf65c1edcbcb39fac691d");
  CHECK_FALSE(AuthConfigFromJson(nlohmann::json::parse(R"({"user":"x"})")).ok());
  CHECK_FALSE(AuthConfigFromJson(nlohmann::json::parse(R"({"username":1})")).ok());
  CHECK_FALSE(AuthConfigFromJson(nlohmann::json::parse(R"("x")")).ok());
}

TEST_CASE("RFC 3339 as metav1.Time reads and writes it") {
  auto t = ParseRfc3339("2024-10-21T12:26:40Z");
  REQUIRE(t.ok());
  CHECK(FormatRfc3339(*t) == "2024-10-21T12:26:40Z");
  auto off = ParseRfc3339("2024-10-21T14:26:40.123456+02:00");
  REQUIRE(off.ok());
  CHECK(*off == *t);
  CHECK(FormatRfc3339(*ParseRfc3339("2024-02-29T00:00:00Z")) == "2024-02-29T00:00:00Z");
  for (const char* bad : {"2024-10-21 12:26:40Z", "2024-10-21T12:26:40", "2023-02-29T00:00:00Z",
                          "2024-13-01T00:00:00Z", "2024-10-21T24:00:00Z", "2024-10-21T12:26:40Zx",
                          "2024-10-21T12:26:40.Z", "", "2024-10-21T12:26:40+0200"}) {
    INFO(bad);
    CHECK_FALSE(ParseRfc3339(bad).ok());
  }
}
