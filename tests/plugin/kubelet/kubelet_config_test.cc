// kubelet CredentialProviderConfig decoding and validation: the vectors of kubelet's
// pkg/credentialprovider/plugin/config_test.go, plus YAML 1.1 typing, merging and the CLI.
#include "plugin/kubelet/kubelet_config.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/env_posix.h"
#include "tests/support/run.h"

namespace pullguard {
namespace {

using testing::Run;
using testing::TempDir;

// Problems with the temp dir stripped, so expectations read "cfg.yaml: ...".
std::vector<std::string> Strip(const TempDir& d, std::vector<std::string> problems) {
  for (std::string& p : problems) {
    std::string prefix = d.path() + "/";
    for (std::size_t at; (at = p.find(prefix)) != std::string::npos;) p.erase(at, prefix.size());
  }
  return problems;
}

struct Checked {
  KubeletConfigCheck check;
  std::vector<std::string> problems;
};

Checked CheckFile(const std::string& text, const std::string& name = "cfg.yaml") {
  TempDir d;
  std::string path = d.Write(name, text);
  Checked c{CheckKubeletConfig(path, DefaultEnv()), {}};
  c.problems = Strip(d, c.check.problems);
  return c;
}

Checked CheckDir(const std::vector<std::pair<std::string, std::string>>& files) {
  TempDir d;
  for (const auto& [name, text] : files) d.Write("conf.d/" + name, text);
  if (files.empty()) mkdir((d.path() + "/conf.d").c_str(), 0700);
  Checked c{CheckKubeletConfig(d.path() + "/conf.d", DefaultEnv()), {}};
  c.problems = Strip(d, c.check.problems);
  return c;
}

std::string V(const std::string& version, const std::string& providers) {
  return "kind: CredentialProviderConfig\napiVersion: kubelet.config.k8s.io/" + version +
         "\nproviders:\n" + providers;
}

// ---- Test_readCredentialProviderConfig ---------------------------------------------------------

const char* kOnePlugin = R"(---
kind: CredentialProviderConfig
apiVersion: kubelet.config.k8s.io/v1alpha1
providers:
  - name: test
    matchImages:
    - "registry.io/foobar"
    defaultCacheDuration: 10m
    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1
    args:
    - --v=5
    env:
    - name: FOO
      value: BAR)";

const char* kOnePluginJson = R"({
  "kind": "CredentialProviderConfig",
  "apiVersion": "kubelet.config.k8s.io/v1alpha1",
  "providers": [
    {
      "name": "test",
      "matchImages": [
        "registry.io/foobar"
      ],
      "defaultCacheDuration": "10m",
      "apiVersion": "credentialprovider.kubelet.k8s.io/v1alpha1",
      "args": [
        "--v=5"
      ],
      "env": [
        {
          "name": "FOO",
          "value": "BAR"
        }
      ]
    }
  ]
})";

void RequireOnePlugin(const Checked& c, const std::vector<std::string>& match) {
  INFO(c.problems.size() << " problems, first: "
                         << (c.problems.empty() ? std::string() : c.problems[0]));
  REQUIRE(c.check.ok());
  REQUIRE(c.check.config.providers.size() == 1);
  const KubeletCredentialProvider& p = c.check.config.providers[0];
  CHECK(p.name == "test");
  CHECK(p.match_images == match);
  CHECK(p.default_cache_duration == 10 * kMinute);
  CHECK(p.api_version == "credentialprovider.kubelet.k8s.io/v1alpha1");
  CHECK(p.args == std::vector<std::string>{"--v=5"});
  REQUIRE(p.env.size() == 1);
  CHECK(p.env[0].name == "FOO");
  CHECK(p.env[0].value.reveal() == "BAR");
  CHECK_FALSE(p.token_attributes.has_value());
}

TEST_CASE("upstream read: config with 1 plugin and 1 image matcher (YAML and JSON)") {
  RequireOnePlugin(CheckFile(kOnePlugin), {"registry.io/foobar"});
  RequireOnePlugin(CheckFile(kOnePluginJson, "cfg.json"), {"registry.io/foobar"});
  // Kubelet sniffs the content, not the extension.
  RequireOnePlugin(CheckFile(kOnePluginJson, "cfg.yaml"), {"registry.io/foobar"});
}

