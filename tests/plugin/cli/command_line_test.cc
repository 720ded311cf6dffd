// The command line (plugin/cli/command_line.cc) in-process: every command's and subcommand's help,
// unknown flags and stray arguments as one usage-error line with exit 2, `--flag value` read as
// `--flag=value`, the global --log-level anywhere before "--", and kubelet's exec call read alike
// with and without CLI11.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "cache/kubelet_version.h"
#include "tests/support/run.h"

using pullguard::testing::Run;
using pullguard::testing::RunResult;
using pullguard::testing::TempDir;

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Every command and subcommand, with arguments that satisfy its requirements.
struct CommandPath {
  std::vector<std::string> path;
  std::vector<std::string> needs;
};
const std::vector<CommandPath> kCommands = {
    {{"version"}, {}},
    {{"get-credentials"}, {"--config=/x"}},
    {{"validate", "config"}, {"/x"}},
    {{"validate", "kubelet-config"}, {"/x"}},
    {{"doctor"}, {"--config=/x"}},
    {{"records", "hash"}, {}},
    {{"records", "ls"}, {"--dir=/x"}},
    {{"records", "show"}, {"--dir=/x", "ref"}},
    {{"records", "audit"}, {"--dir=/x"}},
    {{"records", "add"}, {"--dir=/x"}},
    {{"decide"}, {"--dir=/x"}},
    {{"parse"}, {"busybox"}},
    {{"match"}, {"docker.io", "busybox"}},
};

void CheckUsageError(const RunResult& r, const std::string& command, const std::string& message) {
  INFO("stderr: " << r.err);
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "pullguard " + command + ": " + message + " (see 'pullguard " + command + " --help')\n");
}

void CheckSame(const RunResult& a, const RunResult& b) {
  CHECK(a.rc == b.rc);
  CHECK(a.out == b.out);
  CHECK(a.err == b.err);
}

struct World {
  TempDir dir;
  std::string config, records, evidence;
  World() {
    std::string pw = dir.Write("alice.pw", "s3cr3t\n", 0600);
    config = dir.Write(
        "config.yaml",
        "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: " + dir.path() +
            "/state\nregistries:\n  - match: [\"registry.internal:5000\"]\n"
            "    static: {username: alice, passwordFile: " +
            pw + "}\n",
        0600);
    records = dir.path() + "/im";
    REQUIRE(Run({"records", "add", "--dir", records}, kAdd).rc == 0);
    evidence = dir.path() + "/evidence";
    std::filesystem::create_directories(evidence);
  }
  static constexpr const char* kAdd =
      R"({"image":"registry.internal:5000/app:1","imageRef":"sha256:aa","nodePodsAccessible":true})";
  static constexpr const char* kRequest =
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.internal:5000/app"})";
};

}  // namespace

TEST_CASE("command line: every command's --help and -h print its help on stdout, exit 0") {
  for (const CommandPath& c : kCommands) {
    for (const std::vector<std::string>& path :
         {c.path, std::vector<std::string>(c.path.begin(), c.path.begin() + 1)}) {
      INFO(Join(path));
      auto help = Run(Concat(path, {"--help"}));
      CHECK(help.rc == 0);
      CHECK(help.err.empty());
      CHECK(help.out.rfind("usage: pullguard " + Join(path) + " ", 0) == 0);
      CHECK(help.out.find("Exit status: ") != std::string::npos);
      CHECK(help.out.back() == '\n');
      CheckSame(Run(Concat(path, {"-h"})), help);
      // After the command's other arguments too: help wins over running.
      CheckSame(Run(Concat(Concat(path, c.needs), {"--help"})), help);
    }
  }
  auto records = Run({"records", "--help"});
  for (const char* sub : {"hash", "ls", "show", "audit", "add"}) {
    CHECK(records.out.find(std::string("\n  ") + sub + " ") != std::string::npos);
  }
  auto show = Run({"records", "show", "--help"});
  CHECK(show.out.rfind("usage: pullguard records show [OPTIONS] IMAGEREF\n", 0) == 0);
  CHECK(show.out.find("--dir DIR REQUIRED") != std::string::npos);
}

