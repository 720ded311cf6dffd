// The acr source (Azure Container Registry, issue 15): an Entra ID token for the identity that
// applies (the pod's workload identity through a KEP-4412 client assertion, else the node's
// managed identity through Azure IMDS), exchanged at the registry for an ACR refresh token, which
// kubelet receives as the password of ACR's fixed username. Both tokens live in the token cache
// keyed by the identity, so concurrent execs make one IMDS/Entra ID call and one exchange.
#include <string>
#include <vector>

#include "plugin/ops/log.h"
#include "plugin/ops/metrics.h"
#include "plugin/sources/acr_endpoints.h"
#include "plugin/sources/acr_protocol.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/source.h"
#include "registry/url.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

// ACR's username for a refresh token (docker login -u 00000000-0000-0000-0000-000000000000).
constexpr const char* kAcrUsername = "00000000-0000-0000-0000-000000000000";
// Azure workload identity's service-account annotations, and the ACR-specific pair that
// cloud-provider-azure's acr-credential-provider reads (they win: they name the pull identity).
constexpr const char* kClientIdAnnotation = "azure.workload.identity/client-id";
constexpr const char* kTenantIdAnnotation = "azure.workload.identity/tenant-id";
constexpr const char* kAcrClientIdAnnotation = "kubernetes.azure.com/acr-client-id";
constexpr const char* kAcrTenantIdAnnotation = "kubernetes.azure.com/acr-tenant-id";
// An Entra ID token is spent at once on the exchange; one about to expire could be refused.
constexpr std::chrono::seconds kAzureTokenMinValidity{300};
// A refresh token must outlive kubelet's use of it: the largest safety margin (5 min, see
// SafetyMargin) plus the 30 s every cached token keeps.
constexpr std::chrono::seconds kRefreshMinValidity{330};

// Who is asking: the pod's workload identity or the node's managed identity.
struct Identity {
  bool pod = false;
  std::string client_id;  // node: empty for the system-assigned identity
  std::string tenant;     // node: may be empty (then the Entra ID token's `tid`)
  std::string description;
};

std::string AnnotationOf(const ExchangeContext& ctx, const char* preferred, const char* other,
                         const char** which) {
  for (const char* key : {preferred, other}) {
    auto it = ctx.service_account_annotations.find(key);
    if (it != ctx.service_account_annotations.end() && !it->second.empty()) {
      *which = key;
      return it->second;
    }
  }
  return "";
}

class AcrSource : public ExchangeSource {
 public:
  AcrSource(AcrSourceSpec spec, std::vector<std::string> patterns)
      : ExchangeSource(std::move(patterns)), spec_(std::move(spec)) {}

  std::string_view kind() const override { return "acr"; }

  Status Check(Env&) const override { return CheckAcrSpec(spec_); }

 protected:
  Result<SourceAnswer> Exchange(const CredentialQuery& q,
                                const std::vector<std::string>& /*patterns*/,
                                const ExchangeContext& ctx, Env& env) const override {
    if (Status st = CheckAcrSpec(spec_); !st.ok()) return st.error();
    auto identity = ChooseIdentity(ctx);
    if (!identity.ok()) return identity.error();
    // An ACR refresh token is issued by one registry: the answer is for the image's registry
    // only, even when the entry's patterns are wider.
    std::string registry(RegistryOf(q.image));
    auto exchange = ExchangeTarget(spec_, registry);
    if (!exchange.ok()) return exchange.error();

    const std::string& sa = identity->pod ? ctx.service_account_token.reveal() : std::string();
    registry::TokenCacheKey key{
        registry,
        registry::CredentialKeyHash(
            {"acr", identity->pod ? "pod" : "node", identity->client_id, identity->tenant, sa}),
        "acr-refresh\n" + exchange->url};
    registry::TokenCache cache = TokenCacheFor(ctx, env, kRefreshMinValidity);
    auto refresh = [&] { return Refresh(*identity, registry, *exchange, ctx, env); };
    bool fetched = true;
    Result<registry::CachedToken> token = MakeError(ErrorKind::kInternal, "acr: no token");
    if (ctx.fresh) {
      // doctor: asked anew; stored only when it worked, so a failed run keeps the cached token.
      token = refresh();
      if (token.ok()) (void)cache.Put(key, *token);
    } else {
      token = cache.GetOrFetch(key, ctx.now, refresh, &fetched);
    }
    if (!token.ok()) return token.error();
    NoteTokenLookup(fetched);
    SourceAnswer out;
    out.auth.push_back(KeyedCredential{registry, Credential{kAcrUsername, token->token}});
    out.issued_at = token->issued_at;
    out.expires_at = token->expires_at;
    out.from_service_account = identity->pod;
    out.identity = identity->description;
    return out;
  }

