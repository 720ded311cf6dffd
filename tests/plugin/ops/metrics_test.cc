// Metrics textfile: the exposition text, accumulation across runs, what get-credentials records
// per outcome, and that a failed write neither changes the answer nor tears the file.
#include "plugin/ops/metrics.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "base/env_posix.h"
#include "tests/support/fault_env.h"
#include "tests/support/run.h"

using pullguard::MetricSamples;
using pullguard::RunRecord;
using pullguard::testing::Run;
using pullguard::testing::TempDir;

namespace {

std::string Slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

double Sample(const std::string& text, const std::string& key) {
  auto s = pullguard::ParseMetricSamples(text);
  auto it = s.find(key);
  return it == s.end() ? -1 : it->second;
}

const std::string kOk = "pullguard_requests_total{outcome=\"ok\"}";
const std::string kCount = "pullguard_request_duration_seconds_count";

}  // namespace

TEST_CASE("runs add up; the histogram is cumulative; the text round-trips") {
  MetricSamples s;
  pullguard::RunCounters c;
  c.token_cache_hits = 2;
  c.token_requests = 1;
  c.preflight_refusals = 1;
  pullguard::AddRun(s, RunRecord{"ok", 0.003, c});
  pullguard::AddRun(s, RunRecord{"network", 0.7, {}});
  pullguard::AddRun(s, RunRecord{"ok", 45, {}});
  std::string text = pullguard::RenderMetrics(s);
  CHECK(Sample(text, kOk) == 2);
  CHECK(Sample(text, "pullguard_requests_total{outcome=\"network\"}") == 1);
  CHECK(Sample(text, "pullguard_requests_total{outcome=\"no_match\"}") == 0);
  CHECK(Sample(text, "pullguard_token_cache_hits_total") == 2);
  CHECK(Sample(text, "pullguard_token_requests_total") == 1);
  CHECK(Sample(text, "pullguard_preflight_refusals_total") == 1);
  CHECK(Sample(text, "pullguard_request_duration_seconds_bucket{le=\"0.005\"}") == 1);
  CHECK(Sample(text, "pullguard_request_duration_seconds_bucket{le=\"0.5\"}") == 1);
  CHECK(Sample(text, "pullguard_request_duration_seconds_bucket{le=\"1\"}") == 2);
  CHECK(Sample(text, "pullguard_request_duration_seconds_bucket{le=\"30\"}") == 2);
  CHECK(Sample(text, "pullguard_request_duration_seconds_bucket{le=\"+Inf\"}") == 3);
  CHECK(Sample(text, kCount) == 3);
  CHECK(Sample(text, "pullguard_request_duration_seconds_sum") == Approx(45.703));
  CHECK(text.find("# TYPE pullguard_request_duration_seconds histogram\n") != std::string::npos);
  CHECK(text.find("# TYPE pullguard_requests_total counter\n") != std::string::npos);
  // Parse(Render(s)) == s, and an outcome this version does not know survives.
  auto again = pullguard::ParseMetricSamples(text);
  again["pullguard_requests_total{outcome=\"from_the_future\"}"] = 4;
  std::string text2 = pullguard::RenderMetrics(again);
  CHECK(Sample(text2, "pullguard_requests_total{outcome=\"from_the_future\"}") == 4);
  CHECK(pullguard::RenderMetrics(pullguard::ParseMetricSamples(text)) == text);
}

TEST_CASE("garbage in an existing textfile is ignored, not fatal") {
  auto s =
      pullguard::ParseMetricSamples("junk\n" + kOk + " 7\n" + kCount + " -3\nx NaN\n# comment 1\n");
  CHECK(s.size() == 1);
  CHECK(s[kOk] == 7);
}

namespace {

struct Fixture {
  TempDir dir;
  std::string config, prom;
  explicit Fixture(const std::string& prom_path = "") {
    prom = prom_path.empty() ? dir.path() + "/textfile/pullguard.prom" : prom_path;
    mkdir((dir.path() + "/textfile").c_str(), 0755);
    std::string pw = dir.Write("alice.pw", "pw-METRICS-SENTINEL\n", 0600);
    config = dir.Write("config.yaml",
                       "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n"
                       "stateDir: " +
                           dir.path() +
                           "/state\n"
                           "metrics: {textfile: " +
                           prom +
                           "}\n"
                           "registries:\n"
                           "  - match: [\"registry.internal:5000\"]\n"
                           "    static: {username: alice, passwordFile: " +
                           pw + "}\n",
                       0644);
  }
  pullguard::testing::RunResult Get(const std::string& image, pullguard::Env* env = nullptr) {
    return Run(
        {"get-credentials", "--config=" + config},
        R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":")" +
            image + "\"}",
        {}, env);
  }
};

}  // namespace

