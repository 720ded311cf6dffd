// ECR's GetAuthorizationToken answer and AWS error answers: the documented shapes, what is refused
// (never echoing the token), and the one-line errors for throttling, clock skew and refusals.
#include "plugin/sources/aws/ecr_api.h"

#include <catch2/catch.hpp>

#include "base/base64.h"
#include "plugin/sources/aws/aws_error.h"
#include "tests/support/fake_http_client.h"

using namespace pullguard;
using namespace pullguard::aws;
using pullguard::testing::Response;

namespace {

std::string Answer(const std::string& token, const std::string& expires = "1700043200.123") {
  return R"({"authorizationData":[{"authorizationToken":")" + token + R"(","expiresAt":)" +
         expires + R"(,"proxyEndpoint":"https://123456789012.dkr.ecr.us-west-2.amazonaws.com"}]})";
}

}  // namespace

TEST_CASE("ECR answer: user, password and expiry", "[ecr-api]") {
  auto a = ParseAuthorizationTokenAnswer(Answer(Base64Encode("AWS:pass:with:colons")));
  REQUIRE(a.ok());
  CHECK(a->username == "AWS");
  CHECK(a->password.reveal() == "pass:with:colons");
  CHECK(a->expires_at ==
        std::chrono::system_clock::time_point(std::chrono::milliseconds(1700043200123LL)));
  auto whole = ParseAuthorizationTokenAnswer(Answer(Base64Encode("AWS:p"), "1700043200"));
  REQUIRE(whole.ok());
  CHECK(whole->expires_at == std::chrono::system_clock::from_time_t(1700043200));
}

TEST_CASE("ECR answer: refusals never echo the token", "[ecr-api]") {
  const std::string secret = Base64Encode("AWS:SENTINEL-ecr-pw");
  const std::pair<std::string, const char*> bad[] = {
      {"", "GetAuthorizationToken answer"},
      {"[]", "not a JSON object"},
      {R"({"authorizationData":[]})", "no authorizationData"},
      {R"({"authorizationData":{}})", "no authorizationData"},
      {R"({"authorizationData":[1]})", "not an object"},
      {R"({"authorizationData":[{"expiresAt":1}]})", "no authorizationToken"},
      {Answer("not base64!" + secret), "not base64"},
      {Answer(Base64Encode("SENTINEL-ecr-pw")), "not <user>:<password>"},
      {Answer(Base64Encode(":SENTINEL-ecr-pw")), "not <user>:<password>"},
      {Answer(Base64Encode("AWS:")), "not <user>:<password>"},
      {Answer(Base64Encode("AWS:SENTINEL\n-ecr-pw")), "control character"},
      {R"({"authorizationData":[{"authorizationToken":")" + secret + R"("}]})", "no expiresAt"},
      {Answer(secret, "\"tomorrow\""), "expiresAt that is not a number"},
      {Answer(secret, "-5"), "odd expiresAt"},
      {Answer(secret, "1e300"), "odd expiresAt"},
      {R"({"authorizationData":[{"authorizationToken":"a","authorizationToken":"b"}]})",
       "duplicate"},
  };
  for (const auto& [json, needle] : bad) {
    INFO(json);
    auto a = ParseAuthorizationTokenAnswer(json);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kCorrupt);
    CHECK(a.error().message.find(needle) != std::string::npos);
    CHECK(a.error().message.find("SENTINEL") == std::string::npos);
    CHECK(a.error().message.find(secret) == std::string::npos);
  }
}

TEST_CASE("AWS errors: JSON protocol codes", "[aws-error]") {
  auto e = ParseJsonError(
      Response(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"));
  REQUIRE(e);
  CHECK(e->code == "ThrottlingException");
  CHECK(e->message == "Rate exceeded");
  // A namespaced __type, the header winning, "Message" spelled upper-case.
  auto n = ParseJsonError(
      Response(400, R"({"__type":"com.amazonaws.ecr#InvalidSignatureException","Message":"m"})",
               {{"x-amzn-errortype", "AccessDeniedException:http://internal.amazon.com/coral/"}}));
  REQUIRE(n);
  CHECK(n->code == "AccessDeniedException");
  CHECK(n->message == "m");
  CHECK_FALSE(ParseJsonError(Response(500, "<html>oops</html>")));
}

TEST_CASE("AWS errors: one line per class, no secrets", "[aws-error]") {
  auto now = std::chrono::system_clock::from_time_t(1700000000);  // Tue, 14 Nov 2023 22:13:20 GMT
  Secret token("SENTINEL-session-token");

  auto throttled =
      AwsCallError("ECR at x", Response(400), {"ThrottlingException", "Rate exceeded"}, now);
  CHECK(throttled.kind == ErrorKind::kUnavailable);
  CHECK(throttled.message == "ECR at x answered HTTP 400 ThrottlingException: Rate exceeded");

  auto skew = AwsCallError(
      "ECR at x", Response(400, "", {{"date", "Tue, 14 Nov 2023 21:58:20 GMT"}}),
      {"InvalidSignatureException",
       "Signature expired: 20231114T221320Z is now earlier than 20231114T215320Z (20231114T215820Z "
       "- 5 min.)"},
      now);
  CHECK(skew.kind == ErrorKind::kUnauthorized);
  CHECK(skew.message.find("the node's clock is 900 s ahead of AWS's") != std::string::npos);
  CHECK(skew.message.find("synchronise") != std::string::npos);
  auto behind = AwsCallError("STS", Response(403, "", {{"date", "Tue, 14 Nov 2023 22:33:20 GMT"}}),
                             {"SignatureDoesNotMatch", "Signature not yet current: ..."}, now);
  CHECK(behind.message.find("1200 s behind") != std::string::npos);
  auto undated = AwsCallError("STS", Response(400), {"RequestExpired", "x"}, now);
  CHECK(undated.message.find("more than 5 minutes off") != std::string::npos);

  // A signature error's message can quote the canonical request: never shown.
  auto sig = AwsCallError("ECR", Response(403),
                          {"InvalidSignatureException",
                           "The Canonical String for this request should have been\n'POST\n/\n"
                           "x-amz-security-token:SENTINEL-session-token'"},
                          now, {&token});
  CHECK(sig.kind == ErrorKind::kUnauthorized);
  CHECK(sig.message.find("SENTINEL") == std::string::npos);
  CHECK(sig.message.find("Canonical") == std::string::npos);

  auto denied = AwsCallError(
      "STS AssumeRole", Response(403),
      {"AccessDenied", "token SENTINEL-session-token is not authorized\nline 2"}, now, {&token});
  CHECK(denied.kind == ErrorKind::kUnauthorized);
  CHECK(denied.message ==
        "STS AssumeRole answered HTTP 403 AccessDenied: token <redacted> is not authorized");
  auto junk =
      AwsCallError("X", Response(500), {"InternalFailure", std::string(1000, 'a') + "\x01"}, now);
  CHECK(junk.kind == ErrorKind::kNetwork);
  CHECK(junk.message.size() < 320);
}