TEST_CASE("upstream read: wildcard and multiple image matchers") {
  std::string wildcard = kOnePlugin;
  wildcard.replace(wildcard.find("\"registry.io/foobar\""), 20, "\"registry.io/*\"");
  RequireOnePlugin(CheckFile(wildcard), {"registry.io/*"});
  std::string multi = kOnePlugin;
  multi.replace(multi.find("\"registry.io/foobar\""), 20,
                "\"registry.io/*\"\n    - \"foobar.registry.io/*\"");
  RequireOnePlugin(CheckFile(multi), {"registry.io/*", "foobar.registry.io/*"});
}

TEST_CASE("upstream read: multiple providers in v1alpha1, v1beta1 and v1") {
  for (std::string v : {"v1alpha1", "v1beta1", "v1"}) {
    DYNAMIC_SECTION(v) {
      auto c = CheckFile(V(v, R"(  - name: test1
    matchImages:
    - "registry.io/one"
    defaultCacheDuration: 10m
    apiVersion: credentialprovider.kubelet.k8s.io/)" +
                                  v + R"(
  - name: test2
    matchImages:
    - "registry.io/two"
    defaultCacheDuration: 10m
    apiVersion: credentialprovider.kubelet.k8s.io/)" +
                                  v + R"(
    args:
    - --v=5
    env:
    - name: FOO
      value: BAR)"));
      REQUIRE(c.problems.empty());
      REQUIRE(c.check.config.providers.size() == 2);
      CHECK(c.check.config.providers[0].name == "test1");
      CHECK(c.check.config.providers[0].args.empty());
      CHECK(c.check.config.providers[1].name == "test2");
      CHECK(c.check.config.providers[1].api_version == "credentialprovider.kubelet.k8s.io/" + v);
      CHECK(c.check.config.providers[1].env.size() == 1);
    }
  }
}

TEST_CASE("upstream read: wrong kind and wrong apiVersion") {
  std::string wrong_kind = kOnePlugin;
  wrong_kind.replace(wrong_kind.find("kind: CredentialProviderConfig"), 30, "kind: WrongKind");
  auto c = CheckFile(wrong_kind);
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0],
             Catch::StartsWith("cfg.yaml: no kind \"WrongKind\" is registered for version "
                               "\"kubelet.config.k8s.io/v1alpha1\""));

  std::string wrong_version = kOnePlugin;
  wrong_version.replace(wrong_version.find("apiVersion: kubelet.config.k8s.io/v1alpha1"), 42,
                        "apiVersion: foobar/v1alpha1");
  c = CheckFile(wrong_version);
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0], Catch::StartsWith("cfg.yaml: no kind \"CredentialProviderConfig\" is "
                                              "registered for version \"foobar/v1alpha1\""));
}

TEST_CASE("upstream read: unknown field is a strict decoding error") {
  auto c = CheckFile(R"(---
kind: CredentialProviderConfig
apiVersion: kubelet.config.k8s.io/v1
providers:
  - name: test
    matchImages:
    - "registry.io/foobar"
    defaultCacheDuration: 10m
    unknownField: should not be here # this field should not be here
    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1
    args:
    - --v=5
    env:
    - name: FOO
      value: BAR)");
  CHECK(c.problems == std::vector<std::string>{
                          "cfg.yaml: provider \"test\": strict decoding error: unknown field "
                          "\"providers[0].unknownField\""});
}

TEST_CASE("upstream read: tokenAttributes is an unknown field in v1alpha1 and v1beta1") {
  for (std::string v : {"v1alpha1", "v1beta1"}) {
    DYNAMIC_SECTION(v) {
      auto c = CheckFile(V(v, R"(  - name: test
    matchImages:
    - "registry.io/foobar"
    defaultCacheDuration: 10m
    apiVersion: credentialprovider.kubelet.k8s.io/)" +
                                  v + R"(
    tokenAttributes:
      serviceAccountTokenAudience: audience
    args:
    - --v=5
    env:
    - name: FOO
      value: BAR)"));
      CHECK(c.problems == std::vector<std::string>{
                              "cfg.yaml: provider \"test\": strict decoding error: unknown field "
                              "\"providers[0].tokenAttributes\""});
    }
  }
}

std::string OneProvider(const std::string& name, const std::string& match,
                        const std::string& duration, const std::string& version = "v1") {
  return V("v1", "  - name: " + name + "\n    matchImages:\n    - \"" + match +
                     "\"\n    defaultCacheDuration: " + duration +
                     "\n    apiVersion: credentialprovider.kubelet.k8s.io/" + version + "\n");
}

TEST_CASE("upstream read: empty directory and directories without config files") {
  auto c = CheckDir({});
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0], Catch::Contains("no configuration files found in directory"));
  c = CheckDir({{"config.txt", "This is a text file with unsupported extension"},
                {"config.md", "This is another text file with unsupported extension"}});
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0] ==
        "conf.d: no configuration files found in directory (want *.json, *.yaml or *.yml)");
}

