// JSON logs: the record format, the level switch (--log-level, $PULLGUARD_LOG_LEVEL), how they
// sit next to the one-line error, and that secrets never reach them.
#include "plugin/ops/log.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/quote.h"
#include "tests/support/run.h"

using nlohmann::json;
using pullguard::LogLevel;
using pullguard::testing::Run;
using pullguard::testing::RunResult;
using pullguard::testing::TempDir;

namespace {

const char* kPassword = "log-test-Pa55word-SENTINEL";
const char* kToken = "eyJhbGciOi.log-test-TOKEN-SENTINEL.sig";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct Fixture {
  TempDir dir;
  std::string config;
  Fixture() {
    std::string pw = dir.Write("alice.pw", std::string(kPassword) + "\n", 0600);
    config = dir.Write("config.yaml",
                       "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n"
                       "stateDir: " +
                           dir.path() +
                           "/state\n"
                           "registries:\n"
                           "  - match: [\"registry.internal:5000\"]\n"
                           "    static: {username: alice, passwordFile: " +
                           pw + "}\n",
                       0644);
  }
  RunResult Get(const std::vector<std::string>& extra, const std::string& image,
                const std::map<std::string, std::string>& environ = {}) {
    std::vector<std::string> argv = extra;
    argv.push_back("get-credentials");
    argv.push_back("--config=" + config);
    std::string req =
        R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
        R"("serviceAccountToken":")" +
        std::string(kToken) + R"(","image":")" + image + R"("})";
    return Run(argv, req, environ);
  }
};

}  // namespace

TEST_CASE("log levels parse; unknown ones do not") {
  CHECK(pullguard::ParseLogLevel("debug") == LogLevel::kDebug);
  CHECK(pullguard::ParseLogLevel("info") == LogLevel::kInfo);
  CHECK(pullguard::ParseLogLevel("warn") == LogLevel::kWarn);
  CHECK(pullguard::ParseLogLevel("warning") == LogLevel::kWarn);
  CHECK(pullguard::ParseLogLevel("error") == LogLevel::kError);
  CHECK(pullguard::ParseLogLevel("off") == LogLevel::kOff);
  CHECK_FALSE(pullguard::ParseLogLevel("INFO"));
  CHECK_FALSE(pullguard::ParseLogLevel(""));
  CHECK(pullguard::kDefaultLogLevel == LogLevel::kWarn);
}