TEST_CASE("command line: pullguard help lists every command and the global options") {
  auto help = Run({"help"});
  CHECK(help.rc == 0);
  CHECK(help.err.empty());
  CHECK(help.out.rfind("usage: pullguard [OPTIONS] COMMAND\n", 0) == 0);
  for (const char* c : {"version", "get-credentials", "validate", "doctor", "records", "decide",
                        "parse", "match"}) {
    CHECK(help.out.find(std::string("\n  ") + c + " ") != std::string::npos);
  }
  CHECK(help.out.find("--log-level LEVEL") != std::string::npos);
  CheckSame(Run({"--help"}), help);
  CheckSame(Run({"-h"}), help);
}

TEST_CASE("command line: an unknown flag or a stray argument is one line, exit 2") {
  for (const CommandPath& c : kCommands) {
    INFO(Join(c.path));
    CheckUsageError(Run(Concat(Concat(c.path, c.needs), {"--no-such-flag"})), Join(c.path),
                    "unexpected argument \"--no-such-flag\"");
    CheckUsageError(Run(Concat(Concat(c.path, c.needs), {"--no-such-flag=1"})), Join(c.path),
                    "unexpected argument \"--no-such-flag=1\"");
    CheckUsageError(Run(Concat(Concat(c.path, c.needs), {"stray"})), Join(c.path),
                    "unexpected argument \"stray\"");
  }
  // One value per --image.
  CheckUsageError(Run({"doctor", "--config=/x", "--image", "a", "b"}), "doctor",
                  "unexpected argument \"b\"");
  // A mistyped flag is named, not the flag it left out.
  CheckUsageError(Run({"doctor", "--confg=/x"}), "doctor", "unexpected argument \"--confg=/x\"");
  CheckUsageError(Run({"validate", "--config", "/x"}), "validate",
                  "unexpected argument \"--config\"");
  CheckUsageError(Run({"records"}), "records",
                  "missing subcommand (want hash, ls, show, audit, add, gc or recover)");
}

TEST_CASE("command line: missing values and positionals are usage errors, exit 2") {
  CheckUsageError(Run({"get-credentials", "--config"}), "get-credentials",
                  "--config: 1 required FILE missing");
  CheckUsageError(Run({"get-credentials", "--config="}), "get-credentials",
                  "--config needs a value");
  // CLI11 alone would take the next argument as the value of an empty `--flag=`.
  CheckUsageError(Run({"doctor", "--config=/x", "--image=", "--offline"}), "doctor",
                  "--image needs a value");
  CheckUsageError(Run({"decide", "--evidence=", "--dir=/x"}), "decide", "--evidence needs a value");
  CheckUsageError(Run({"get-credentials", "--config", ""}), "get-credentials",
                  "--config: needs a value");
  CheckUsageError(Run({"get-credentials", "--config=a", "--config=b"}), "get-credentials",
                  "--config: At Most 1 required but received 2");
  CheckUsageError(Run({"doctor", "--config=/x", "--image"}), "doctor",
                  "--image: 1 required IMAGE missing");
  CheckUsageError(Run({"doctor", "--config=/x", "--offline=maybe"}), "doctor",
                  "offline was given a disallowed flag override");
  CheckUsageError(Run({"records", "show", "--dir=/x"}), "records show", "IMAGEREF is required");
  CheckUsageError(Run({"decide", "--dir=/x", "--evidence"}), "decide",
                  "--evidence: 1 required DIR missing");
  CheckUsageError(Run({"parse"}), "parse", "IMAGE is required");
  CheckUsageError(Run({"version", "x"}), "version", "unexpected argument \"x\"");
  auto none = Run({});
  CHECK(none.rc == 2);
  CHECK(none.out.empty());
  CHECK(none.err == "pullguard: missing command (see 'pullguard --help')\n");
}

TEST_CASE("command line: hostile arguments never reach stderr as they came") {
  const std::string hostile = "\x1b[31m\r\n\xff" + std::string(5000, 'x');
  for (const auto& argv :
       {std::vector<std::string>{"parse", "a", hostile},
        std::vector<std::string>{"get-credentials", hostile},
        std::vector<std::string>{"records", hostile}, std::vector<std::string>{hostile}}) {
    auto r = Run(argv);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK(r.err.size() < 300);
    CHECK(r.err.find('\n') == r.err.size() - 1);
    for (char ch : r.err.substr(0, r.err.size() - 1)) {
      CHECK(static_cast<unsigned char>(ch) >= 0x20);
      CHECK(static_cast<unsigned char>(ch) < 0x7f);
    }
  }
}

