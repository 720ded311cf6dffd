// The federatedToken source (Quay robot federation): GET the endpoint with Basic
// <robot>:<service-account token>; the answer's `token` is the robot's password for the registry.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/source.h"
#include "plugin/sources/token_exchange.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard {
namespace {

class FederatedTokenSource : public ExchangeSource {
 public:
  FederatedTokenSource(FederatedTokenSourceSpec spec, std::vector<std::string> patterns)
      : ExchangeSource(std::move(patterns)), spec_(std::move(spec)) {}

  std::string_view kind() const override { return "federatedToken"; }

 protected:
  Result<SourceAnswer> Exchange(const CredentialQuery&, const std::vector<std::string>& patterns,
                                const ExchangeContext& ctx, Env& env) const override {
    SourceAnswer out;
    if (ctx.service_account_token.empty()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "federatedToken: the request carries no serviceAccountToken (kubelet "
                       "sends one with tokenAttributes in its provider config)");
    }
    auto subject =
        registry::CredentialKeyHash({"service-account-token", ctx.service_account_token.reveal()});
    registry::TokenCacheKey key{spec_.endpoint, subject, "federated\n" + spec_.robot};
    registry::TokenCache cache = TokenCacheFor(ctx, env);
    bool fetched = false;
    auto token = cache.GetOrFetch(
        key, ctx.now, [&] { return Fetch(ctx); }, &fetched);
    if (!token.ok()) return token.error();
    NoteTokenLookup(fetched);
    for (const std::string& p : patterns) {
      out.auth.push_back(KeyedCredential{p, Credential{spec_.robot, token->token}});
    }
    out.issued_at = token->issued_at;
    out.expires_at = token->expires_at;
    out.from_service_account = true;
    return out;
  }

 private:
  Result<registry::CachedToken> Fetch(const ExchangeContext& ctx) const {
    auto url = registry::ParseUrl(spec_.endpoint);
    auto endpoint = EndpointForUrl(spec_.endpoint);
    if (!url.ok() || !endpoint.ok()) {
      return MakeError(ErrorKind::kInvalidArgument, "federatedToken.endpoint: not a URL");
    }
    std::string where = "federatedToken: " + url->Redacted();
    registry::HttpRequest req;
    req.url = spec_.endpoint;
    req.authorization = registry::BasicAuthorization(spec_.robot, ctx.service_account_token);
    req.headers.emplace_back("Accept", "application/json");
    auto client = ctx.new_client(*endpoint);
    auto r = client->Send(req);
    if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
    if (r->status == 401 || r->status == 403) {
      return MakeError(ErrorKind::kUnauthorized,
                       where + " refused the service-account token for robot " + spec_.robot +
                           " (HTTP " + std::to_string(r->status) + ")");
    }
    auto t = ReadExchangedToken(*r, where, ctx);
    if (!t.ok()) return t.error();
    registry::CachedToken out = *t;
    // Quay answers {"token": ...} without expires_in; the token's own `exp` is then the truth
    // rather than the 60 s default.
    nlohmann::json j = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && !j.contains("expires_in")) {
      if (auto exp = PeekJwtClaims(t->token).expires_at) out.expires_at = *exp;
    }
    return out;
  }

  FederatedTokenSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeFederatedTokenSource(const FederatedTokenSourceSpec& spec,
                                                 const std::vector<std::string>& patterns) {
  return std::make_unique<FederatedTokenSource>(spec, patterns);
}

}  // namespace pullguard