 private:
  Result<Identity> ChooseIdentity(const ExchangeContext& ctx) const {
    const char* client_key = kClientIdAnnotation;
    std::string client_id =
        AnnotationOf(ctx, kAcrClientIdAnnotation, kClientIdAnnotation, &client_key);
    bool has_token = !ctx.service_account_token.empty();
    if (!has_token || client_id.empty()) {
      if (spec_.require_service_account_token) {
        return MakeError(
            ErrorKind::kInvalidArgument,
            has_token
                ? std::string("acr: the pod's service account has no ") + kClientIdAnnotation +
                      " annotation (list it in the provider's tokenAttributes annotation keys); "
                      "requireServiceAccountToken: true forbids the node identity"
                : std::string("acr: the request carries no serviceAccountToken (kubelet sends "
                              "one with tokenAttributes in its provider config); "
                              "requireServiceAccountToken: true forbids the node identity"));
      }
      Identity node;
      node.client_id = spec_.client_id;
      node.tenant = spec_.tenant_id;
      node.description = spec_.client_id.empty()
                             ? "node managed identity (system-assigned)"
                             : "node managed identity (client id " + spec_.client_id + ")";
      return node;
    }
    if (!IsAzureGuid(client_id)) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string("acr: the service account's ") + client_key + " annotation " +
                           QuoteForError(client_id) + " is not a client id (8-4-4-4-12 hex)");
    }
    const char* tenant_key = kTenantIdAnnotation;
    Identity pod;
    pod.pod = true;
    pod.client_id = client_id;
    pod.tenant = AnnotationOf(ctx, kAcrTenantIdAnnotation, kTenantIdAnnotation, &tenant_key);
    if (pod.tenant.empty()) pod.tenant = spec_.tenant_id;
    if (pod.tenant.empty()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string("acr: no tenant for the workload identity: annotate the "
                                   "service account with ") +
                           kTenantIdAnnotation + " or set acr.tenantId");
    }
    if (!IsAzureTenant(pod.tenant)) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string("acr: the service account's ") + tenant_key + " annotation " +
                           QuoteForError(pod.tenant) +
                           " is not a tenant id (a GUID or a domain name)");
    }
    JwtClaims claims = PeekJwtClaims(ctx.service_account_token);
    pod.description =
        "workload identity (client id " + client_id + ", tenant " + pod.tenant + ")" +
        (claims.name.empty() ? "" : " of service account " + claims.ns + "/" + claims.name);
    return pod;
  }

  // The Entra ID token of the identity and where the cache keeps it.
  struct EntraAnswer {
    registry::CachedToken token;
    registry::TokenCacheKey key;
    bool fetched = false;  // from IMDS / Entra ID now, not from the cache
  };

  // From the cache (unless `fresh`) or from IMDS / Entra ID. A fetched token is not stored here:
  // Refresh stores it once it bought a refresh token, so a failed exec leaves nothing behind.
  // Concurrent execs for one registry are already serialised by the refresh token's lock.
  Result<EntraAnswer> EntraToken(const Identity& id, const ExchangeContext& ctx,
                                 const registry::TokenCache& cache, bool fresh) const {
    auto target =
        id.pod ? EntraTarget(EnvVar(ctx, "AZURE_AUTHORITY_HOST"), id.tenant) : ImdsTarget(spec_);
    if (!target.ok()) return MakeError(target.error().kind, "acr: " + target.error().message);
    EntraAnswer out;
    out.key = registry::TokenCacheKey{
        target->url,
        id.pod ? registry::CredentialKeyHash(
                     {"azure-assertion", id.client_id, ctx.service_account_token.reveal()})
               : registry::CredentialKeyHash({"azure-imds", id.client_id}),
        "entra\n" + std::string(kAcrResource)};
    if (!fresh) {
      if (auto cached = cache.Get(out.key, ctx.now())) {
        out.token = std::move(*cached);
        NoteTokenLookup(false);
        return out;
      }
    }
    auto t = id.pod ? FromEntra(id, *target, ctx) : FromImds(id, *target, ctx);
    if (!t.ok()) return t.error();
    out.token = registry::CachedToken{t->token, Secret(), t->issued_at, t->expires_at};
    out.fetched = true;
    NoteTokenLookup(true);
    return out;
  }

  Result<AzureToken> FromImds(const Identity& id, const AcrTarget& target,
                              const ExchangeContext& ctx) const {
    const std::string where = "acr: Azure IMDS (" + target.endpoint.host + ")";
    auto client = ctx.new_client(target.endpoint);
    auto r = client->Send(ImdsTokenRequest(target.url, id.client_id));
    if (!r.ok()) {
      return MakeError(r.error().kind, where + " gave no token for the " + id.description + ": " +
                                           r.error().message);
    }
    if (r->status < 200 || r->status > 299) {
      std::string says = AzureErrorSummary(r->body, {});
      return MakeError(
          r->status >= 400 && r->status < 500 ? ErrorKind::kUnauthorized : ErrorKind::kNetwork,
          where + " refused a token for the " + id.description + " (HTTP " +
              std::to_string(r->status) + (says.empty() ? "" : ": " + says) + ")");
    }
    auto t = ParseAzureToken(r->body, ctx.now());
    if (!t.ok()) return MakeError(t.error().kind, where + ": " + t.error().message);
    return t;
  }

  Result<AzureToken> FromEntra(const Identity& id, const AcrTarget& target,
                               const ExchangeContext& ctx) const {
    auto url = registry::ParseUrl(target.url);
    const std::string where = "acr: Entra ID (" + (url.ok() ? url->Redacted() : target.url) + ")";
    auto client = ctx.new_client(target.endpoint);
    auto r =
        client->Send(EntraAssertionRequest(target.url, id.client_id, ctx.service_account_token));
    if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
    if (r->status < 200 || r->status > 299) {
      std::string says = AzureErrorSummary(r->body, {&ctx.service_account_token});
      bool refused = r->status >= 400 && r->status < 500;
      return MakeError(
          refused ? ErrorKind::kUnauthorized : ErrorKind::kNetwork,
          where +
              (refused ? " refused the service-account token of the " : " gave no token for the ") +
              id.description + " (HTTP " + std::to_string(r->status) +
              (says.empty() ? "" : ": " + says) + ")");
    }
    auto t = ParseAzureToken(r->body, ctx.now());
    if (!t.ok()) return MakeError(t.error().kind, where + ": " + t.error().message);
    return t;
  }

  // The refresh token: the Entra ID token exchanged at ACR. A refusal of a cached Entra ID token
  // is tried once more with a fresh one (the identity's rights or the token may have changed).
  Result<registry::CachedToken> Refresh(const Identity& id, const std::string& registry,
                                        const AcrTarget& exchange, const ExchangeContext& ctx,
                                        Env& env) const {
    registry::TokenCache cache = TokenCacheFor(ctx, env, kAzureTokenMinValidity);
    for (int attempt = 0;; ++attempt) {
      auto azure = EntraToken(id, ctx, cache, attempt > 0 || ctx.fresh);
      if (!azure.ok()) return azure.error();
      auto refresh = Exchange(id, registry, exchange, azure->token, ctx);
      if (refresh.ok()) {
        // Cached for the identity's next registry; a cache that cannot be written costs only
        // one more IMDS / Entra ID call.
        if (azure->fetched) (void)cache.Put(azure->key, azure->token);
        if (LogEnabled(LogLevel::kInfo)) {
          Log(LogLevel::kInfo, "acr.exchanged",
              {{"registry", registry}, {"identity", id.description}});
        }
        return refresh;
      }
      // A cached token the exchange refused is not offered again.
      if (!azure->fetched && refresh.error().kind == ErrorKind::kUnauthorized) {
        (void)cache.Remove(azure->key);
      }
      if (refresh.error().kind != ErrorKind::kUnauthorized || azure->fetched || attempt > 0) {
        return refresh;
      }
    }
  }

  Result<registry::CachedToken> Exchange(const Identity& id, const std::string& registry,
                                         const AcrTarget& exchange,
                                         const registry::CachedToken& azure,
                                         const ExchangeContext& ctx) const {
    const Secret& azure_token = azure.token;
    auto url = registry::ParseUrl(exchange.url);
    const std::string where =
        "acr: the exchange at " + (url.ok() ? url->Redacted() : std::string("the endpoint"));
    // The node's tenant, when not configured, is the one its token was issued in.
    std::string tenant = id.tenant.empty() ? PeekJwtClaims(azure_token).tenant : id.tenant;
    if (!tenant.empty() && !IsAzureTenant(tenant)) tenant.clear();
    auto client = ctx.new_client(exchange.endpoint);
    auto r = client->Send(AcrExchangeRequest(exchange.url, registry, tenant, azure_token));
    if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
    if (r->status < 200 || r->status > 299) {
      std::string says = AzureErrorSummary(r->body, {&azure_token, &ctx.service_account_token});
      bool refused = r->status == 400 || r->status == 401 || r->status == 403;
      return MakeError(refused ? ErrorKind::kUnauthorized : ErrorKind::kNetwork,
                       where +
                           (refused ? " refused the Entra ID token of the " : " failed for the ") +
                           id.description + " (HTTP " + std::to_string(r->status) +
                           (says.empty() ? "" : ": " + says) + ")");
    }
    auto refresh = ParseAcrRefreshToken(r->body);
    if (!refresh.ok())
      return MakeError(refresh.error().kind, where + ": " + refresh.error().message);
    // Kubelet discards an answer whose password is the service-account token it sent.
    if (!ctx.service_account_token.empty() && *refresh == ctx.service_account_token) {
      return MakeError(ErrorKind::kUnauthorized,
                       where + " returned the service-account token itself; refusing to echo it");
    }
    registry::CachedToken out;
    out.token = std::move(*refresh);
    out.issued_at = ctx.now();
    // ACR's refresh tokens are JWTs (about 3 h); without `exp`, no longer than the token that
    // bought it.
    out.expires_at = PeekJwtClaims(out.token).expires_at.value_or(azure.expires_at);
    return out;
  }

  AcrSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeAcrSource(const AcrSourceSpec& spec,
                                      const std::vector<std::string>& patterns) {
  return std::make_unique<AcrSource>(spec, patterns);
}

}  // namespace pullguard
