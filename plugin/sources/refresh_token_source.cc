// The refreshToken source (the ACR convention): the node credential logs in once with
// grant_type=password and access_type=offline; kubelet receives the refresh token under the fixed
// username, so the long-lived password never leaves the node.
#include <string>
#include <vector>

#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/source.h"
#include "registry/authorize.h"
#include "registry/token_flow.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

constexpr const char* kRefreshUsername = "00000000-0000-0000-0000-000000000000";

class RefreshTokenSource : public ExchangeSource {
 public:
  explicit RefreshTokenSource(RefreshTokenSourceSpec spec, std::vector<std::string> patterns)
      : ExchangeSource(std::move(patterns)), spec_(std::move(spec)) {}

  std::string_view kind() const override { return "refreshToken"; }

  Status Check(Env& env) const override {
    auto pw = LoginPassword(spec_.login, "refreshToken", env);
    if (!pw.ok()) return pw.error();
    return Status::Ok();
  }

 protected:
  Result<SourceAnswer> Exchange(const CredentialQuery& q,
                                const std::vector<std::string>& /*patterns*/,
                                const ExchangeContext& ctx, Env& env) const override {
    SourceAnswer out;
    auto pw = LoginPassword(spec_.login, "refreshToken", env);
    if (!pw.ok()) return pw.error();
    // A refresh token belongs to one registry: it is handed out for the image's registry only,
    // even when the entry's patterns are wider.
    std::string registry(RegistryOf(q.image));
    auto hash = registry::CredentialKeyHash({"login", spec_.login.username, pw->reveal()});
    registry::TokenCacheKey key{registry, hash, "refresh\n" + spec_.realm + "\n" + spec_.service};
    auto margin = SafetyMargin(system_clock::time_point(),
                               system_clock::time_point(std::chrono::nanoseconds(spec_.lifetime)));
    registry::TokenCacheOptions options;
    options.min_validity = margin + std::chrono::seconds(30);
    options.stale_if_error = ctx.stale_if_error;
    options.lock_timeout = BudgetLeft(ctx.deadline, options.lock_timeout);
    registry::TokenCache cache(env, ctx.state_dir + "/tokens", options);
    bool fetched = false;
    auto token = cache.GetOrFetch(
        key, ctx.now, [&] { return Login(ctx, registry, *pw); }, &fetched);
    if (!token.ok()) return token.error();
    NoteTokenLookup(fetched);
    out.auth.push_back(KeyedCredential{registry, Credential{kRefreshUsername, token->token}});
    out.issued_at = token->issued_at;
    out.expires_at = token->expires_at;
    return out;
  }

 private:
  Result<registry::CachedToken> Login(const ExchangeContext& ctx, const std::string& registry,
                                      const Secret& password) const {
    registry::RegistryEndpoint endpoint = EndpointForHost(registry, ctx.transport);
    auto client = ctx.new_client(endpoint);
    registry::TokenRequest req;
    req.realm = spec_.realm;
    req.service = spec_.service;
    if (req.realm.empty()) {
      auto ping = registry::Ping(*client, endpoint);
      if (!ping.ok()) return MakeError(ping.error().kind, "refreshToken: " + ping.error().message);
      const registry::Challenge* bearer = registry::FindChallenge(ping->challenges, "bearer");
      if (bearer == nullptr) {
        return MakeError(ErrorKind::kUnauthorized,
                         "refreshToken: registry " + registry +
                             " has no Bearer token endpoint (set refreshToken.realm)");
      }
      auto from = registry::TokenRequestFromChallenge(*bearer, {});
      if (!from.ok()) return MakeError(from.error().kind, "refreshToken: " + from.error().message);
      req.realm = from->realm;
      if (req.service.empty()) req.service = from->service;
    }
    req.credential = Credential{spec_.login.username, password};
    req.offline = true;
    req.method = registry::TokenMethod::kPost;
    auto token = registry::FetchToken(*client, req, ctx.now());
    if (!token.ok()) return MakeError(token.error().kind, "refreshToken: " + token.error().message);
    if (token->refresh_token.empty()) {
      return MakeError(ErrorKind::kUnauthorized,
                       "refreshToken: the token server issued no refresh token for "
                       "access_type=offline");
    }
    registry::CachedToken out;
    out.token = token->refresh_token;
    out.issued_at = token->issued_at;
    JwtClaims claims = PeekJwtClaims(token->refresh_token);
    out.expires_at = claims.expires_at.value_or(token->issued_at +
                                                std::chrono::duration_cast<system_clock::duration>(
                                                    std::chrono::nanoseconds(spec_.lifetime)));
    return out;
  }

  RefreshTokenSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeRefreshTokenSource(const RefreshTokenSourceSpec& spec,
                                               const std::vector<std::string>& patterns) {
  return std::make_unique<RefreshTokenSource>(spec, patterns);
}

}  // namespace pullguard