TEST_CASE("a record is one JSON line: time, level, event, command, then the fields") {
  pullguard::Secret secret(kPassword);
  std::string text = pullguard::FormatLogRecord(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1764590400123)),
      LogLevel::kInfo, "get-credentials", "x.y",
      {{"image", "reg/app\nwith newline"},
       {"n", 3},
       {"ok", true},
       {"s", 0.5},
       {"password", secret},
       {"level", "spoofed"},
       {"bad", std::string("\xff\xfe", 2)}});
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find(kPassword) == std::string::npos);
  auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"time", "level", "event", "command", "image", "n", "ok",
                                         "s", "password", "field.level", "bad"});
  CHECK(j["time"] == "2025-12-01T12:00:00.123Z");
  CHECK(j["level"] == "info");
  CHECK(j["event"] == "x.y");
  CHECK(j["image"] == "reg/app\nwith newline");
  CHECK(j["n"] == 3);
  CHECK(j["ok"] == true);
  CHECK(j["password"] == "<redacted>");
  CHECK(j["field.level"] == "spoofed");
  CHECK(j["bad"] == "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("a record is at most 1 KiB: long string values are cut, the JSON stays whole") {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764590400123));
  const std::string image = "registry.internal:5000/" + std::string(4096, 'a') + ":1";
  // Escapes (a control byte is six bytes in the line, one in memory), multi-byte characters that
  // must not be split, invalid UTF-8 (three bytes of U+FFFD each), and two long values at once.
  const std::string controls(2048, '\x01');
  std::string accents;
  for (int i = 0; i < 1500; ++i) accents += "\xc3\xa9";
  const std::string invalid(2000, '\xff');
  for (const std::string& big : {image, controls, accents, invalid}) {
    std::string text =
        pullguard::FormatLogRecord(t, LogLevel::kDebug, "get-credentials", "request.decoded",
                                   {{"image", big},
                                    {"config", "/etc/pullguard/config.yaml"},
                                    {"other", accents},
                                    {"registries", 2},
                                    {"serviceAccountToken", true}});
    INFO(text.substr(0, 200));
    CHECK(text.size() <= pullguard::kMaxErrorLineBytes);
    auto j = nlohmann::ordered_json::parse(text);  // throws if the JSON was cut
    std::vector<std::string> keys;
    for (auto& [k, v] : j.items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"time", "level", "event", "command", "image", "config",
                                           "other", "registries", "serviceAccountToken",
                                           "truncated"});
    CHECK(j["truncated"] == true);
    CHECK(j["event"] == "request.decoded");
    CHECK(j["config"] == "/etc/pullguard/config.yaml");  // short values stay whole
    CHECK(j["registries"] == 2);
    const std::string cut = j["image"];
    CHECK(cut.size() > pullguard::kLogCutMark.size());
    CHECK(cut.ends_with(pullguard::kLogCutMark));
    if (big == image) CHECK(image.starts_with(cut.substr(0, cut.size() - 10)));
  }
  // A record that fits is written as before, without the mark.
  std::string small = pullguard::FormatLogRecord(t, LogLevel::kDebug, "get-credentials", "x",
                                                 {{"image", std::string(800, 'b')}});
  CHECK(small.find("truncated") == std::string::npos);
  CHECK(nlohmann::json::parse(small)["image"] == std::string(800, 'b'));
}

TEST_CASE("--log-level=debug with a 4 KiB image: every stderr line is at most 1 KiB") {
  Fixture f;
  const std::string image = "registry.internal:5000/" + std::string(4096, 'a') + ":1";
  auto r = f.Get({"--log-level=debug"}, image);
  bool decoded = false;
  for (const std::string& l : Lines(r.err)) {
    INFO(l.substr(0, 200));
    CHECK(l.size() <= pullguard::kMaxErrorLineBytes);
    if (l.empty() || l[0] != '{') continue;  // the one error line, if the image is refused
    json j = json::parse(l);
    if (j["event"] == "request.decoded") {
      decoded = true;
      CHECK(j["truncated"] == true);
      const std::string cut = j["image"];
      CHECK(cut.ends_with(pullguard::kLogCutMark));
      CHECK(image.starts_with(cut.substr(0, cut.size() - pullguard::kLogCutMark.size())));
      CHECK(j["serviceAccountToken"] == true);
    }
  }
  CHECK(decoded);
}

TEST_CASE("nothing is logged outside a scope or below its level") {
  CHECK_FALSE(pullguard::LogEnabled(LogLevel::kError));
  pullguard::StringOutput out;
  {
    pullguard::LogScope scope(
        LogLevel::kWarn, out, [] { return std::chrono::system_clock::now(); }, "t");
    CHECK_FALSE(pullguard::LogEnabled(LogLevel::kInfo));
    CHECK(pullguard::LogEnabled(LogLevel::kWarn));
    pullguard::Log(LogLevel::kInfo, "quiet");
    pullguard::Log(LogLevel::kError, "loud", {{"k", "v"}});
    {
      pullguard::LogScope off(
          LogLevel::kOff, out, [] { return std::chrono::system_clock::now(); }, "t");
      CHECK_FALSE(pullguard::LogEnabled(LogLevel::kError));
    }
    CHECK(pullguard::LogEnabled(LogLevel::kWarn));
  }
  CHECK_FALSE(pullguard::LogEnabled(LogLevel::kError));
  auto lines = Lines(out.text);
  REQUIRE(lines.size() == 1);
  CHECK(json::parse(lines[0])["event"] == "loud");
}

