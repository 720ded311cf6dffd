// The acr source's requests and answers (see the header). The request forms follow Azure's docs:
// IMDS "How to use managed identities for Azure resources on an Azure VM to acquire an access
// token", Microsoft identity platform "client credentials flow: second case, access token request
// with a federated credential", and ACR's "AAD-OAuth" (POST /oauth2/exchange).
#include "plugin/sources/acr_protocol.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/strict_json.h"
#include "plugin/sources/acr_endpoints.h"
#include "plugin/sources/exchange_context.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

// Longer than any Entra ID token lives (IMDS's last 24 h at most): an absurd expiry from a broken
// server must not keep a token in the cache for years.
constexpr std::chrono::hours kMaxTokenLife{24};
constexpr std::chrono::seconds kDefaultTokenLife{60};
constexpr std::size_t kMaxSummary = 300;

registry::HttpRequest FormPost(const std::string& url,
                               std::vector<std::pair<std::string, std::string>> form) {
  registry::HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = registry::FormEncode(form);
  for (auto& [name, value] : form) std::fill(value.begin(), value.end(), '\0');
  req.content_type = "application/x-www-form-urlencoded";
  req.headers.emplace_back("Accept", "application/json");
  // A form holding a token is never re-sent somewhere else.
  req.follow_redirects = false;
  return req;
}

// A whole number of seconds from a JSON number or a string of digits (IMDS writes "3599").
std::optional<long long> Seconds(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return std::nullopt;
  if (it->is_number()) {
    double v = it->get<double>();
    if (!(v >= 0 && v < 1e11)) return std::nullopt;
    return static_cast<long long>(v);
  }
  if (!it->is_string()) return std::nullopt;
  const std::string& s = it->get_ref<const std::string&>();
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v < 0 || v >= 100000000000) {
    return std::nullopt;
  }
  return v;
}

std::string StringAt(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

registry::HttpRequest ImdsTokenRequest(const std::string& token_url, const std::string& client_id) {
  registry::HttpRequest req;
  req.url = token_url + "?api-version=" + std::string(kImdsApiVersion) +
            "&resource=" + registry::PercentEncode(kAcrResource);
  if (!client_id.empty()) req.url += "&client_id=" + registry::PercentEncode(client_id);
  req.headers.emplace_back("Metadata", "true");
  req.headers.emplace_back("Accept", "application/json");
  req.follow_redirects = false;
  return req;
}

registry::HttpRequest EntraAssertionRequest(const std::string& token_url,
                                            const std::string& client_id, const Secret& assertion) {
  return FormPost(token_url, {{"grant_type", "client_credentials"},
                              {"client_id", client_id},
                              {"client_assertion_type", std::string(kJwtBearerAssertionType)},
                              {"client_assertion", assertion.reveal()},
                              {"scope", std::string(kAcrScope)}});
}

registry::HttpRequest AcrExchangeRequest(const std::string& exchange_url,
                                         const std::string& service, const std::string& tenant,
                                         const Secret& access_token) {
  std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "access_token"},
                                                           {"service", service}};
  if (!tenant.empty()) form.emplace_back("tenant", tenant);
  form.emplace_back("access_token", access_token.reveal());
  return FormPost(exchange_url, std::move(form));
}

Result<AzureToken> ParseAzureToken(std::string_view body, system_clock::time_point now) {
  auto parsed = ParseStrictJson(body, "token answer");
  if (!parsed.ok()) return MakeError(ErrorKind::kCorrupt, parsed.error().message);
  const nlohmann::json& j = *parsed;
  if (!j.is_object()) return MakeError(ErrorKind::kCorrupt, "token answer is not a JSON object");
  std::string token = StringAt(j, "access_token");
  if (token.empty()) return MakeError(ErrorKind::kCorrupt, "token answer holds no access_token");
  // As every token from the network (registry::ParseTokenResponse): a control character is a
  // broken or hostile answer, never sent on (found by azure_answers_fuzz).
  if (registry::HasControlCharacter(token)) {
    return MakeError(ErrorKind::kCorrupt, "token answer's access_token holds a control character");
  }
  AzureToken out;
  out.token = Secret(std::move(token));
  out.issued_at = now;
  // Capped in seconds before any time_point arithmetic: 1e11 s in system_clock's nanoseconds
  // would overflow.
  const long long max_life = std::chrono::seconds(kMaxTokenLife).count();
  const long long now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::optional<system_clock::time_point> expires;
  if (auto in = Seconds(j, "expires_in"); in && *in >= 1) {
    expires = now + std::chrono::seconds(std::min(*in, max_life));
  } else if (auto on = Seconds(j, "expires_on"); on && *on >= 1) {
    expires = system_clock::time_point(std::chrono::seconds(std::min(*on, now_s + max_life)));
  } else {
    expires = PeekJwtClaims(out.token).expires_at;
  }
  out.expires_at = std::min(expires.value_or(now + kDefaultTokenLife), now + kMaxTokenLife);
  return out;
}

Result<Secret> ParseAcrRefreshToken(std::string_view body) {
  auto parsed = ParseStrictJson(body, "exchange answer");
  if (!parsed.ok()) return MakeError(ErrorKind::kCorrupt, parsed.error().message);
  if (!parsed->is_object()) {
    return MakeError(ErrorKind::kCorrupt, "exchange answer is not a JSON object");
  }
  std::string token = StringAt(*parsed, "refresh_token");
  if (token.empty())
    return MakeError(ErrorKind::kCorrupt, "exchange answer holds no refresh_token");
  // It becomes kubelet's password: a control character would break the runtime's header.
  if (registry::HasControlCharacter(token)) {
    return MakeError(ErrorKind::kCorrupt,
                     "exchange answer's refresh_token holds a control character");
  }
  return Secret(std::move(token));
}

std::string AzureErrorSummary(std::string_view body, const std::vector<const Secret*>& secrets) {
  auto parsed = ParseStrictJson(body, "error answer");
  if (!parsed.ok() || !parsed->is_object()) return "";
  const nlohmann::json& j = *parsed;
  std::string text = StringAt(j, "error");
  std::string description = StringAt(j, "error_description");
  // Entra ID appends "\r\nTrace ID: ...\r\nCorrelation ID: ..." lines: the first line is the news.
  description = description.substr(0, description.find_first_of("\r\n"));
  if (!description.empty()) text += (text.empty() ? "" : ": ") + description;
  if (text.empty()) {
    auto errors = j.find("errors");  // ACR (distribution's error shape)
    if (errors != j.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
      text = StringAt((*errors)[0], "code");
      std::string message = StringAt((*errors)[0], "message");
      if (!message.empty()) text += (text.empty() ? "" : ": ") + message;
    }
  }
  for (const Secret* s : secrets) {
    const std::string& v = s->reveal();
    if (v.empty()) continue;
    for (std::size_t at = text.find(v); at != std::string::npos;
         at = text.find(v, at + std::string_view("<redacted>").size())) {
      text.replace(at, v.size(), "<redacted>");
    }
  }
  // A server that quotes a token back (a JWT starts with the base64 of '{"'): never print it.
  for (std::size_t at = text.find("eyJ"); at != std::string::npos; at = text.find("eyJ", at)) {
    std::size_t end = text.find_first_of(" '\",;", at);
    text.replace(at, (end == std::string::npos ? text.size() : end) - at, "<redacted>");
  }
  std::string out;
  for (char c : text) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (out.size() > kMaxSummary) out = out.substr(0, kMaxSummary - 3) + "...";
  return out;
}

}  // namespace pullguard