TEST_CASE("upstream read: directory files merge in lexicographic order") {
  // Written in reverse so that directory order cannot pass for lexical order.
  auto c = CheckDir({{"config-001.yaml", OneProvider("test2", "registry.io/two", "5m")},
                     {"config-000.yaml", OneProvider("test1", "registry.io/one", "10m")}});
  REQUIRE(c.problems.empty());
  REQUIRE(c.check.config.providers.size() == 2);
  CHECK(c.check.config.providers[0].name == "test1");
  CHECK(c.check.config.providers[0].default_cache_duration == 10 * kMinute);
  CHECK(c.check.config.providers[1].name == "test2");
  CHECK(c.check.config.providers[1].default_cache_duration == 5 * kMinute);
  REQUIRE(c.check.config.files.size() == 2);
  CHECK_THAT(c.check.config.files[0], Catch::EndsWith("conf.d/config-000.yaml"));
}

TEST_CASE("upstream read: directory with mixed API versions and JSON") {
  auto c = CheckDir({{"config-000.yaml", R"(---
kind: CredentialProviderConfig
apiVersion: kubelet.config.k8s.io/v1beta1
providers:
  - name: test-beta
    matchImages:
    - "beta.registry.io/*"
    defaultCacheDuration: 15m
    apiVersion: credentialprovider.kubelet.k8s.io/v1beta1)"},
                     {"config-001.yaml", OneProvider("test-v1", "v1.registry.io/*", "20m")},
                     {"config-002.yaml", R"({
  "kind": "CredentialProviderConfig",
  "apiVersion": "kubelet.config.k8s.io/v1",
  "providers": [
    {
      "name": "test-v2",
      "matchImages": [
        "v2.registry.io/*"
      ],
      "defaultCacheDuration": "20m",
      "apiVersion": "credentialprovider.kubelet.k8s.io/v1"
    }
  ]
})"}});
  REQUIRE(c.problems.empty());
  REQUIRE(c.check.config.providers.size() == 3);
  CHECK(c.check.config.providers[0].name == "test-beta");
  CHECK(c.check.config.providers[0].api_version == "credentialprovider.kubelet.k8s.io/v1beta1");
  CHECK(c.check.config.providers[1].name == "test-v1");
  CHECK(c.check.config.providers[2].name == "test-v2");
  CHECK(c.check.config.providers[2].match_images == std::vector<std::string>{"v2.registry.io/*"});
}

TEST_CASE("upstream read: duplicate provider names across files") {
  auto c = CheckDir({{"config-000.yaml", OneProvider("duplicate", "registry.io/one", "10m")},
                     {"config-001.yaml", OneProvider("duplicate", "registry.io/two", "5m")}});
  CHECK(c.problems ==
        std::vector<std::string>{
            "conf.d/config-001.yaml: provider \"duplicate\": providers[0].name: duplicate "
            "provider name \"duplicate\" found in configuration file(s): first defined in "
            "conf.d/config-000.yaml as providers[0]"});
}

TEST_CASE("upstream read: directory with mixed supported and unsupported extensions") {
  auto c = CheckDir(
      {{"config-001.yaml", OneProvider("test1", "registry.io/one", "10m")},
       {"config-002.txt", "This is a text file with unsupported extension that should be skipped"},
       {"config-003.json",
        R"({"kind": "CredentialProviderConfig", "apiVersion": "kubelet.config.k8s.io/v1",
            "providers": [{"name": "test2", "matchImages": ["registry.io/two"],
            "defaultCacheDuration": "5m", "apiVersion": "credentialprovider.kubelet.k8s.io/v1"}]})"}});
  REQUIRE(c.problems.empty());
  REQUIRE(c.check.config.providers.size() == 2);
  CHECK(c.check.config.providers[1].name == "test2");
  CHECK(c.check.config.files.size() == 2);
}

TEST_CASE("upstream read: directory with one invalid config file") {
  std::string bad = OneProvider("test2", "registry.io/two", "5m");
  bad.replace(bad.find("kind: CredentialProviderConfig"), 30, "kind: WrongKind");
  auto c = CheckDir({{"config-000.yaml", OneProvider("test1", "registry.io/one", "10m")},
                     {"config-001.yaml", bad}});
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0],
             Catch::StartsWith("conf.d/config-001.yaml: no kind \"WrongKind\" is registered for "
                               "version \"kubelet.config.k8s.io/v1\""));
}

