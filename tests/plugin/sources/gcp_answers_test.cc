// Google's token answers read as values (plugin/sources/gcp_answers.h): the metadata server's
// token, generateAccessToken's answer and google.rpc.Status errors. The gcp source's own tests
// (gcp_source_test.cc) cover them through the source; these pin the edges the fuzz target found.
#include "plugin/sources/gcp_answers.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace pullguard {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point kNow{seconds(1764633600)};  // 2025-12-02T00:00:00Z

TEST_CASE("gcp answers: generateAccessToken's expireTime, capped at an hour", "[gcp]") {
  auto t = ParseGenerateAccessTokenAnswer(
      R"({"accessToken":"ya29.abc","expireTime":"2025-12-02T00:59:59Z"})", kNow);
  REQUIRE(t.ok());
  CHECK(t->token.reveal() == "ya29.abc");
  CHECK(t->issued_at == kNow);
  CHECK(t->expires_at == kNow + seconds(3599));
  auto skew = ParseGenerateAccessTokenAnswer(
      R"({"accessToken":"ya29.abc","expireTime":"2025-12-02T03:00:00+01:00"})", kNow);
  REQUIRE(skew.ok());
  CHECK(skew->expires_at == kNow + seconds(3600));
}

TEST_CASE("gcp answers: an expireTime outside system_clock's years is no overflow", "[gcp]") {
  // Year 9999 is 2.5e20 ns after 1970, past what 64-bit nanoseconds hold (2262): converted
  // first, it wrapped to a time before 1970 (UBSan: signed overflow; found by
  // google_answers_fuzz).
  auto late = ParseGenerateAccessTokenAnswer(
      R"({"accessToken":"ya29.abc","expireTime":"9999-12-31T23:59:59Z"})", kNow);
  REQUIRE(late.ok());
  CHECK(late->expires_at == kNow + kImpersonatedLifetime);
  auto early = ParseGenerateAccessTokenAnswer(
      R"({"accessToken":"ya29.abc","expireTime":"0001-01-01T00:00:00Z"})", kNow);
  REQUIRE(early.ok());
  CHECK(early->expires_at == system_clock::time_point{});  // expired, and no wrap
}

TEST_CASE("gcp answers: broken answers are kCorrupt without the body", "[gcp]") {
  for (const char* bad :
       {"", "[]", R"({"accessToken":"ya29.SECRET"})", R"({"accessToken":"a b","expireTime":"x"})",
        R"({"accessToken":"ya29.SECRET","expireTime":"soon"})",
        R"({"expireTime":"2025-12-02T00:00:00Z"})"}) {
    INFO(bad);
    auto t = ParseGenerateAccessTokenAnswer(bad, kNow);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::kCorrupt);
    CHECK(t.error().message.find("SECRET") == std::string::npos);
  }
  auto m = ParseMetadataTokenAnswer(R"({"access_token":"ya29 SECRET","expires_in":3599})", kNow);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("SECRET") == std::string::npos);
  CHECK(GoogleErrorStatus(R"({"error":{"code":403,"status":"PERMISSION_DENIED"}})") ==
        " PERMISSION_DENIED");
  CHECK(GoogleErrorStatus(R"({"error":{"status":"permission denied"}})").empty());
}

}  // namespace
}  // namespace pullguard
