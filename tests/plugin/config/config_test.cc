// PullguardConfig decoding: defaults, both syntaxes, and a named error for every kind of mistake.
#include "plugin/config/config.h"

#include <catch2/catch.hpp>
#include <string>

#include "base/env_posix.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::TempDir;

namespace {

const std::string kHead = "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n";

std::string Problems(const ConfigDecode& d) {
  std::string all;
  for (const std::string& p : d.problems) all += p + "\n";
  return all;
}

// Exactly one problem, containing needle.
void CheckOneProblem(const std::string& yaml, const std::string& needle) {
  ConfigDecode d = DecodeConfig(yaml);
  INFO("config:\n" << yaml << "problems:\n" << Problems(d));
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0].find(needle) != std::string::npos);
  CHECK(d.problems[0].find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("config: the issue's example decodes with defaults") {
  ConfigDecode d =
      DecodeConfig(kHead +
                   "stateDir: /var/lib/pullguard\n"
                   "registries:\n"
                   "  - match: [\"registry.internal:5000\", \"*.corp.example/team-a\"]\n"
                   "    cacheKeyType: Registry\n"
                   "    cacheDuration: 5m\n"
                   "    static: {username: alice, passwordFile: /etc/pullguard/alice.pw}\n"
                   "  - match: [\"*.example.org\"]\n"
                   "    cacheKeyType: Image\n"
                   "    cacheDuration: 1h30m\n"
                   "    dockerConfig: /etc/pullguard/config.json\n");
  INFO(Problems(d));
  REQUIRE(d.ok());
  REQUIRE(d.config.registries.size() == 2);
  const RegistryEntry& a = d.config.registries[0];
  CHECK(a.match == std::vector<std::string>{"registry.internal:5000", "*.corp.example/team-a"});
  CHECK(a.cache_key_type == CacheKeyType::kRegistry);
  CHECK(a.cache_duration == 5 * kMinute);
  auto* s = std::get_if<StaticSourceSpec>(&a.source);
  REQUIRE(s != nullptr);
  CHECK(s->username == "alice");
  CHECK(s->password_file == "/etc/pullguard/alice.pw");
  CHECK_FALSE(s->password.has_value());
  const RegistryEntry& b = d.config.registries[1];
  CHECK(b.cache_key_type == CacheKeyType::kImage);
  CHECK(b.cache_duration == 90 * kMinute);
  REQUIRE(std::get_if<DockerConfigSourceSpec>(&b.source) != nullptr);
  CHECK(std::get<DockerConfigSourceSpec>(b.source).path == "/etc/pullguard/config.json");
}

TEST_CASE("config: defaults when optional fields are absent; JSON is accepted") {
  ConfigDecode d = DecodeConfig(
      R"({"apiVersion":"pullguard.io/v1alpha1","kind":"PullguardConfig",)"
      R"("registries":[{"match":["a.io"],"static":{"username":"u","password":"p"}}]})");
  INFO(Problems(d));
  REQUIRE(d.ok());
  CHECK(d.config.state_dir == "/var/lib/pullguard");
  CHECK(d.config.registries[0].cache_key_type == CacheKeyType::kRegistry);
  CHECK(d.config.registries[0].cache_duration == 5 * kMinute);
  CHECK(std::get<StaticSourceSpec>(d.config.registries[0].source).password->reveal() == "p");
}

TEST_CASE("config: the shipped example validates structurally") {
  TempDir dir;
  ConfigDecode d =
      LoadConfig(std::string(PULLGUARD_SOURCE_DIR) + "/config-examples/config.yaml", DefaultEnv());
  INFO(Problems(d));
  CHECK(d.ok());
  CHECK(d.config.registries.size() == 2);
}

TEST_CASE("config: each mistake is named with its field and entry index") {
  const std::string entry = "registries:\n  - match: [\"a.io\"]\n";
  const std::string st = "    static: {username: u, password: p}\n";
  CheckOneProblem("apiVersion: pullguard.io/v1\nkind: PullguardConfig\n" + entry + st,
                  "apiVersion: \"pullguard.io/v1\" is not supported (want pullguard.io/v1alpha1)");
  CheckOneProblem("kind: PullguardConfig\n" + entry + st, "apiVersion: is required");
  CheckOneProblem("apiVersion: pullguard.io/v1alpha1\nkind: Other\n" + entry + st,
                  "kind: \"Other\", want PullguardConfig");
  CheckOneProblem(kHead + "colour: blue\n" + entry + st, "unknown field \"colour\"");
  CheckOneProblem(kHead + "stateDir: relative/dir\n" + entry + st,
                  "stateDir: must be an absolute path");
  CheckOneProblem(kHead, "registries: is required");
  CheckOneProblem(kHead + "registries: []\n", "registries: is empty");
  CheckOneProblem(kHead + "registries: {a: b}\n", "registries: must be a list, not object");
  CheckOneProblem(kHead + entry + st + "    cacheDuration: 5x\n",
                  "registries[0].cacheDuration: unknown unit \"x\" in duration \"5x\"");
  CheckOneProblem(kHead + entry + st + "    cacheDuration: 300\n",
                  "registries[0].cacheDuration: must be a duration string such as \"5m\", not "
                  "number; quote it");
  CheckOneProblem(kHead + entry + st + "    cacheDuration: \"300\"\n",
                  "registries[0].cacheDuration: missing unit in duration \"300\"");
  CheckOneProblem(kHead + entry + st + "    cacheDuration: -5m\n",
                  "registries[0].cacheDuration: \"-5m\" is negative");
  CheckOneProblem(kHead + entry + st + "    cacheDuration: 1500ms\n",
                  "registries[0].cacheDuration: \"1500ms\" is not a whole number of seconds");
  CheckOneProblem(
      kHead + entry + st + "    cacheKeyType: Repository\n",
      "registries[0].cacheKeyType: \"Repository\" is not one of Image, Registry, Global");
  CheckOneProblem(kHead + entry + st + "    colour: blue\n",
                  "registries[0]: unknown field \"colour\"");
  CheckOneProblem(kHead + entry, "registries[0]: no credential source");
  CheckOneProblem(kHead + entry + st + "    dockerConfig: /x.json\n",
                  "registries[0]: more than one credential source");
  CheckOneProblem(kHead + entry + "    dockerConfig: x.json\n",
                  "registries[0].dockerConfig: must be an absolute path");
  CheckOneProblem(kHead + entry + "    static: {password: p}\n",
                  "registries[0].static.username: is required");
  CheckOneProblem(kHead + entry + "    static: {username: u}\n",
                  "registries[0].static: needs password or passwordFile");
  CheckOneProblem(kHead + entry + "    static: {username: u, password: p, passwordFile: /p}\n",
                  "registries[0].static: has both password and passwordFile");
  CheckOneProblem(kHead + entry + "    static: {username: u, password: p, pasword: p}\n",
                  "registries[0].static: unknown field \"pasword\"");
  CheckOneProblem(kHead + entry + "    static: {username: u, passwordFile: pw.txt}\n",
                  "registries[0].static.passwordFile: must be an absolute path");
  CheckOneProblem(kHead + entry + "    static: [u, p]\n", "registries[0].static: must be a map");
  CheckOneProblem(kHead + "registries:\n  - match: []\n" + st, "registries[0].match: is empty");
  CheckOneProblem(kHead + "registries:\n  - match: a.io\n" + st,
                  "registries[0].match: must be a list of strings, not string");
  CheckOneProblem(kHead + "registries:\n  - " + st.substr(4), "registries[0].match: is required");
  CheckOneProblem(kHead + "registries:\n  - match: [\"%zz.io\"]\n" + st,
                  "registries[0].match[0]: \"%zz.io\" is not a matchImages pattern");
  CheckOneProblem(kHead + "registries:\n  - match: [\"a.io\", \"\"]\n" + st,
                  "registries[0].match[1]: is empty");
  CheckOneProblem(kHead + "registries:\n  - match: [\"[a.io\"]\n" + st,
                  "registries[0].match[0]: \"[a.io\" is not a matchImages pattern");
  CheckOneProblem(kHead + entry + st + "  - match: [b.io]\n" + st + "    verify: yes\n",
                  "registries[1].verify: must be true or false");
  CheckOneProblem(kHead + entry + "    tokenExchange: {endpoint: https://x, username: u, url: y}\n",
                  "registries[0].tokenExchange: unknown field \"url\"");
  CheckOneProblem(kHead + entry + st + "    insecure: maybe\n",
                  "registries[0].insecure: must be true or false");
  CheckOneProblem(kHead + entry + st + "    caFile: ca.pem\n",
                  "registries[0].caFile: must be an absolute path");
  CheckOneProblem(kHead + entry + st + "    clientCert: /c.pem\n",
                  "registries[0]: clientCert and clientKey go together");
  CheckOneProblem(kHead + entry + st + "    insecure: true\n    caFile: /ca.pem\n",
                  "registries[0]: caFile has no effect with insecure: true");
  CheckOneProblem(kHead + entry + st + "    clientCertPassword: x\n",
                  "registries[0].clientCertPassword: not supported yet");
  CheckOneProblem(kHead + "kind: PullguardConfig\n" + entry + st, "duplicate key \"kind\"");
  CheckOneProblem(kHead + entry + st + "  - [not, a, map]\n", "registries[1]: must be a map");
  CheckOneProblem("registries: [\n", "not valid YAML");
  CheckOneProblem("", "config is empty");
  CheckOneProblem("- a\n- b\n", "config must be a map, not array");
  CheckOneProblem(R"({"apiVersion":"pullguard.io/v1alpha1","apiVersion":"x"})", "duplicate key");
  CheckOneProblem(kHead + "---\n" + kHead, "exactly one YAML document");
}

// docs/config.md, "Typing": YAML 1.1 as kubelet reads its own config, except y/yes/on/n/no/off.
TEST_CASE("config: YAML scalars are typed as kubelet types them; y/yes/on/n/no/off stay strings") {
  const std::string entry = "registries:\n  - match: [a.io]\n";
  const std::string st = "    static: {username: u, password: p}\n";
  const std::pair<std::string, std::string> typed[] = {
      {"    static: {username: 1234, password: p}\n",
       "registries[0].static.username: must be a string, not number; quote it"},
      {"    static: {username: u, password: 0x1F}\n",
       "registries[0].static.password: must be a string, not number; quote it"},
      {"    static: {username: true, password: p}\n",
       "registries[0].static.username: must be a string, not boolean; quote it"},
      {"    refreshToken: {username: u, password: p, lifetime: 3600}\n",
       "registries[0].refreshToken.lifetime: must be a duration string such as \"5m\", not "
       "number; quote it"},
      {"    static: {username: [u], password: p}\n",
       "registries[0].static.username: must be a string, not array"},
      {st + "    verify: on\n", "registries[0].verify: must be true or false"},
      {st + "    insecure: 1\n", "registries[0].insecure: must be true or false"},
  };
  for (const auto& [yaml, needle] : typed) CheckOneProblem(kHead + entry + yaml, needle);
  CheckOneProblem(kHead + "registries:\n  - match: [8080]\n" + st,
                  "registries[0].match[0]: must be a string, not number; quote it");
  // Quoted, they are strings.
  ConfigDecode d =
      DecodeConfig(kHead + entry + "    static: {username: \"1234\", password: '0x1F'}\n");
  REQUIRE(d.ok());
  const auto* s = std::get_if<StaticSourceSpec>(&d.config.registries.at(0).source);
  REQUIRE(s != nullptr);
  CHECK(s->username == "1234");
  CHECK(s->password->reveal() == "0x1F");
  // y/yes/on/n/no/off stay strings: the password n is a password, and a boolean field wants true
  // or false (`verify: on` above), as when every scalar was a string.
  d = DecodeConfig(kHead + entry + "    static: {username: yes, password: n}\n");
  REQUIRE(d.ok());
  s = std::get_if<StaticSourceSpec>(&d.config.registries.at(0).source);
  CHECK(s->username == "yes");
  CHECK(s->password->reveal() == "n");
  // true and false as YAML 1.1 and 1.2 agree, and the quoted "true"/"false" accepted before.
  d = DecodeConfig(kHead + "staleIfError: True\n" + entry + st +
                   "    verify: \"true\"\n    insecure: FALSE\n");
  INFO(Problems(d));
  REQUIRE(d.ok());
  CHECK(d.config.stale_if_error);
  CHECK(d.config.registries.at(0).verify);
  CHECK(d.config.registries.at(0).transport.insecure == std::optional<bool>(false));
  // ~ and nothing are null: the field is unset.
  d = DecodeConfig(kHead + "stateDir: ~\n" + entry + "    cacheKeyType:\n" + st);
  REQUIRE(d.ok());
  CHECK(d.config.state_dir == "/var/lib/pullguard");
  CHECK(d.config.registries.at(0).cache_key_type == CacheKeyType::kRegistry);
}

TEST_CASE("config: several problems are all reported, in order") {
  ConfigDecode d = DecodeConfig(kHead +
                                "registries:\n"
                                "  - match: [\"a.io\"]\n"
                                "    cacheDuration: 5x\n"
                                "    static: {username: u}\n"
                                "  - match: [\"b.io\"]\n"
                                "    cacheKeyType: Never\n"
                                "    dockerConfig: rel.json\n");
  INFO(Problems(d));
  REQUIRE(d.problems.size() == 4);
  CHECK(d.problems[0].rfind("registries[0].cacheDuration", 0) == 0);
  CHECK(d.problems[1].rfind("registries[0].static", 0) == 0);
  CHECK(d.problems[2].rfind("registries[1].cacheKeyType", 0) == 0);
  CHECK(d.problems[3].rfind("registries[1].dockerConfig", 0) == 0);
}

TEST_CASE("config: an inline password needs a private config file") {
  TempDir dir;
  std::string text =
      kHead + "registries:\n  - match: [a.io]\n    static: {username: u, password: hunter2}\n";
  std::string open = dir.Write("open.yaml", text, 0644);
  ConfigDecode d = LoadConfig(open, DefaultEnv());
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0].find(
            "holds an inline password but is readable by group or others (mode 0644)") !=
        std::string::npos);
  CHECK(d.problems[0].find("hunter2") == std::string::npos);
  std::string closed = dir.Write("closed.yaml", text, 0600);
  CHECK(LoadConfig(closed, DefaultEnv()).ok());
  ConfigDecode missing = LoadConfig(dir.path() + "/missing.yaml", DefaultEnv());
  REQUIRE(missing.problems.size() == 1);
  CHECK(missing.problems[0].find("missing.yaml") != std::string::npos);
}

