// `pullguard get-credentials` in-process: the three protocol versions end to end through the
// config and the static source, and the strict-decoding failures kubelet could send.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/run.h"

using nlohmann::json;
using pullguard::testing::Run;
using pullguard::testing::RunResult;
using pullguard::testing::TempDir;

namespace {

const char* kPassword = "s3cr3t-Pa55word";
const char* kToken = "eyJhbGciOi.TOKEN-VALUE-must-not-leak.sig";

std::string Request(const std::string& version, const std::string& image) {
  return R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/)" +
         version + R"(","image":")" + image + R"("})";
}

struct Fixture {
  TempDir dir;
  std::string config;
  Fixture() {
    std::string pw = dir.Write("alice.pw", std::string(kPassword) + "\n", 0600);
    config = dir.Write("config.yaml",
                       "apiVersion: pullguard.io/v1alpha1\n"
                       "kind: PullguardConfig\n"
                       "registries:\n"
                       "  - match: [\"registry.internal:5000\", \"*.corp.example/team-a\"]\n"
                       "    static: {username: alice, passwordFile: " +
                           pw + "}\n",
                       0644);
  }
  RunResult Get(const std::string& stdin_text) {
    return Run({"get-credentials", "--config=" + config}, stdin_text);
  }
};

// The error contract: exit 1 (2 for a usage error), nothing on stdout, exactly one stderr line
// with the prefix.
void CheckOneLineError(const RunResult& r, const std::string& needle, int rc = 1) {
  INFO("stderr: " << r.err);
  CHECK(r.rc == rc);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("pullguard get-credentials: ", 0) == 0);
  CHECK(r.err.size() > 0);
  CHECK(r.err.back() == '\n');
  CHECK(r.err.find('\n') == r.err.size() - 1);
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(r.err.find(kPassword) == std::string::npos);
  CHECK(r.err.find(kToken) == std::string::npos);
}

std::string ReadFile(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("get-credentials answers each apiVersion in that apiVersion") {
  Fixture f;
  for (const char* v : {"v1", "v1beta1", "v1alpha1"}) {
    INFO(v);
    auto r = f.Get(Request(v, "registry.internal:5000/team-a/app"));
    REQUIRE(r.rc == 0);
    CHECK(r.err.empty());
    json j = json::parse(r.out);
    CHECK(j["kind"] == "CredentialProviderResponse");
    CHECK(j["apiVersion"] == std::string("credentialprovider.kubelet.k8s.io/") + v);
    CHECK(j["cacheKeyType"] == "Registry");
    CHECK(j["cacheDuration"] == "5m");
    REQUIRE(j["auth"].size() == 1);
    CHECK(j["auth"]["registry.internal:5000"]["username"] == "alice");
    CHECK(j["auth"]["registry.internal:5000"]["password"] == kPassword);
    CHECK(j.size() == 5);
    CHECK(r.out.back() == '\n');
  }
}

TEST_CASE("get-credentials reads the request fixtures in config-examples/requests") {
  Fixture f;
  for (const char* v : {"v1", "v1beta1", "v1alpha1"}) {
    auto r = f.Get(
        ReadFile(std::string(PULLGUARD_SOURCE_DIR) + "/config-examples/requests/" + v + ".json"));
    REQUIRE(r.rc == 0);
    CHECK(json::parse(r.out)["apiVersion"] ==
          std::string("credentialprovider.kubelet.k8s.io/") + v);
  }
  auto sa = f.Get(ReadFile(std::string(PULLGUARD_SOURCE_DIR) +
                           "/config-examples/requests/v1-service-account.json"));
  REQUIRE(sa.rc == 0);
  CHECK(json::parse(sa.out)["auth"].empty());  // *.example.org is not in this fixture's config
}

TEST_CASE("get-credentials: the pattern with a path matches only below it") {
  Fixture f;
  auto yes = f.Get(Request("v1", "x.corp.example/team-a/app:1.0"));
  REQUIRE(yes.rc == 0);
  json j = json::parse(yes.out);
  CHECK(j["auth"].contains("*.corp.example/team-a"));
  CHECK(j["auth"]["*.corp.example/team-a"]["password"] == kPassword);
}

TEST_CASE("get-credentials: no matching registry is an empty auth, not an error") {
  Fixture f;
  auto r = f.Get(Request("v1beta1", "quay.io/other/image"));
  REQUIRE(r.rc == 0);
  CHECK(r.err.empty());
  json j = json::parse(r.out);
  CHECK(j["auth"].is_object());
  CHECK(j["auth"].empty());
  CHECK(j["cacheKeyType"] == "Image");
  CHECK(j["cacheDuration"] == "0s");
  CHECK(j["apiVersion"] == "credentialprovider.kubelet.k8s.io/v1beta1");
}

TEST_CASE("get-credentials accepts v1 service-account fields") {
  Fixture f;
  std::string req =
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
      R"("image":"registry.internal:5000/app","serviceAccountToken":")" +
      std::string(kToken) + R"(","serviceAccountAnnotations":{"a.io/role":"reader","b":""}})";
  auto r = f.Get(req);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find(kToken) == std::string::npos);  // never echoed back
  CHECK(json::parse(r.out)["auth"].size() == 1);
}