TEST_CASE("default level: a successful get-credentials writes nothing on stderr") {
  Fixture f;
  auto r = f.Get({}, "registry.internal:5000/app:1");
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
  CHECK_FALSE(r.out.empty());
}

TEST_CASE("--log-level=debug: every stderr line is a JSON record, none holds a secret") {
  Fixture f;
  for (auto argv : {std::vector<std::string>{"--log-level=debug"},
                    std::vector<std::string>{"--log-level", "debug"}}) {
    auto r = f.Get(argv, "registry.internal:5000/app:1");
    REQUIRE(r.rc == 0);
    CHECK(r.out.find(kPassword) != std::string::npos);  // the response itself carries it
    CHECK(r.err.find(kPassword) == std::string::npos);
    CHECK(r.err.find(kToken) == std::string::npos);
    std::vector<std::string> events;
    for (const std::string& l : Lines(r.err)) {
      json j = json::parse(l);
      CHECK(j["command"] == "get-credentials");
      events.push_back(j["event"]);
      if (j["event"] == "request.done") {
        CHECK(j["outcome"] == "ok");
        CHECK(j["seconds"].is_number());
      }
      if (j["event"] == "request.decoded") CHECK(j["serviceAccountToken"] == true);
      if (j["event"] == "response.ready") CHECK(j["authKeys"] == "registry.internal:5000");
    }
    CHECK(events == std::vector<std::string>{"request.decoded", "entry.answered", "response.ready",
                                             "request.done"});
  }
}

TEST_CASE("$PULLGUARD_LOG_LEVEL sets the level; the flag wins over it") {
  Fixture f;
  auto env_info = f.Get({}, "registry.internal:5000/app", {{"PULLGUARD_LOG_LEVEL", "info"}});
  CHECK(env_info.rc == 0);
  CHECK(Lines(env_info.err).size() == 2);  // response.ready, request.done
  auto flag_off =
      f.Get({"--log-level=off"}, "registry.internal:5000/app", {{"PULLGUARD_LOG_LEVEL", "debug"}});
  CHECK(flag_off.rc == 0);
  CHECK(flag_off.err.empty());
}

TEST_CASE("errors stay one plain line at the default level; JSON records only add to it") {
  Fixture f;
  auto quiet = f.Get({}, "registry.internal:5000/has space");
  CHECK(quiet.rc == 1);
  CHECK(quiet.out.empty());
  CHECK(Lines(quiet.err).size() == 1);
  CHECK(quiet.err.rfind("pullguard get-credentials: ", 0) == 0);

  auto loud = f.Get({"--log-level=info"}, "registry.internal:5000/has space");
  CHECK(loud.rc == 1);
  CHECK(loud.out.empty());
  int plain = 0;
  for (const std::string& l : Lines(loud.err)) {
    if (l.rfind("pullguard get-credentials: ", 0) == 0) {
      ++plain;
      continue;
    }
    json j = json::parse(l);
    CHECK(j["event"] == "request.done");
    CHECK(j["outcome"] == "invalid_request");
  }
  CHECK(plain == 1);
  CHECK(loud.err.find(kToken) == std::string::npos);
}

TEST_CASE("a bad log level is one line, exit 2, nothing on stdout") {
  auto r = Run({"--log-level=loud", "version"});
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "pullguard version: --log-level \"loud\" is not one of debug, info, warn, error, "
        "off (see 'pullguard --help')\n");
  auto e = Run({"version"}, "", {{"PULLGUARD_LOG_LEVEL", "verbose"}});
  CHECK(e.rc == 2);
  CHECK(e.err.find("PULLGUARD_LOG_LEVEL \"verbose\"") != std::string::npos);
  auto missing = Run({"version", "--log-level"});
  CHECK(missing.rc == 2);
  CHECK(missing.err == "pullguard version: --log-level needs a level (see 'pullguard --help')\n");
  // The flag may sit anywhere before "--"; the command never sees it.
  auto after = Run({"version", "--log-level=error"});
  CHECK(after.rc == 0);
  CHECK(after.err.empty());
}