TEST_CASE("config: the path comes from the flag, then the environment") {
  CHECK(*ConfigPathFrom(std::string("/a"), std::string("/b")) == "/a");
  CHECK(*ConfigPathFrom(std::nullopt, std::string("/b")) == "/b");
  CHECK_FALSE(ConfigPathFrom(std::nullopt, std::nullopt).ok());
  CHECK_FALSE(ConfigPathFrom(std::string(""), std::nullopt).ok());
}

TEST_CASE("config: transport keys reach the entry") {
  const std::string entry =
      "registries:\n  - match: [\"r.io\"]\n    static: {username: u, password: p}\n";
  ConfigDecode d = DecodeConfig(kHead + entry +
                                "    caFile: /etc/pullguard/ca.pem\n"
                                "    clientCert: /etc/pullguard/c.pem\n"
                                "    clientKey: /etc/pullguard/c.key\n"
                                "    insecure: false\n");
  REQUIRE(d.ok());
  const registry::TransportOptions& t = d.config.registries.at(0).transport;
  CHECK(t.ca_file == "/etc/pullguard/ca.pem");
  CHECK(t.client_cert_file == "/etc/pullguard/c.pem");
  CHECK(t.client_key_file == "/etc/pullguard/c.key");
  CHECK(t.insecure == std::optional<bool>(false));
  ConfigDecode plain = DecodeConfig(kHead + entry);
  REQUIRE(plain.ok());
  CHECK_FALSE(plain.config.registries.at(0).transport.insecure.has_value());
}
