// `pullguard doctor` without a network (--offline): the local checks, healthy and broken one at
// a time, the report's placement (stdout only when all pass) and the clock-skew rule. The
// registry checks run against a real registry in tests/e2e/doctor_test.sh.
#include "plugin/ops/doctor.h"
#include "registry/http_date.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/support/run.h"

using pullguard::CheckState;
using pullguard::testing::Run;
using pullguard::testing::RunResult;
using pullguard::testing::TempDir;

namespace {

const char* kPassword = "doctor-Pa55-SENTINEL";

struct Node {
  TempDir dir;
  std::string config, kubelet, bin, pw;
  std::string source = "static: {username: alice, passwordFile: PW}";
  std::string api = "credentialprovider.kubelet.k8s.io/v1";
  std::string provider_config;  // --config path in kubelet's args; default: `config`
  std::string match_images = "[\"registry.internal:5000\"]";
  Node() {
    pw = dir.Write("etc/alice.pw", std::string(kPassword) + "\n", 0600);
    bin = dir.path() + "/bin";
    mkdir(bin.c_str(), 0755);
    REQUIRE(symlink(PULLGUARD_BINARY, (bin + "/pullguard").c_str()) == 0);
  }
  void Write() {
    std::string s = source;
    if (auto at = s.find("PW"); at != std::string::npos) s.replace(at, 2, pw);
    config = dir.Write("etc/config.yaml",
                       "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n"
                       "stateDir: " +
                           dir.path() +
                           "/state\n"
                           "registries:\n  - match: [\"registry.internal:5000\"]\n    " +
                           s + "\n",
                       0600);
    kubelet =
        dir.Write("etc/kubelet.yaml",
                  "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\n"
                  "providers:\n  - name: pullguard\n    matchImages: " +
                      match_images + "\n    defaultCacheDuration: 5m\n    apiVersion: " + api +
                      "\n    args: [get-credentials, --config=" +
                      (provider_config.empty() ? config : provider_config) + "]\n",
                  0644);
  }
  RunResult Doctor() {
    Write();
    return Run({"doctor", "--config=" + config, "--kubelet-config=" + kubelet, "--bin-dir=" + bin,
                "--offline"});
  }
};

// A failing report: exit 1, nothing on stdout, the failed check with its fix on stderr.
void CheckFails(const RunResult& r, const std::string& check, const std::string& needle) {
  INFO("stderr:\n" << r.err);
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("FAIL  " + check + ": ") != std::string::npos);
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(r.err.find("      fix: ") != std::string::npos);
  CHECK(r.err.find(kPassword) == std::string::npos);
}

}  // namespace

TEST_CASE("doctor: a healthy node passes every local check, report on stdout") {
  Node n;
  auto r = n.Doctor();
  INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
  for (const char* line :
       {"ok    config: ", "ok    registries[0] files: ", "ok    state-dir: ",
        "ok    kubelet-config: ", "ok    kubelet-config provider: ",
        "ok    kubelet-config apiVersion: ", "ok    kubelet-config matchImages: ",
        "ok    bin-dir: ", "skip  registries: --offline"}) {
    CHECK(r.out.find(line) != std::string::npos);
  }
  CHECK(r.out.find("runs (pullguard ") != std::string::npos);
  CHECK(r.out.find("FAIL") == std::string::npos);
}

