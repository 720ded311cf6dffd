// The tokenExchange source (KEP-4412): the pod's service-account token is exchanged at an RFC 8693
// endpoint for an access token, which kubelet receives as the password under a fixed username.
#include <string>
#include <vector>

#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/source.h"
#include "plugin/sources/token_exchange.h"
#include "registry/url.h"

namespace pullguard {
namespace {

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
    TokenExchangeRequest request;
    request.url = spec_.endpoint;
    request.endpoint = *endpoint;
    request.audience = spec_.audience;
    request.scope = spec_.scope;
    auto url = registry::ParseUrl(spec_.endpoint);
    request.where = "tokenExchange: " + (url.ok() ? url->Redacted() : std::string("the endpoint"));
    bool fetched = false;
    auto token = cache.GetOrFetch(
        key, ctx.now, [&] { return ExchangeServiceAccountToken(request, ctx); }, &fetched);
    if (token.ok()) NoteTokenLookup(fetched);
    return token;
  }

  TokenExchangeSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeTokenExchangeSource(const TokenExchangeSourceSpec& spec,
                                                const std::vector<std::string>& patterns) {
  return std::make_unique<TokenExchangeSource>(spec, patterns);
}

}  // namespace pullguard
