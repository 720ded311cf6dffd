// The tokenExchange source (KEP-4412): the pod's service-account token is exchanged at an RFC 8693
// endpoint for an access token, which kubelet receives as the password under a fixed username.
#include <string>
#include <vector>

#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/source.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

constexpr const char* kGrantType = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr const char* kJwtTokenType = "urn:ietf:params:oauth:token-type:jwt";

class TokenExchangeSource : public ExchangeSource {
 public:
  TokenExchangeSource(TokenExchangeSourceSpec spec, std::vector<std::string> patterns)
      : ExchangeSource(std::move(patterns)), spec_(std::move(spec)) {}

  std::string_view kind() const override { return "tokenExchange"; }

 protected:
  Result<SourceAnswer> Exchange(const CredentialQuery&, const std::vector<std::string>& patterns,
                                const ExchangeContext& ctx, Env& env) const override {
    SourceAnswer out;
    if (ctx.service_account_token.empty()) {
      if (!spec_.require_service_account_token) return out;  // later entries answer
      return MakeError(ErrorKind::kInvalidArgument,
                       "tokenExchange: the request carries no serviceAccountToken (kubelet sends "
                       "one with tokenAttributes in its provider config; set "
                       "requireServiceAccountToken: false to fall back to node credentials)");
    }
    auto token = Exchange(ctx, env);
    if (!token.ok()) return token.error();
    for (const std::string& p : patterns) {
      out.auth.push_back(KeyedCredential{p, Credential{spec_.username, token->token}});
    }
    out.issued_at = token->issued_at;
    out.expires_at = token->expires_at;
    out.from_service_account = true;
    return out;
  }

 private:
  Result<registry::CachedToken> Exchange(const ExchangeContext& ctx, Env& env) const {
    auto endpoint = EndpointForUrl(spec_.endpoint);
    if (!endpoint.ok()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "tokenExchange.endpoint: " + endpoint.error().message);
    }
    auto subject =
        registry::CredentialKeyHash({"service-account-token", ctx.service_account_token.reveal()});
    registry::TokenCacheKey key{spec_.endpoint, subject,
                                "exchange\n" + spec_.audience + "\n" + spec_.scope};
    registry::TokenCache cache = TokenCacheFor(ctx, env);
    auto fetch = [&]() -> Result<registry::CachedToken> {
      std::vector<std::pair<std::string, std::string>> form = {
          {"grant_type", kGrantType},
          {"subject_token", ctx.service_account_token.reveal()},
          {"subject_token_type", kJwtTokenType},
      };
      if (!spec_.audience.empty()) form.emplace_back("audience", spec_.audience);
      if (!spec_.scope.empty()) form.emplace_back("scope", spec_.scope);
      registry::HttpRequest req;
      req.method = "POST";
      req.url = spec_.endpoint;
      req.body = registry::FormEncode(form);
      for (auto& [name, value] : form) std::fill(value.begin(), value.end(), '\0');
      req.content_type = "application/x-www-form-urlencoded";
      req.headers.emplace_back("Accept", "application/json");
      auto client = ctx.new_client(*endpoint);
      auto r = client->Send(req);
      std::string where = "tokenExchange: " + RedactedUrl(spec_.endpoint);
      if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
      if (r->status == 400 || r->status == 401 || r->status == 403) {
        return MakeError(
            ErrorKind::kUnauthorized,
            where + " refused the service-account token (HTTP " + std::to_string(r->status) + ")");
      }
      if (r->status < 200 || r->status > 299) {
        return MakeError(ErrorKind::kNetwork,
                         where + " answered HTTP " + std::to_string(r->status));
      }
      auto t = registry::ParseTokenResponse(r->body, ctx.now());
      if (!t.ok()) return MakeError(t.error().kind, where + ": " + t.error().message);
      // Kubelet discards a response whose password is the service-account token it sent; checked
      // here so that such an answer is never cached either.
      if (t->token == ctx.service_account_token) {
        return MakeError(ErrorKind::kUnauthorized,
                         where + " returned the service-account token itself; refusing to echo it");
      }
      return registry::CachedToken{t->token, Secret(), t->issued_at, t->expires_at};
    };
    bool fetched = false;
    auto token = cache.GetOrFetch(key, ctx.now, fetch, &fetched);
    if (token.ok()) NoteTokenLookup(fetched);
    return token;
  }

  static std::string RedactedUrl(const std::string& url) {
    auto u = registry::ParseUrl(url);
    return u.ok() ? u->Redacted() : std::string("the endpoint");
  }

  TokenExchangeSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeTokenExchangeSource(const TokenExchangeSourceSpec& spec,
                                                const std::vector<std::string>& patterns) {
  return std::make_unique<TokenExchangeSource>(spec, patterns);
}

}  // namespace pullguard