TEST_CASE("doctor: each broken piece fails with its fix") {
  Node n;
  SECTION("state dir is a file") {
    n.dir.Write("state", "not a dir");
    CheckFails(n.Doctor(), "state-dir", "is not a directory");
  }
  SECTION("state dir is not private") {
    mkdir((n.dir.path() + "/state").c_str(), 0755);
    chmod((n.dir.path() + "/state").c_str(), 0755);
    CheckFails(n.Doctor(), "state-dir", "chmod 700");
  }
  SECTION("password file readable by others") {
    chmod(n.pw.c_str(), 0644);
    CheckFails(n.Doctor(), "registries[0] files", n.pw);
  }
  SECTION("password file missing") {
    unlink(n.pw.c_str());
    CheckFails(n.Doctor(), "registries[0] files", n.pw);
  }
  SECTION("config invalid") {
    n.source = "static: {username: alice}";
    auto r = n.Doctor();
    CheckFails(r, "config", "needs password or passwordFile");
    CHECK(r.err.find("state-dir") == std::string::npos);  // needs the decoded config
  }
  SECTION("kubelet runs pullguard with another config") {
    n.provider_config = "/etc/pullguard/other.yaml";
    CheckFails(n.Doctor(), "kubelet-config provider", "no provider passes --config=");
  }
  SECTION("kubelet's matchImages do not cover the registry") {
    n.match_images = "[\"*.example.org\"]";
    CheckFails(n.Doctor(), "kubelet-config matchImages", "registry.internal:5000");
  }
  SECTION("service-account sources need a v1 provider with tokenAttributes") {
    n.source = "tokenExchange: {endpoint: \"https://sts.example/token\", username: x}";
    n.api = "credentialprovider.kubelet.k8s.io/v1beta1";
    CheckFails(n.Doctor(), "kubelet-config apiVersion", "service-account token");
  }
  SECTION("binary missing from the bin dir") {
    unlink((n.bin + "/pullguard").c_str());
    CheckFails(n.Doctor(), "bin-dir", "does not exist");
  }
  SECTION("binary not executable") {
    unlink((n.bin + "/pullguard").c_str());
    n.dir.Write("bin/pullguard", "#!/bin/sh\necho pullguard 9\n", 0644);
    CheckFails(n.Doctor(), "bin-dir", "not executable");
  }
  SECTION("something else under the provider's name") {
    unlink((n.bin + "/pullguard").c_str());
    n.dir.Write("bin/pullguard", "#!/bin/sh\necho hello\n", 0755);
    CheckFails(n.Doctor(), "bin-dir", "is not pullguard");
  }
  SECTION("a binary that does not run") {
    unlink((n.bin + "/pullguard").c_str());
    n.dir.Write("bin/pullguard", "#!/bin/sh\nexit 127\n", 0755);
    CheckFails(n.Doctor(), "bin-dir", "exit status 127");
  }
  SECTION("kubelet config itself invalid") {
    n.Write();
    n.dir.Write("etc/kubelet.yaml", "apiVersion: kubelet.config.k8s.io/v1\nkind: Nope\n", 0644);
    auto r = Run({"doctor", "--config=" + n.config, "--kubelet-config=" + n.kubelet, "--offline"});
    CheckFails(r, "kubelet-config", "validate kubelet-config");
  }
}

TEST_CASE("doctor: the static front's network helper beside the binary") {
  const std::string built = PULLGUARD_BINARY;
  const std::string helper = built.substr(0, built.rfind('/') + 1) + "pullguard-net";
  Node n;
  if (access(helper.c_str(), F_OK) != 0) {
    // A build without the front (sanitizers): one dynamically linked pullguard, no helper needed.
    auto r = n.Doctor();
    INFO("stdout:\n" << r.out);
    CHECK(r.rc == 0);
    CHECK(r.out.find("skip  network-helper: ") != std::string::npos);
    CHECK(r.out.find("is linked dynamically and loads libcurl itself") != std::string::npos);
    return;
  }
  // A copy of the built front alone in the bin dir, where its helper is looked for.
  auto copy_front = [&] {
    unlink((n.bin + "/pullguard").c_str());
    std::filesystem::copy_file(built, n.bin + "/pullguard");
    chmod((n.bin + "/pullguard").c_str(), 0755);
  };
  SECTION("beside the front, of the same build") {
    auto r = n.Doctor();
    INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.find("ok    network-helper: " + helper + " runs (pullguard ") != std::string::npos);
  }
  SECTION("missing beside a static front") {
    copy_front();
    CheckFails(n.Doctor(), "network-helper", "is the static front, so every request that needs");
  }
  SECTION("of another build") {
    copy_front();
    n.dir.Write("bin/pullguard-net", "#!/bin/sh\necho pullguard 0.0.1\n", 0755);
    CheckFails(n.Doctor(), "network-helper", "install both from one build");
  }
  SECTION("writable by its group") {
    copy_front();
    n.dir.Write("bin/pullguard-net", "#!/bin/sh\necho pullguard 0.0.1\n", 0775);
    chmod((n.bin + "/pullguard-net").c_str(), 0775);
    CheckFails(n.Doctor(), "network-helper", "the front will not run it");
  }
  SECTION("a symbolic link") {
    copy_front();
    REQUIRE(symlink(helper.c_str(), (n.bin + "/pullguard-net").c_str()) == 0);
    CheckFails(n.Doctor(), "network-helper", "the front follows no symbolic link");
  }
}