// ---- Test_validateCredentialProviderConfig -----------------------------------------------------

struct ValidateCase {
  const char* name;
  std::string providers;  // YAML under `providers:` in a kubelet.config.k8s.io/v1 file
  std::vector<std::string> want;
};

const std::string kFoo = R"(  - name: foobar
    matchImages: ["foobar.registry.io"]
    defaultCacheDuration: 1m
)";

std::string Foo(const std::string& api, const std::string& token_attributes = "") {
  return kFoo + "    apiVersion: credentialprovider.kubelet.k8s.io/" + api + "\n" +
         (token_attributes.empty() ? "" : "    tokenAttributes:\n" + token_attributes);
}

const char* kQualifiedMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const std::string kP = "cfg.yaml: provider \"foobar\": providers[0].";

TEST_CASE("upstream validate: every vector, exact messages") {
  std::vector<ValidateCase> cases = {
      {"no providers provided",
       "  []\n",
       {"cfg.yaml: providers: Required value: at least 1 item in plugins is required"}},
      {"no matchImages provided",
       "  - name: foobar\n    matchImages: []\n    defaultCacheDuration: 1m\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {kP + "matchImages: Required value: at least 1 item in matchImages is required"}},
      {"no default cache duration provided",
       "  - name: foobar\n    matchImages: [foobar.registry.io]\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {kP + "defaultCacheDuration: Required value"}},
      {"name contains '/'",
       "  - name: foo/../bar\n    matchImages: [foobar.registry.io]\n    defaultCacheDuration: 1m\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {"cfg.yaml: provider \"foo/../bar\": providers[0].name: Invalid value: \"foo/../bar\": "
        "provider name cannot contain '/'"}},
      {"name is '.'",
       "  - name: .\n    matchImages: [foobar.registry.io]\n    defaultCacheDuration: 1m\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {"cfg.yaml: provider \".\": providers[0].name: Invalid value: \".\": provider name cannot "
        "be '.'"}},
      {"name is '..'",
       "  - name: ..\n    matchImages: [foobar.registry.io]\n    defaultCacheDuration: 1m\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {"cfg.yaml: provider \"..\": providers[0].name: Invalid value: \"..\": provider name cannot "
        "be '..'"}},
      {"name contains spaces",
       "  - name: foo bar\n    matchImages: [foobar.registry.io]\n    defaultCacheDuration: 1m\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {"cfg.yaml: provider \"foo bar\": providers[0].name: Invalid value: \"foo bar\": provider "
        "name cannot contain spaces"}},
      {"duplicate names",
       Foo("v1alpha1") +
           "  - name: foobar\n    matchImages: [bar.registry.io]\n    defaultCacheDuration: 1m\n"
           "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {"cfg.yaml: provider \"foobar\": providers[1].name: Duplicate value: \"foobar\""}},
      {"no apiVersion", kFoo + "    apiVersion: \"\"\n", {kP + "apiVersion: Required value"}},
      {"invalid apiVersion",
       Foo("v1alpha0"),
       {kP + "apiVersion: Unsupported value: \"credentialprovider.kubelet.k8s.io/v1alpha0\": "
             "supported values: \"credentialprovider.kubelet.k8s.io/v1\", "
             "\"credentialprovider.kubelet.k8s.io/v1alpha1\", "
             "\"credentialprovider.kubelet.k8s.io/v1beta1\""}},
      {"negative default cache duration",
       "  - name: foobar\n    matchImages: [foobar.registry.io]\n    defaultCacheDuration: -1m\n"
       "    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1\n",
       {kP + "defaultCacheDuration: Invalid value: -1m0s: defaultCacheDuration must be greater "
             "than or equal to 0"}},
      {"valid config", Foo("v1alpha1"), {}},
      // Upstream's feature-gate-off vector is omitted: the gate is on by default since 1.34.
      {"token attributes not nil but empty ServiceAccountTokenAudience",
       Foo("v1",
           "      requiredServiceAccountAnnotationKeys: [prefix.io/annotation-1, "
           "prefix.io/annotation-2]\n      requireServiceAccount: true\n"
           "      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes.serviceAccountTokenAudience: Required value"}},
      {"token attributes not nil but empty ServiceAccountTokenRequired",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n"
           "      requiredServiceAccountAnnotationKeys: [prefix.io/annotation-1, "
           "prefix.io/annotation-2]\n      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes.requireServiceAccount: Required value"}},
      {"required service account annotation keys not qualified name",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      requiredServiceAccountAnnotationKeys: [cantendwithadash-, "
           "now-with-dashes/simple]\n      cacheType: ServiceAccount\n"),
       {kP +
        "tokenAttributes.requiredServiceAccountAnnotationKeys: Invalid value: "
        "\"cantendwithadash-\": " +
        kQualifiedMsg}},
      {"optional service account annotation keys not qualified name",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      optionalServiceAccountAnnotationKeys: [cantendwithadash-, "
           "now-with-dashes/simple]\n      cacheType: ServiceAccount\n"),
       {kP +
        "tokenAttributes.optionalServiceAccountAnnotationKeys: Invalid value: "
        "\"cantendwithadash-\": " +
        kQualifiedMsg}},
      {"duplicate required service account annotation keys",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      requiredServiceAccountAnnotationKeys: [now-with-dashes/simple, "
           "now-with-dashes/simple]\n      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes.requiredServiceAccountAnnotationKeys: Duplicate value: "
             "\"now-with-dashes/simple\""}},
      {"duplicate optional service account annotation keys",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      optionalServiceAccountAnnotationKeys: [now-with-dashes/simple, "
           "now-with-dashes/simple]\n      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes.optionalServiceAccountAnnotationKeys: Duplicate value: "
             "\"now-with-dashes/simple\""}},
      {"annotation key in required and optional keys",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      requiredServiceAccountAnnotationKeys: [now-with-dashes/simple-1, "
           "now-with-dashes/simple-2]\n"
           "      optionalServiceAccountAnnotationKeys: [now-with-dashes/simple-2, "
           "now-with-dashes/simple-3]\n      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes: Invalid value: []string{\"now-with-dashes/simple-2\"}: annotation "
             "keys cannot be both required and optional"}},
      {"required annotation keys set when requireServiceAccount is false",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: false\n"
           "      requiredServiceAccountAnnotationKeys: [now-with-dashes/simple-1, "
           "now-with-dashes/simple-2]\n      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes.requiredServiceAccountAnnotationKeys: Forbidden: "
             "requireServiceAccount cannot be false when requiredServiceAccountAnnotationKeys is "
             "set"}},
      {"valid config with token attributes",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      requiredServiceAccountAnnotationKeys: [now-with-dashes/simple-1, "
           "now-with-dashes/simple-2]\n"
           "      optionalServiceAccountAnnotationKeys: [now-with-dashes/simple-3]\n"
           "      cacheType: ServiceAccount\n"),
       {}},
      {"tokenAttributes set with v1alpha1 provider APIVersion",
       Foo("v1alpha1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      requiredServiceAccountAnnotationKeys: [now-with-dashes/simple]\n"
           "      cacheType: ServiceAccount\n"),
       {kP + "tokenAttributes: Forbidden: tokenAttributes is only supported for "
             "credentialprovider.kubelet.k8s.io/v1 API version"}},
      {"tokenAttributes set with v1beta1 provider APIVersion",
       Foo("v1beta1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"
           "      requiredServiceAccountAnnotationKeys: [now-with-dashes/simple]\n"
           "      cacheType: Token\n"),
       {kP + "tokenAttributes: Forbidden: tokenAttributes is only supported for "
             "credentialprovider.kubelet.k8s.io/v1 API version"}},
      // cacheType (config.go, KEP-4412 beta): required, ServiceAccount or Token.
      {"cacheType missing",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: true\n"),
       {kP + "tokenAttributes.cacheType: Required value: cacheType is required to be set when "
             "tokenAttributes is specified. Supported values are: ServiceAccount, Token"}},
      {"cacheType not supported",
       Foo("v1",
           "      serviceAccountTokenAudience: audience\n      requireServiceAccount: false\n"
           "      cacheType: Pod\n"),
       {kP + "tokenAttributes.cacheType: Unsupported value: \"Pod\": supported values: "
             "\"ServiceAccount\", \"Token\""}},
  };
  for (const ValidateCase& tc : cases) {
    DYNAMIC_SECTION(tc.name) {
      auto c = CheckFile(V("v1", tc.providers));
      CHECK(c.problems == tc.want);
    }
  }
}

