// Error codes from the AWS SDKs' retry and credential documentation: throttling codes as the
// standard retry mode lists them, clock-skew codes and messages as botocore's ClockSkew handling
// recognises them.
#include "plugin/sources/aws/aws_error.h"

#include <nlohmann/json.hpp>

#include "registry/http_date.h"

namespace pullguard::aws {
namespace {

// "com.amazon.coral.availability#ThrottlingException" or "ThrottlingException:http://..." ->
// "ThrottlingException".
std::string BareCode(std::string_view code) {
  if (auto hash = code.rfind('#'); hash != std::string_view::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string_view::npos) code = code.substr(0, colon);
  while (!code.empty() && code.back() == ' ') code.remove_suffix(1);
  return std::string(code.substr(0, 128));
}

bool IsSignatureCode(std::string_view code) {
  return code == "InvalidSignatureException" || code == "SignatureDoesNotMatch" ||
         code == "IncompleteSignature" || code == "InvalidSignature" ||
         code == "RequestTimeTooSkewed" || code == "RequestExpired";
}

std::string Clean(std::string text, std::initializer_list<const Secret*> secrets) {
  for (const Secret* s : secrets) {
    if (s == nullptr || s->reveal().size() < 4) continue;
    for (std::size_t at; (at = text.find(s->reveal())) != std::string::npos;) {
      text.replace(at, s->reveal().size(), "<redacted>");
    }
  }
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') break;
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
    if (out.size() >= 240) {
      out += "...";
      break;
    }
  }
  return out;
}

}  // namespace

std::optional<AwsErrorAnswer> ParseJsonError(const registry::HttpResponse& response) {
  AwsErrorAnswer e;
  if (auto h = response.Header("x-amzn-errortype")) e.code = BareCode(*h);
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    for (const char* key : {"__type", "code", "Code"}) {
      auto it = j.find(key);
      if (e.code.empty() && it != j.end() && it->is_string())
        e.code = BareCode(it->get<std::string>());
    }
    for (const char* key : {"message", "Message"}) {
      auto it = j.find(key);
      if (e.message.empty() && it != j.end() && it->is_string()) e.message = *it;
    }
  }
  if (e.code.empty()) return std::nullopt;
  return e;
}

bool IsThrottling(std::string_view code) {
  return code == "ThrottlingException" || code == "Throttling" ||
         code == "TooManyRequestsException" || code == "RequestLimitExceeded" ||
         code == "ProvisionedThroughputExceededException" || code == "RequestThrottled" ||
         code == "RequestThrottledException" || code == "SlowDown" ||
         code == "PriorRequestNotComplete" || code == "ThrottledException";
}

bool IsClockSkew(const AwsErrorAnswer& e) {
  if (e.code == "RequestTimeTooSkewed" || e.code == "RequestExpired") return true;
  if (!IsSignatureCode(e.code)) return false;
  return e.message.find("Signature expired") != std::string::npos ||
         e.message.find("not yet current") != std::string::npos;
}

Error AwsCallError(std::string_view where, const registry::HttpResponse& response,
                   const AwsErrorAnswer& error, std::chrono::system_clock::time_point now,
                   std::initializer_list<const Secret*> secrets) {
  std::string head = std::string(where) + " answered HTTP " + std::to_string(response.status) +
                     " " + Clean(error.code, {});
  if (IsClockSkew(error)) {
    std::string skew = "the node's clock is more than 5 minutes off AWS's time";
    if (auto date = response.Header("date")) {
      if (auto server = registry::ParseHttpDate(*date)) {
        auto s = std::chrono::duration_cast<std::chrono::seconds>(now - *server).count();
        skew = "the node's clock is " + std::to_string(s < 0 ? -s : s) + " s " +
               (s >= 0 ? "ahead of" : "behind") + " AWS's (its Date header)";
      }
    }
    return MakeError(ErrorKind::kUnauthorized,
                     head + ": the signature's time was refused: " + skew +
                         "; synchronise the clock (chrony, systemd-timesyncd)");
  }
  if (IsSignatureCode(error.code)) {
    // The message may quote the canonical request, session token included.
    return MakeError(ErrorKind::kUnauthorized,
                     head +
                         ": the request signature was refused (wrong secret key or session "
                         "token for this access key?)");
  }
  std::string msg = Clean(error.message, secrets);
  std::string text = head + (msg.empty() ? "" : ": " + msg);
  if (IsThrottling(error.code)) return MakeError(ErrorKind::kUnavailable, text);
  bool refused = response.status == 401 || response.status == 403 ||
                 error.code.find("AccessDenied") != std::string::npos ||
                 error.code.find("Token") != std::string::npos ||
                 error.code == "UnrecognizedClientException" || error.code == "IDPRejectedClaim" ||
                 error.code == "UnauthorizedOperation" || error.code == "NotAuthorized";
  return MakeError(refused ? ErrorKind::kUnauthorized : ErrorKind::kNetwork, text);
}

Error StatusError(std::string_view where, int status) {
  return MakeError(status == 401 || status == 403 ? ErrorKind::kUnauthorized : ErrorKind::kNetwork,
                   std::string(where) + " answered HTTP " + std::to_string(status));
}

}  // namespace pullguard::aws
