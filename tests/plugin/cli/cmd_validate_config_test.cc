// `pullguard validate config PATH`: a summary line when valid, every problem (files included)
// one per line when not.
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/run.h"

using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {
const std::string kHead = "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n";

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}
}  // namespace

TEST_CASE("validate config: a valid config prints one summary line") {
  TempDir dir;
  std::string pw = dir.Write("a.pw", "pw\n", 0600);
  std::string dc =
      dir.Write("config.json", R"({"auths":{"quay.io":{"username":"u","password":"p"}}})", 0600);
  std::string cfg = dir.Write("pg.yaml", kHead +
                                             "registries:\n"
                                             "  - match: [\"a.io\", \"*.b.io/x\"]\n"
                                             "    static: {username: a, passwordFile: " +
                                             pw +
                                             "}\n"
                                             "  - match: [\"quay.io\"]\n"
                                             "    dockerConfig: " +
                                             dc + "\n");
  auto r = Run({"validate", "config", cfg});
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
  CHECK(r.out == cfg + ": valid (2 registries, 3 patterns, stateDir /var/lib/pullguard)\n");
}

TEST_CASE("validate config: every problem, structure and files, one per line") {
  TempDir dir;
  std::string open = dir.Write("open.pw", "SECRETPW\n", 0644);
  std::string cfg = dir.Write("pg.yaml",
                              kHead +
                                  "registries:\n"
                                  "  - match: [\"a.io\"]\n"
                                  "    cacheDuration: 5x\n"
                                  "    static: {username: a, passwordFile: " +
                                  open +
                                  "}\n"
                                  "  - match: [\"%zz\"]\n"
                                  "    dockerConfig: /nonexistent/config.json\n"
                                  "  - match: [\"c.io\"]\n"
                                  "    colour: blue\n"
                                  "    static: {username: c, password: SECRETINLINE}\n",
                              0644);
  auto r = Run({"validate", "config", cfg});
  INFO(r.err);
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  CHECK(Lines(r.err) == 6);
  CHECK(r.err.find("pullguard validate config: " + cfg + ": registries[0].cacheDuration: ") !=
        std::string::npos);
  CHECK(r.err.find("registries[1].match[0]: \"%zz\" is not a matchImages pattern") !=
        std::string::npos);
  CHECK(r.err.find("registries[2]: unknown field \"colour\"") != std::string::npos);
  CHECK(r.err.find("holds an inline password but is readable by group or others") !=
        std::string::npos);
  CHECK(r.err.find("registries[0].static.passwordFile: " + open +
                   " is readable by group or others") != std::string::npos);
  CHECK(r.err.find("registries[1].dockerConfig: /nonexistent/config.json does not exist") !=
        std::string::npos);
  CHECK(r.err.find("SECRET") == std::string::npos);
}

TEST_CASE("validate: usage errors and dispatch") {
  auto none = Run({"validate"});
  CHECK(none.rc == 2);
  CHECK(none.out.empty());
  auto what = Run({"validate", "bogus", "x"});
  CHECK(what.rc == 2);
  CHECK(what.err ==
        "pullguard validate: unknown subcommand \"bogus\" (want config or kubelet-config) (see "
        "'pullguard validate --help')\n");
  auto two = Run({"validate", "config"});
  CHECK(two.rc == 2);
  CHECK(two.err ==
        "pullguard validate config: PATH is required (see 'pullguard validate config --help')\n");
  auto missing = Run({"validate", "config", "/nonexistent/pg.yaml"});
  CHECK(missing.rc == 1);
  CHECK(missing.err.find("/nonexistent/pg.yaml") != std::string::npos);
  CHECK(Lines(missing.err) == 1);
}

TEST_CASE("validate kubelet-config accepts the shipped kubelet CredentialProviderConfig") {
  auto r = Run({"validate", "kubelet-config",
                std::string(PULLGUARD_SOURCE_DIR) +
                    "/config-examples/kubelet-credential-provider-config.yaml"});
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find("pullguard") != std::string::npos);
}

TEST_CASE("validate config: the acr source's Azure rules, each with its path") {
  TempDir dir;
  std::string cfg = dir.Write("pg.yaml", kHead +
                                             "registries:\n"
                                             "  - match: [\"*.azurecr.io\"]\n"
                                             "    acr: {clientId: not-a-guid}\n"
                                             "  - match: [\"*.azurecr.cn\"]\n"
                                             "    acr: {imdsEndpoint: \"http://10.1.2.3\"}\n"
                                             "  - match: [\"*.azurecr.us\"]\n"
                                             "    acr: {tenantId: contoso.onmicrosoft.com}\n");
  auto r = Run({"validate", "config", cfg});
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  CHECK(Lines(r.err) == 2);
  CHECK(r.err.find("registries[0].acr.clientId: \"not-a-guid\" is not a client id") !=
        std::string::npos);
  CHECK(r.err.find("registries[1].acr.imdsEndpoint: http://10.1.2.3/ is plain http") !=
        std::string::npos);
}