TEST_CASE("get-credentials: config path from PULLGUARD_CONFIG, flag wins") {
  Fixture f;
  auto r = Run({"get-credentials"}, Request("v1", "registry.internal:5000/a"),
               {{"PULLGUARD_CONFIG", f.config}});
  REQUIRE(r.rc == 0);
  CHECK(json::parse(r.out)["auth"].size() == 1);
  auto flag =
      Run({"get-credentials", "--config", f.config}, Request("v1", "registry.internal:5000/a"),
          {{"PULLGUARD_CONFIG", "/nonexistent"}});
  CHECK(flag.rc == 0);
  CheckOneLineError(Run({"get-credentials"}, Request("v1", "registry.internal:5000/a")),
                    "no config given (pass --config=PATH or set PULLGUARD_CONFIG)");
  CheckOneLineError(Run({"get-credentials", "--config=/nonexistent/pg.yaml"},
                        Request("v1", "registry.internal:5000/a")),
                    "/nonexistent/pg.yaml");
  CheckOneLineError(Run({"get-credentials", "--bogus"}, Request("v1", "a")),
                    "unexpected argument \"--bogus\" (see 'pullguard get-credentials --help')", 2);
}

TEST_CASE("get-credentials: every malformed request fails alone, on one line, stdout empty") {
  Fixture f;
  const std::string v1 = "credentialprovider.kubelet.k8s.io/v1";
  struct Bad {
    std::string request;
    std::string needle;
  };
  const Bad cases[] = {
      {"", "request is empty"},
      {"   \n", "request is empty"},
      {"not json", "not valid JSON"},
      {"[1,2]", "must be a JSON object, not array"},
      {"\"image\"", "must be a JSON object, not string"},
      {"null", "must be a JSON object, not null"},
      {R"({"kind":"CredentialProviderRequest","image":"a.io/b"})", "apiVersion is missing"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v2","image":"a.io/b"})",
       "unsupported apiVersion \"credentialprovider.kubelet.k8s.io/v2\""},
      {R"({"kind":"CredentialProviderRequest","apiVersion":"v1","image":"a.io/b"})",
       "unsupported apiVersion"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":1,"image":"a.io/b"})",
       "apiVersion must be a string, not number"},
      {R"({"apiVersion":")" + v1 + R"(","image":"a.io/b"})", "kind is missing"},
      {R"({"kind":"CredentialProviderResponse","apiVersion":")" + v1 + R"(","image":"a.io/b"})",
       "kind is \"CredentialProviderResponse\", want \"CredentialProviderRequest\""},
      {R"({"kind":["x"],"apiVersion":")" + v1 + R"(","image":"a.io/b"})",
       "kind must be a string, not array"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"("})", "image is missing"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":""})",
       "image is empty"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":42})",
       "image must be a string, not number"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":null})",
       "image is missing"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":"a b"})",
       "image contains whitespace"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","extra":true})",
       "unknown field \"extra\" in credentialprovider.kubelet.k8s.io/v1 request"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","Image":"c.io/d"})",
       "unknown field \"Image\""},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","image":"c.io/d"})",
       "duplicate key \"image\""},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":"a.io/b"} {})",
       "unexpected data after the JSON value"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":"a.io/b"}x)",
       "unexpected data after the JSON value"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":"a.io/b")",
       "not valid JSON"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 + R"(","image":"a.io/b",})",
       "not valid JSON"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","image":"a.io/b","serviceAccountToken":")" +
           std::string(kToken) + R"("})",
       "unknown field \"serviceAccountToken\" in credentialprovider.kubelet.k8s.io/v1beta1 "
       "request (only credentialprovider.kubelet.k8s.io/v1 has it)"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1alpha1","image":"a.io/b","serviceAccountAnnotations":{}})",
       "unknown field \"serviceAccountAnnotations\" in credentialprovider.kubelet.k8s.io/v1alpha1"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","serviceAccountToken":7})",
       "serviceAccountToken must be a string, not number"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","serviceAccountAnnotations":["x"]})",
       "serviceAccountAnnotations must be an object of strings, not array"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","serviceAccountAnnotations":{"k":1}})",
       "serviceAccountAnnotations[\"k\"] must be a string, not number"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","serviceAccountToken":")" + kToken + R"(","x":1})",
       "unknown field \"x\""},
      {"{\"kind\":\"CredentialProviderRequest\",\"apiVersion\":\"" + v1 +
           "\",\"image\":\"a.io/\xff\"}",
       "not valid JSON"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper than 64 levels"},
      {R"({"kind":"CredentialProviderRequest","apiVersion":")" + v1 +
           R"(","image":"a.io/b","serviceAccountToken":")" + kToken + R"(")",
       "not valid JSON"},
  };
  for (const Bad& b : cases) {
    INFO("request: " << b.request);
    CheckOneLineError(f.Get(b.request), b.needle);
  }
  CHECK(sizeof(cases) / sizeof(cases[0]) >= 15);
}

TEST_CASE("get-credentials: a request over 1 MiB is refused") {
  Fixture f;
  std::string big =
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":")" +
      std::string(1024 * 1024, 'a') + "\"}";
  CheckOneLineError(f.Get(big), "request is larger than 1048576 bytes");
}

TEST_CASE("get-credentials: an unknown field's name is sanitised and shortened") {
  Fixture f;
  std::string name = "bad\\nname" + std::string(200, 'x');
  auto r = f.Get(
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"a.io/b",")" +
      name + R"(":1})");
  CheckOneLineError(r, "unknown field \"bad?name");
  CHECK(r.err.size() < 250);
}