TEST_CASE("doctor: bad arguments are one line, exit 2") {
  auto none = Run({"doctor"});
  CHECK(none.rc == 2);
  CHECK(none.out.empty());
  const std::string see = " (see 'pullguard doctor --help')\n";
  CHECK(none.err == "pullguard doctor: --config is required" + see);
  auto extra = Run({"doctor", "--config=/x", "--frobnicate"});
  CHECK(extra.rc == 2);
  CHECK(extra.err == "pullguard doctor: unexpected argument \"--frobnicate\"" + see);
  auto empty = Run({"doctor", "--config="});
  CHECK(empty.rc == 2);
  CHECK(empty.err == "pullguard doctor: --config needs a value" + see);
  auto blank = Run({"doctor", "--config", ""});
  CHECK(blank.rc == 2);
  CHECK(blank.err == "pullguard doctor: --config: needs a value" + see);
  auto help = Run({"doctor", "--help"});
  CHECK(help.rc == 0);
  CHECK(help.out.find("usage: pullguard doctor [OPTIONS]\n") == 0);
  // --config is required unless --records is given (checked after parsing, not by CLI11)
  CHECK(help.out.find("--config FILE") != std::string::npos);
  CHECK(help.out.find("(required unless") != std::string::npos);
  CHECK(help.out.find("--records DIR") != std::string::npos);
}

TEST_CASE("doctor: the registry's Date header against the local clock") {
  using std::chrono::seconds;
  auto date = pullguard::registry::ParseHttpDate("Tue, 01 Dec 2026 12:00:00 GMT");
  REQUIRE(date);

  const std::string hdr = "Tue, 01 Dec 2026 12:00:00 GMT";
  auto ok = pullguard::ClockCheck("r:5000", hdr, *date + seconds(59), seconds(60));
  CHECK(ok.state == CheckState::kOk);
  CHECK(ok.detail == "local clock is 59 s ahead of the registry");
  auto ahead = pullguard::ClockCheck("r:5000", hdr, *date + seconds(3600), seconds(60));
  CHECK(ahead.state == CheckState::kFail);
  CHECK(ahead.detail == "local clock is 3600 s ahead of the registry");
  CHECK(ahead.fix.find("chrony") != std::string::npos);
  auto behind = pullguard::ClockCheck("r:5000", hdr, *date - seconds(61), seconds(60));
  CHECK(behind.state == CheckState::kFail);
  CHECK(behind.detail == "local clock is 61 s behind the registry");
  CHECK(pullguard::ClockCheck("r:5000", std::nullopt, *date, seconds(60)).state ==
        CheckState::kSkip);
}

TEST_CASE(
    "doctor: a mirror entry needs kubelet to ask for the upstream and containerd's hosts.toml") {
  Node n;
  n.source =
      "static: {username: alice, passwordFile: PW}\n    mirrors: {docker.io: "
      "registry.internal:5000}";
  const std::string hosts = n.dir.path() + "/certs.d";
  mkdir(hosts.c_str(), 0755);
  auto doctor = [&] {
    n.Write();
    return Run({"doctor", "--config=" + n.config, "--kubelet-config=" + n.kubelet,
                "--bin-dir=" + n.bin, "--containerd-hosts-dir=" + hosts, "--offline"});
  };
  SECTION("kubelet's matchImages leave out docker.io") {
    CheckFails(doctor(), "kubelet-config matchImages", "\"docker.io\"");
  }
  SECTION("no hosts.toml for docker.io") {
    n.match_images = "[\"registry.internal:5000\", \"docker.io\"]";
    CheckFails(doctor(), "registries[0] mirror docker.io",
               "docker.io -> registry.internal:5000 (MirrorCredentialsOnly), but containerd has "
               "no " +
                   hosts + "/docker.io/hosts.toml");
  }
  SECTION("a hosts.toml that sends docker.io elsewhere") {
    n.match_images = "[\"registry.internal:5000\", \"docker.io\"]";
    n.dir.Write("certs.d/docker.io/hosts.toml",
                "server = \"https://registry-1.docker.io\"\n[host.\"https://other:5000\"]\n", 0644);
    CheckFails(doctor(), "registries[0] mirror docker.io",
               "has no [host] table for \"registry.internal:5000\"");
  }
  SECTION("hosts.toml names the mirror") {
    n.match_images = "[\"registry.internal:5000\", \"docker.io\"]";
    n.dir.Write("certs.d/docker.io/hosts.toml",
                "server = \"https://registry-1.docker.io\"\n"
                "[host.\"https://registry.internal:5000/v2/hub\"]\n"
                "  capabilities = [\"pull\", \"resolve\"]\n",
                0644);
    auto r = doctor();
    INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.find("ok    registries[0] mirror docker.io: docker.io -> registry.internal:5000 "
                     "(MirrorCredentialsOnly); " +
                     hosts + "/docker.io/hosts.toml names the mirror") != std::string::npos);
  }
}
