// The RFC 8693 exchange shared by the tokenExchange and gcp sources.
#include "plugin/sources/token_exchange.h"

#include <algorithm>
#include <vector>

#include "base/strict_json.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard {
namespace {

// RFC 6749 section 5.2: `error` is one of a few ASCII codes ("invalid_grant"). Anything else in
// that field is not shown: a hostile server must not write into pullguard's error line.
std::string OAuthErrorCode(const std::string& body) {
  auto j = ParseStrictJson(body, "error answer");
  if (!j.ok() || !j->is_object()) return {};
  auto e = j->find("error");
  if (e == j->end() || !e->is_string()) return {};
  const std::string& code = e->get_ref<const std::string&>();
  bool plain = !code.empty() && code.size() <= 64 &&
               std::all_of(code.begin(), code.end(),
                           [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
  return plain ? code : std::string();
}

}  // namespace

Result<registry::CachedToken> ExchangeServiceAccountToken(const TokenExchangeRequest& request,
                                                          const ExchangeContext& ctx) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", kTokenExchangeGrant},
      {"subject_token", ctx.service_account_token.reveal()},
      {"subject_token_type", kJwtTokenType},
  };
  if (!request.audience.empty()) form.emplace_back("audience", request.audience);
  if (!request.scope.empty()) form.emplace_back("scope", request.scope);
  if (!request.requested_token_type.empty()) {
    form.emplace_back("requested_token_type", request.requested_token_type);
  }
  registry::HttpRequest req;
  req.method = "POST";
  req.url = request.url;
  req.body = registry::FormEncode(form);
  for (auto& [name, value] : form) std::fill(value.begin(), value.end(), '\0');
  req.content_type = "application/x-www-form-urlencoded";
  req.headers.emplace_back("Accept", "application/json");
  auto client = ctx.new_client(request.endpoint);
  auto r = client->Send(req);
  const std::string& where = request.where;
  if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
  if (r->status == 400 || r->status == 401 || r->status == 403) {
    std::string code = OAuthErrorCode(r->body);
    return MakeError(ErrorKind::kUnauthorized, where + " refused the service-account token (HTTP " +
                                                   std::to_string(r->status) + ")" +
                                                   (code.empty() ? "" : ": " + code));
  }
  return ReadExchangedToken(*r, where, ctx);
}

Result<registry::CachedToken> ReadExchangedToken(const registry::HttpResponse& response,
                                                 const std::string& where,
                                                 const ExchangeContext& ctx) {
  if (response.status < 200 || response.status > 299) {
    return MakeError(ErrorKind::kNetwork,
                     where + " answered HTTP " + std::to_string(response.status));
  }
  auto t = registry::ParseTokenResponse(response.body, ctx.now());
  if (!t.ok()) return MakeError(t.error().kind, where + ": " + t.error().message);
  PG_TRY(RefuseEcho(t->token, where, ctx));
  return registry::CachedToken{t->token, Secret(), t->issued_at, t->expires_at};
}

Status RefuseEcho(const Secret& token, const std::string& where, const ExchangeContext& ctx) {
  if (token == ctx.service_account_token) {
    return MakeError(ErrorKind::kUnauthorized,
                     where + " returned the service-account token itself; refusing to echo it");
  }
  return Status::Ok();
}

}  // namespace pullguard