TEST_CASE("command line: --flag value and --flag=value are the same") {
  World w;
  SECTION("get-credentials, also as kubelet runs it (no CLI11) and with --log-level (CLI11)") {
    auto kubelet = Run({"get-credentials", "--config=" + w.config}, World::kRequest);
    REQUIRE(kubelet.rc == 0);
    CHECK(kubelet.out.find("\"alice\"") != std::string::npos);
    CheckSame(Run({"get-credentials", "--config", w.config}, World::kRequest), kubelet);
    CheckSame(Run({"--log-level=warn", "get-credentials", "--config=" + w.config}, World::kRequest),
              kubelet);
    CheckSame(
        Run({"get-credentials", "--log-level", "warn", "--config", w.config}, World::kRequest),
        kubelet);
    CheckSame(Run({"get-credentials"}, World::kRequest, {{"PULLGUARD_CONFIG", w.config}}), kubelet);
  }
  SECTION("doctor") {
    auto eq = Run({"doctor", "--config=" + w.config, "--kubelet-config=" + w.dir.path() + "/k",
                   "--bin-dir=" + w.dir.path(), "--image=registry.internal:5000/app",
                   "--image=registry.internal:5000/b", "--offline"});
    CheckSame(Run({"doctor", "--config", w.config, "--kubelet-config", w.dir.path() + "/k",
                   "--bin-dir", w.dir.path(), "--image", "registry.internal:5000/app", "--image",
                   "registry.internal:5000/b", "--offline"}),
              eq);
  }
  SECTION("records ls, show, audit, add") {
    for (const char* sub : {"ls", "audit"}) {
      auto eq = Run({"records", sub, "--dir=" + w.records});
      REQUIRE(eq.rc == 0);
      CHECK_FALSE(eq.out.empty());
      CheckSame(Run({"records", sub, "--dir", w.records}), eq);
    }
    auto show = Run({"records", "show", "--dir=" + w.records, "sha256:aa"});
    REQUIRE(show.rc == 0);
    CheckSame(Run({"records", "show", "sha256:aa", "--dir", w.records}), show);
    auto add = Run({"records", "add", "--dir=" + w.dir.path() + "/a"}, World::kAdd);
    REQUIRE(add.rc == 0);
    CheckSame(Run({"records", "add", "--dir", w.dir.path() + "/b"}, World::kAdd), add);
    // The plain call is read without CLI11; with another flag, CLI11 reads it all.
    CheckSame(
        Run({"records", "add", "--kubelet-version=" + pullguard::KubeletVersion::Default().String(),
             "--dir", w.dir.path() + "/c"},
            World::kAdd),
        add);
    auto no_value = Run({"records", "add", "--dir"}, World::kAdd);
    CHECK(no_value.rc == 2);
    CHECK(no_value.err.find("--dir") != std::string::npos);
  }
  SECTION("decide") {
    const std::string req =
        R"({"image":"registry.internal:5000/app:1","imageRef":"sha256:aa","imagePresent":true,"policy":"AlwaysVerify"})";
    auto eq = Run({"decide", "--dir=" + w.records, "--evidence=" + w.evidence}, req);
    REQUIRE(eq.rc == 0);
    CHECK(eq.out.find("use-local") != std::string::npos);
    CheckSame(Run({"decide", "--dir", w.records, "--evidence", w.evidence}, req), eq);
    // A script's plain call is read without CLI11; with another flag, CLI11 reads it all.
    CheckSame(Run({"decide", "--evidence", w.evidence, "--dir=" + w.records}, req), eq);
    CheckSame(Run({"decide", "--kubelet-version=" + pullguard::KubeletVersion::Default().String(),
                   "--dir", w.records, "--evidence", w.evidence},
                  req),
              eq);
  }
}

TEST_CASE("command line: --log-level anywhere before --, never after") {
  auto before = Run({"--log-level=debug", "parse", "busybox"});
  REQUIRE(before.rc == 0);
  CheckSame(Run({"parse", "--log-level", "debug", "busybox"}), before);
  CheckSame(Run({"parse", "busybox", "--log-level=debug"}), before);
  CheckSame(Run({"--log-level=error", "parse", "--log-level=debug", "busybox"}), before);
  // After "--" it is the command's argument: here an image, and not a valid one.
  auto after = Run({"parse", "--", "--log-level=debug"});
  CHECK(after.rc == 1);
  CHECK(after.err.rfind("pullguard parse: invalid reference", 0) == 0);
  // "--" itself reaches the command, which reads what follows as positionals.
  CheckSame(Run({"--log-level=warn", "match", "--", "docker.io", "busybox"}),
            Run({"match", "docker.io", "busybox"}));
}