TEST_CASE("get-credentials adds each run to the textfile, by outcome") {
  Fixture f;
  CHECK(f.Get("registry.internal:5000/app").rc == 0);
  CHECK(f.Get("other.example/app").rc == 0);           // no entry matches
  CHECK(f.Get("registry.internal:5000/a b").rc == 1);  // bad request, counted all the same
  std::string text = Slurp(f.prom);
  CHECK(Sample(text, kOk) == 1);
  CHECK(Sample(text, "pullguard_requests_total{outcome=\"no_match\"}") == 1);
  CHECK(Sample(text, "pullguard_requests_total{outcome=\"invalid_request\"}") == 1);
  CHECK(Sample(text, kCount) == 3);
  CHECK(text.find("METRICS-SENTINEL") == std::string::npos);
  struct stat st {};
  REQUIRE(stat(f.prom.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("metrics.textfile must be an absolute path in a map") {
  TempDir dir;
  for (const char* bad : {"metrics: {textfile: rel.prom}", "metrics: /x.prom",
                          "metrics: {textfile: /x.prom, other: 1}", "metrics: {}"}) {
    std::string cfg = dir.Write("c.yaml", std::string("apiVersion: pullguard.io/v1alpha1\n"
                                                      "kind: PullguardConfig\n") +
                                              bad +
                                              "\nregistries:\n  - match: [r.example]\n"
                                              "    dockerConfig: /etc/x.json\n");
    auto r = Run({"validate", "config", cfg});
    INFO(bad << " -> " << r.err);
    CHECK(r.rc != 0);
    CHECK(r.err.find("metrics") != std::string::npos);
  }
}

TEST_CASE("a failed metrics write keeps the answer and the old file, and says so as a warning") {
  Fixture f;
  REQUIRE(f.Get("registry.internal:5000/app").rc == 0);
  std::string before = Slurp(f.prom);
  pullguard::testing::FaultEnv faults(pullguard::DefaultEnv());
  faults.only_path_containing = ".prom";
  faults.fail_writes = -1;
  auto r = f.Get("registry.internal:5000/app", &faults);
  CHECK(r.rc == 0);
  CHECK(r.out.find("\"username\":\"alice\"") != std::string::npos);
  CHECK(r.err.find("\"event\":\"metrics.write_failed\"") != std::string::npos);
  CHECK(r.err.find("\"level\":\"warn\"") != std::string::npos);
  CHECK(Slurp(f.prom) == before);
}

TEST_CASE("metrics textfile where a directory is: the answer still goes out") {
  TempDir other;
  Fixture f(other.path());  // the textfile path is an existing directory
  auto r = f.Get("registry.internal:5000/app");
  CHECK(r.rc == 0);
  CHECK(r.err.find("metrics.write_failed") != std::string::npos);
}

TEST_CASE("concurrent execs lose no count (the read-add-write runs under a lock)") {
  Fixture f;
  std::string req = f.dir.Write(
      "req.json",
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.internal:5000/app"})");
  std::string cmd = std::string("for i in $(seq 1 16); do ") + PULLGUARD_BINARY +
                    " get-credentials --config=" + f.config + " <" + req +
                    " >/dev/null || echo FAILED & done; wait";
  std::string out = f.dir.path() + "/out";
  REQUIRE(std::system((cmd + " >" + out + " 2>&1").c_str()) == 0);
  CHECK(Slurp(out).empty());
  std::string text = Slurp(f.prom);
  CHECK(Sample(text, kOk) == 16);
  CHECK(Sample(text, kCount) == 16);
}

TEST_CASE("sample values: decimal numbers only, as std::from_chars read them") {
  // The parser uses strtod (from_chars<double> would load libm, bench/NOTES.md); these are the
  // values strtod accepts and from_chars did not, and the ones both refuse.
  CHECK(Sample("m 12.5\n", "m") == 12.5);
  CHECK(Sample("m 1e3\n", "m") == 1000);
  CHECK(Sample("m 0x10\n", "m") == -1);
  CHECK(Sample("m +3\n", "m") == -1);
  CHECK(Sample("m inf\n", "m") == -1);
  CHECK(Sample("m nan\n", "m") == -1);
  CHECK(Sample("m -2\n", "m") == -1);
  CHECK(Sample("m 3x\n", "m") == -1);
  CHECK(Sample("m 1e999\n", "m") == -1);
}