TEST_CASE("upstream validate: an unparseable match image names Go's escape error") {
  auto c = CheckFile(V("v1", R"(  - name: foobar
    matchImages: ["%invalid%"]
    defaultCacheDuration: 1m
    apiVersion: credentialprovider.kubelet.k8s.io/v1alpha1
)"));
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0],
             Catch::StartsWith(kP + "matchImages[0]: Invalid value: \"%invalid%\": match image is "
                                    "invalid: "));
  CHECK_THAT(c.problems[0], Catch::Contains("invalid URL escape \"%in\""));
}

// ---- Beyond upstream's vectors -----------------------------------------------------------------

TEST_CASE("every problem is reported, not just the first") {
  auto c = CheckFile(V("v1", R"(  - name: a/b
    matchImages: []
    apiVersion: credentialprovider.kubelet.k8s.io/v2
  - name: a/b
    matchImages: ["ok.example", ""]
    defaultCacheDuration: -5s
    apiVersion: credentialprovider.kubelet.k8s.io/v1
)"));
  CHECK(c.problems ==
        std::vector<std::string>{
            "cfg.yaml: provider \"a/b\": providers[0].name: Invalid value: \"a/b\": provider name "
            "cannot contain '/'",
            "cfg.yaml: provider \"a/b\": providers[0].apiVersion: Unsupported value: "
            "\"credentialprovider.kubelet.k8s.io/v2\": supported values: "
            "\"credentialprovider.kubelet.k8s.io/v1\", "
            "\"credentialprovider.kubelet.k8s.io/v1alpha1\", "
            "\"credentialprovider.kubelet.k8s.io/v1beta1\"",
            "cfg.yaml: provider \"a/b\": providers[0].matchImages: Required value: at least 1 item "
            "in matchImages is required",
            "cfg.yaml: provider \"a/b\": providers[0].defaultCacheDuration: Required value",
            "cfg.yaml: provider \"a/b\": providers[1].name: Invalid value: \"a/b\": provider name "
            "cannot contain '/'",
            "cfg.yaml: provider \"a/b\": providers[1].name: Duplicate value: \"a/b\"",
            "cfg.yaml: provider \"a/b\": providers[1].matchImages[1]: Invalid value: \"\": match "
            "image is invalid: it is empty and matches nothing",
            "cfg.yaml: provider \"a/b\": providers[1].defaultCacheDuration: Invalid value: -5s: "
            "defaultCacheDuration must be greater than or equal to 0",
        });
}

TEST_CASE("an empty provider name is required") {
  auto c = CheckFile(V("v1",
                       "  - matchImages: [x.example]\n    defaultCacheDuration: 0s\n"
                       "    apiVersion: credentialprovider.kubelet.k8s.io/v1\n"));
  CHECK(c.problems == std::vector<std::string>{
                          "cfg.yaml: unnamed provider: providers[0].name: Required value: kubelet "
                          "runs <image-credential-provider-bin-dir>/<name>"});
}

TEST_CASE("YAML scalars are typed as kubelet's YAML 1.1 reader types them") {
  auto c = CheckFile(V("v1", R"(  - name: 0x1F
    matchImages: [x.example, 8080]
    defaultCacheDuration: 10
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    env:
    - name: DEBUG
      value: yes
    - name: "ok"
      value: "on"
    tokenAttributes:
      serviceAccountTokenAudience: aud
      requireServiceAccount: "true"
      cacheType: Token
)"));
  CHECK(c.problems ==
        std::vector<std::string>{
            "cfg.yaml: providers[0].name: must be a string, not number",
            "cfg.yaml: unnamed provider: providers[0].defaultCacheDuration: must be a duration "
            "string such as \"5m\", not number",
            "cfg.yaml: unnamed provider: providers[0].env[0].value: must be a string, not boolean",
            "cfg.yaml: unnamed provider: providers[0].matchImages[1]: must be a string, not "
            "number",
            "cfg.yaml: unnamed provider: providers[0].tokenAttributes.requireServiceAccount: must "
            "be a boolean, not string",
        });
  // YAML 1.1 booleans are booleans where kubelet wants one.
  c = CheckFile(V("v1", R"(  - name: p
    matchImages: [x.example]
    defaultCacheDuration: "1h30m"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    tokenAttributes: {serviceAccountTokenAudience: aud, requireServiceAccount: yes, cacheType: Token}
)"));
  REQUIRE(c.problems.empty());
  REQUIRE(c.check.config.providers[0].token_attributes.has_value());
  CHECK(c.check.config.providers[0].token_attributes->require_service_account == true);
  CHECK(c.check.config.providers[0].default_cache_duration == 90 * kMinute);
}

TEST_CASE("strict decoding: duplicate keys, unknown fields everywhere, bad documents") {
  struct Bad {
    std::string text;
    std::string want;
  };
  std::vector<Bad> cases = {
      {V("v1", "  - name: a\n    name: b\n"), "duplicate key \"name\""},
      {"{\"kind\": \"CredentialProviderConfig\", \"kind\": \"CredentialProviderConfig\"}",
       "duplicate key \"kind\""},
      {"", "cfg.yaml: the file is empty (want a CredentialProviderConfig)"},
      {"# only a comment\n", "cfg.yaml: the file is empty (want a CredentialProviderConfig)"},
      {"- a\n- b\n", "cfg.yaml: the document is an array, not a CredentialProviderConfig object"},
      {"providers: [\n", "cfg.yaml: the file is not valid YAML at line"},
      // Found by kubelet_config_fuzz and pullguard_config_fuzz: yaml-cpp 0.7 looped forever on
      // these (a ',' outside [ ] or { }); libyaml reports where.
      {"\"a\",b\n",
       "the file is not valid YAML at line 1, column 4: did not find expected "
       "<document start>"},
      {"# c\n--- &x 'a' #c\n\n,\n", "not valid YAML at line 4, column 1"},
      {"# c\n  plain\n# c\n  \"k\",d\n", "not valid YAML at line 4, column 3"},
      {"# x\n  belet -'-image\n# y\n  \"kiderConfing\",d\n", "not valid YAML at line 4, column 3"},
      {"&&&&cache,\n",
       "not valid YAML at line 1, column 2: did not find expected alphabetic or "
       "numeric character (while scanning an anchor at line 1, column 1)"},
      {"\"a\"   \"b\" ,\n", "not valid YAML at line 1, column 7"},
      {"[a] ,b\n", "not valid YAML at line 1, column 5"},
      {std::string("a: b\x01\n"), "control character at offset 4"},
      {"{\"kind\": \"CredentialProviderConfig\",", "cfg.yaml: the file is not valid JSON"},
      {V("v1", "  []\n") + "---\nkind: Other\n", "holds more than one YAML document"},
      {V("v1", "  []\n") + "metadata: {name: x}\n",
       "cfg.yaml: strict decoding error: unknown field \"metadata\""},
      {"apiVersion: kubelet.config.k8s.io/v1\nproviders: []\n",
       "cfg.yaml: Object 'Kind' is missing"},
      {"kind: CredentialProviderConfig\nproviders: []\n",
       "cfg.yaml: Object 'apiVersion' is missing"},
      {V("v1", "  - name: p\n    env: [{name: A, value: b, valueFrom: c}]\n"),
       "cfg.yaml: provider \"p\": strict decoding error: unknown field "
       "\"providers[0].env[0].valueFrom\""},
      {V("v1", "  - name: p\n    tokenAttributes: {audience: x}\n"),
       "cfg.yaml: provider \"p\": strict decoding error: unknown field "
       "\"providers[0].tokenAttributes.audience\""},
      {V("v1", "  - name: p\n    MatchImages: [x]\n"),
       "cfg.yaml: provider \"p\": strict decoding error: unknown field "
       "\"providers[0].MatchImages\""},
      {V("v1", "  - name: p\n    defaultCacheDuration: 10x\n"),
       "cfg.yaml: provider \"p\": providers[0].defaultCacheDuration: invalid duration \"10x\""},
      {V("v1", "  - name: p\n    env: {A: b}\n"),
       "cfg.yaml: provider \"p\": providers[0].env: must be a list of {name, value} objects, not "
       "object"},
      {V("v1", "  - just-a-string\n"), "cfg.yaml: providers[0]: must be an object, not string"},
      {"kind: 12\napiVersion: kubelet.config.k8s.io/v1\n", "cfg.yaml: kind: must be a string"},
      {"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, "
       "*c]\n"
       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
       "aliases expand to more than 100000 nodes"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    DYNAMIC_SECTION("case " << i << ": " << cases[i].want) {
      auto c = CheckFile(cases[i].text);
      REQUIRE_FALSE(c.problems.empty());
      CHECK_THAT(c.problems[0], Catch::Contains(cases[i].want));
    }
  }
}

TEST_CASE("YAML merge keys work, but may not repeat a key (go-yaml strict mode)") {
  auto c = CheckFile(R"(kind: CredentialProviderConfig
apiVersion: kubelet.config.k8s.io/v1
base: &base
  matchImages: [x.example]
providers: []
)");
  CHECK_THAT(c.problems[0], Catch::Contains("unknown field \"base\""));
  c = CheckFile(R"(kind: CredentialProviderConfig
apiVersion: kubelet.config.k8s.io/v1
providers:
  - &p
    name: one
    matchImages: [x.example]
    defaultCacheDuration: 1m
    apiVersion: credentialprovider.kubelet.k8s.io/v1
  - <<: *p
    name: two
)");
  CHECK_THAT(c.problems.at(0), Catch::Contains("duplicate key \"name\""));
  c = CheckFile(R"(kind: CredentialProviderConfig
apiVersion: kubelet.config.k8s.io/v1
providers:
  - &p
    matchImages: [x.example]
    defaultCacheDuration: 1m
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    name: one
  - name: two
    <<: {matchImages: [y.example], defaultCacheDuration: 2m}
    apiVersion: credentialprovider.kubelet.k8s.io/v1
)");
  REQUIRE(c.problems.empty());
  CHECK(c.check.config.providers[1].match_images == std::vector<std::string>{"y.example"});
}

TEST_CASE("paths: missing, too large, subdirectories named like configs") {
  TempDir d;
  auto c = CheckKubeletConfig(d.path() + "/nope.yaml", DefaultEnv());
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0], Catch::EndsWith("nope.yaml: no such file or directory"));
  c = CheckKubeletConfig("", DefaultEnv());
  CHECK(c.problems == std::vector<std::string>{"credential provider config path is empty"});

  std::string big = d.Write("big.yaml", std::string(kMaxKubeletConfigBytes + 1, '#'));
  c = CheckKubeletConfig(big, DefaultEnv());
  REQUIRE(c.problems.size() == 1);
  CHECK_THAT(c.problems[0], Catch::Contains("larger than"));

  d.Write("dir/a.yaml", OneProvider("a", "a.example", "1m"));
  mkdir((d.path() + "/dir/sub.yaml").c_str(), 0700);
  c = CheckKubeletConfig(d.path() + "/dir", DefaultEnv());
  CHECK(c.problems.empty());
  CHECK(c.config.files.size() == 1);
}

TEST_CASE("no providers across a whole directory is one problem naming the directory") {
  auto c = CheckDir({{"a.yaml", V("v1", "  []\n")}, {"b.json", V("v1beta1", "  null\n")}});
  CHECK(c.problems ==
        std::vector<std::string>{
            "conf.d: providers: Required value: at least 1 item in plugins is required"});
}

// ---- The CLI ------------------------------------------------------------------------------------

TEST_CASE("cli: valid config prints one summary line, nothing on stderr") {
  TempDir d;
  d.Write("conf.d/10-a.yaml", OneProvider("acme", "*.acme.example", "5m"));
  d.Write("conf.d/20-b.json", kOnePluginJson);
  auto r = Run({"validate", "kubelet-config", d.path() + "/conf.d"});
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
  CHECK(r.out == d.path() +
                     "/conf.d: valid CredentialProviderConfig: 2 providers (acme, test) "
                     "from 2 files\n");
}

TEST_CASE("cli: invalid config prints every problem, one per line, and nothing on stdout") {
  TempDir d;
  std::string path = d.Write("cp.yaml", V("v1", R"(  - name: "a b"
    matchImages: []
    defaultCacheDuration: 1m
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    env:
    - name: TOKEN
      value: s3nt1nel-env-secret
    args: [--password=s3nt1nel-arg-secret]
    extra: s3nt1nel-unknown-value
)"));
  auto r = Run({"validate", "kubelet-config", path});
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  std::string p = "pullguard validate kubelet-config: " + path + ": provider \"a b\": ";
  CHECK(r.err == p + "strict decoding error: unknown field \"providers[0].extra\"\n" + p +
                     "providers[0].name: Invalid value: \"a b\": provider name cannot contain "
                     "spaces\n" +
                     p +
                     "providers[0].matchImages: Required value: at least 1 item in "
                     "matchImages is required\n");
  CHECK(r.err.find("s3nt1nel") == std::string::npos);
}

TEST_CASE("cli: usage errors exit 2 with one line") {
  auto r = Run({"validate", "kubelet-config"});
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "pullguard validate kubelet-config: PATH is required (see 'pullguard validate "
        "kubelet-config --help')\n");
  r = Run({"validate", "kubelet-config", "a", "b"});
  CHECK(r.rc == 2);
  r = Run({"validate", "kubelet-config", "--help"});
  CHECK(r.rc == 0);
  CHECK_THAT(r.out, Catch::Contains("lexical order"));
}

TEST_CASE("problems never span lines, even for hostile names") {
  auto c = CheckFile(V("v1", "  - name: \"x\\ny\"\n    matchImages: [\"a\\nb\"]\n"));
  REQUIRE_FALSE(c.problems.empty());
  for (const std::string& p : c.problems) CHECK(p.find('\n') == std::string::npos);
}

}  // namespace
}  // namespace pullguard
