// The request and answer shapes are ECR's API reference (GetAuthorizationToken,
// AuthorizationData) and the JSON 1.1 protocol as botocore's ecr service model declares it
// (jsonVersion 1.1, targetPrefix AmazonEC2ContainerRegistry_V20150921, signingName ecr).
#include "plugin/sources/aws/ecr_api.h"

#include <cmath>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/strict_json.h"
#include "plugin/sources/aws/aws_call.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard::aws {
namespace {

Error Corrupt(const std::string& why) {
  return MakeError(ErrorKind::kCorrupt, "the GetAuthorizationToken answer " + why);
}

}  // namespace

Result<EcrAuthorization> ParseAuthorizationTokenAnswer(std::string_view json) {
  auto j = ParseStrictJson(json, "GetAuthorizationToken answer");
  if (!j.ok()) return MakeError(ErrorKind::kCorrupt, j.error().message);
  if (!j->is_object()) return Corrupt("is not a JSON object");
  auto list = j->find("authorizationData");
  if (list == j->end() || !list->is_array() || list->empty()) {
    return Corrupt("has no authorizationData");
  }
  const nlohmann::json& d = (*list)[0];
  if (!d.is_object()) return Corrupt("has an authorizationData entry that is not an object");
  auto token = d.find("authorizationToken");
  if (token == d.end() || !token->is_string()) return Corrupt("has no authorizationToken");
  auto decoded = GoBase64Decode(token->get_ref<const std::string&>(), /*padded=*/true);
  if (!decoded) return Corrupt("has an authorizationToken that is not base64");
  Secret plain(std::move(*decoded));
  std::size_t colon = plain.reveal().find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == plain.reveal().size()) {
    return Corrupt("has an authorizationToken that is not <user>:<password>");
  }
  if (registry::HasControlCharacter(plain.reveal())) {
    return Corrupt("has a control character in its authorizationToken");
  }
  auto exp = d.find("expiresAt");
  if (exp == d.end()) return Corrupt("has no expiresAt");
  if (!exp->is_number()) return Corrupt("has an expiresAt that is not a number (epoch seconds)");
  double at = exp->get<double>();
  // Epoch seconds within 1970..2200; anything else is no real answer.
  if (!std::isfinite(at) || at <= 0 || at > 7258118400.0) return Corrupt("has an odd expiresAt");
  EcrAuthorization out;
  out.username = plain.reveal().substr(0, colon);
  out.password = Secret(plain.reveal().substr(colon + 1));
  // `at` is positive here, so truncation is floor (no std::floor: it alone would make every exec
  // load libm, docs/BENCHMARKS.md).
  out.expires_at = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(static_cast<long long>(at * 1000)));
  return out;
}

Result<EcrAuthorization> GetAuthorizationToken(const ExchangeContext& ctx, const AwsEndpoint& ecr,
                                               const std::string& region,
                                               const AwsCredentials& credentials) {
  std::string where = "ECR GetAuthorizationToken at " + ecr.url;
  auto url = registry::ParseUrl(ecr.url + "/");
  if (!url.ok()) return MakeError(ErrorKind::kInvalidArgument, where + ": " + url.error().message);
  std::string host = url->Origin().substr(url->Origin().find("://") + 3);
  const std::string kContentType = "application/x-amz-json-1.1";
  auto build = [&]() {
    registry::HttpRequest req;
    req.method = "POST";
    req.url = url->ToString();
    req.body = Secret("{}");
    req.content_type = kContentType;
    req.follow_redirects = false;
    req.headers = {{"Host", host},
                   {"X-Amz-Target", std::string(kGetAuthorizationTokenTarget)},
                   {"Accept", "application/json"}};
    SigV4Request s{"POST", url->path, url->query, req.headers, "{}"};
    s.headers.emplace_back("Content-Type", kContentType);
    SigV4Signature sig = SignV4(s, credentials, region, "ecr", ctx.now());
    for (const auto& h : s.headers) {
      if (AsciiEqualFold(h.first, "x-amz-date") ||
          AsciiEqualFold(h.first, "x-amz-security-token")) {
        req.headers.push_back(h);
      }
    }
    req.authorization = sig.authorization;
    return req;
  };
  auto client = ctx.new_client(ecr.transport);
  AwsCallOptions options;
  options.deadline = ctx.deadline;
  auto r = CallWithRetries(*client, build, ParseJsonError, options);
  if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
  if (r->error) {
    Error e = AwsCallError(where, r->response, *r->error, ctx.now(), {&credentials.session_token});
    if (IsThrottling(r->error->code)) {
      e.message += " (after " + std::to_string(r->attempts) +
                   " attempts; ECR limits GetAuthorizationToken calls per account and region)";
    }
    return e;
  }
  if (r->response.status < 200 || r->response.status > 299) {
    return StatusError(where, r->response.status);
  }
  auto a = ParseAuthorizationTokenAnswer(r->response.body);
  if (!a.ok()) return MakeError(a.error().kind, where + ": " + a.error().message);
  return a;
}

}  // namespace pullguard::aws
