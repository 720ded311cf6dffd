// The gcp source (Artifact Registry, Container Registry): kubelet receives username
// oauth2accesstoken and a Google access token as the password, which these registries accept.
// The token speaks for the node (the metadata server's default service account) or, when the
// entry names a workload identity provider and kubelet sent the pod's token (KEP-4412), for the
// pod: its token exchanged at Google STS (the shared RFC 8693 exchange), then, when the pod's
// service account is annotated with a Google service account, that account impersonated through
// IAM Credentials' generateAccessToken. Every token goes through the token cache, keyed by the
// identity, so an exec answered from the cache makes no request at all (auth-provider-gcp asks the
// metadata server on every pull and tells kubelet not to cache).
#include <algorithm>
#include <string>
#include <vector>

#include "base/quote.h"
#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/gcp_answers.h"
#include "plugin/sources/gcp_endpoints.h"
#include "plugin/sources/source.h"
#include "plugin/sources/token_exchange.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard {
namespace {

// What Artifact Registry and Container Registry take as the username for an access token.
constexpr const char* kUsername = "oauth2accesstoken";
constexpr const char* kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

// A Google service account as generateAccessToken's resource name takes it: an email
// (name@project.iam.gserviceaccount.com) or a numeric unique ID. Other bytes would change the URL.
bool IsServiceAccountName(std::string_view s) {
  if (s.empty() || s.size() > 254) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == '@' || c == '+';
  });
}

class GcpSource : public ExchangeSource {
 public:
  GcpSource(GcpSourceSpec spec, std::vector<std::string> patterns)
      : ExchangeSource(std::move(patterns)), spec_(std::move(spec)) {}

  std::string_view kind() const override { return "gcp"; }

 protected:
  Result<SourceAnswer> Exchange(const CredentialQuery&, const std::vector<std::string>& patterns,
                                const ExchangeContext& ctx, Env& env) const override {
    auto endpoints = ResolveGcpEndpoints(spec_, ctx);
    if (!endpoints.ok()) return endpoints.error();
    bool federation = !spec_.workload_identity_provider.empty();
    if (federation && ctx.service_account_token.empty() && spec_.require_service_account_token) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "gcp: the request carries no serviceAccountToken (kubelet sends one with "
                       "tokenAttributes in its provider config; set requireServiceAccountToken: "
                       "false to answer with the node's identity)");
    }
    SourceAnswer out;
    Result<registry::CachedToken> token = MakeError(ErrorKind::kInternal, "gcp: no token");
    if (federation && !ctx.service_account_token.empty()) {
      auto account = AnnotatedAccount(ctx);
      if (!account.ok()) return account.error();
      token = PodToken(*endpoints, *account, ctx, env);
      JwtClaims claims = PeekJwtClaims(ctx.service_account_token);
      out.identity =
          "pod " +
          (claims.ns.empty() ? std::string("service account") : claims.ns + "/" + claims.name) +
          (account->empty() ? " (workload identity federation)" : " as " + *account);
      out.from_service_account = true;
    } else {
      token = NodeToken(*endpoints, ctx, env);
      out.identity =
          "node (metadata server " + endpoints->metadata_host + ", default service account)";
    }
    if (!token.ok()) return token.error();
    for (const std::string& p : patterns) {
      out.auth.push_back(KeyedCredential{p, Credential{kUsername, token->token}});
    }
    out.issued_at = token->issued_at;
    out.expires_at = token->expires_at;
    return out;
  }

 private:
  // The Google service account the pod's service account is annotated with ("" when none).
  // Kubelet passes the annotation only when its provider config lists the key.
  Result<std::string> AnnotatedAccount(const ExchangeContext& ctx) const {
    auto it = ctx.service_account_annotations.find(spec_.service_account_annotation);
    if (it == ctx.service_account_annotations.end() || it->second.empty()) return std::string();
    if (!IsServiceAccountName(it->second)) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "gcp: the service account's annotation " +
                           QuoteForError(spec_.service_account_annotation) +
                           " is not a Google service account email or unique ID");
    }
    return it->second;
  }

  // Node identity: one cache entry per metadata server, whatever the pod.
  Result<registry::CachedToken> NodeToken(const GcpEndpoints& ep, const ExchangeContext& ctx,
                                          Env& env) const {
    registry::TokenCacheKey key{
        ep.metadata_token_url, registry::CredentialKeyHash({"gcp-metadata", ep.metadata_token_url}),
        "gcp\nnode"};
    return Cached(key, ctx, env, [&] { return FetchNodeToken(ep, ctx); });
  }

  // Per-pod identity: one cache entry per pod token, provider and impersonated account, so
  // different identities never share a token.
  Result<registry::CachedToken> PodToken(const GcpEndpoints& ep, const std::string& account,
                                         const ExchangeContext& ctx, Env& env) const {
    registry::TokenCacheKey key{
        ep.sts_token_url,
        registry::CredentialKeyHash({"service-account-token", ctx.service_account_token.reveal()}),
        "gcp\n" + spec_.workload_identity_provider + "\n" + account + "\n" + ep.iam_base};
    return Cached(key, ctx, env, [&]() -> Result<registry::CachedToken> {
      TokenExchangeRequest sts;
      sts.url = ep.sts_token_url;
      sts.endpoint = ep.sts;
      sts.audience = spec_.workload_identity_provider;
      sts.scope = kCloudPlatformScope;
      sts.requested_token_type = kAccessTokenType;
      sts.where = "gcp: STS " + Redacted(ep.sts_token_url);
      auto federated = ExchangeServiceAccountToken(sts, ctx);
      if (!federated.ok() || account.empty()) return federated;
      return Impersonate(ep, account, federated->token, ctx);
    });
  }

  template <typename F>
  static Result<registry::CachedToken> Cached(const registry::TokenCacheKey& key,
                                              const ExchangeContext& ctx, Env& env, F fetch) {
    registry::TokenCache cache = TokenCacheFor(ctx, env);
    bool fetched = false;
    auto token = cache.GetOrFetch(key, ctx.now, fetch, &fetched);
    if (token.ok()) NoteTokenLookup(fetched);
    return token;
  }

  // GET .../service-accounts/default/token with Metadata-Flavor: Google (the metadata server
  // refuses requests without it, and those a proxy forwarded).
  static Result<registry::CachedToken> FetchNodeToken(const GcpEndpoints& ep,
                                                      const ExchangeContext& ctx) {
    registry::HttpRequest req;
    req.url = ep.metadata_token_url;
    req.headers.emplace_back("Metadata-Flavor", "Google");
    req.follow_redirects = false;
    auto client = ctx.new_client(ep.metadata);
    auto r = client->Send(req);
    std::string where = "gcp: metadata server " + ep.metadata_host;
    if (!r.ok()) {
      return MakeError(r.error().kind,
                       where + ": " + r.error().message +
                           " (node identity needs a Google Cloud VM's metadata server; "
                           "GCE_METADATA_HOST names another one)");
    }
    if (r->status == 404) {
      return MakeError(ErrorKind::kNotFound,
                       where + " has no default service account for this VM (HTTP 404)");
    }
    if (r->status == 401 || r->status == 403) {
      return MakeError(ErrorKind::kUnauthorized,
                       where + " refused the token request (HTTP " + std::to_string(r->status) +
                           "); it must be reached directly, not through a proxy (NO_PROXY)");
    }
    if (r->status < 200 || r->status > 299) {
      return MakeError(ErrorKind::kNetwork, where + " answered HTTP " + std::to_string(r->status));
    }
    auto t = ParseMetadataTokenAnswer(r->body, ctx.now());
    if (!t.ok()) return MakeError(t.error().kind, where + ": " + t.error().message);
    return t;
  }

  // POST .../serviceAccounts/<account>:generateAccessToken with the federated token as Bearer;
  // the answer is {"accessToken": ..., "expireTime": RFC 3339}.
  static Result<registry::CachedToken> Impersonate(const GcpEndpoints& ep,
                                                   const std::string& account,
                                                   const Secret& federated,
                                                   const ExchangeContext& ctx) {
    registry::HttpRequest req;
    req.method = "POST";
    req.url = ep.GenerateAccessTokenUrl(account);
    req.authorization = registry::BearerAuthorization(federated);
    req.credential = true;  // the federated token is a secret: never in clear text off loopback
    req.content_type = "application/json";
    req.body = Secret(std::string(R"({"scope":[")") + kCloudPlatformScope + R"("]})");
    req.headers.emplace_back("Accept", "application/json");
    auto client = ctx.new_client(ep.iam);
    auto r = client->Send(req);
    std::string where = "gcp: IAM Credentials " + ep.iam_base;
    if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
    std::string status = " (HTTP " + std::to_string(r->status) + GoogleErrorStatus(r->body) + ")";
    if (r->status == 401 || r->status == 403) {
      return MakeError(ErrorKind::kUnauthorized,
                       where + " refused to let the pod impersonate " + account + status +
                           "; its federated identity needs roles/iam.workloadIdentityUser on it");
    }
    if (r->status == 404) {
      return MakeError(ErrorKind::kNotFound, where + ": no service account " + account + status);
    }
    if (r->status < 200 || r->status > 299) {
      return MakeError(ErrorKind::kNetwork, where + " answered" + status);
    }
    auto out = ParseGenerateAccessTokenAnswer(r->body, ctx.now());
    if (!out.ok()) return MakeError(out.error().kind, where + ": " + out.error().message);
    PG_TRY(RefuseEcho(out->token, where, ctx));
    return out;
  }

  static std::string Redacted(const std::string& url) {
    auto u = registry::ParseUrl(url);
    return u.ok() ? u->Redacted() : url;
  }

  GcpSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeGcpSource(const GcpSourceSpec& spec,
                                      const std::vector<std::string>& patterns) {
  return std::make_unique<GcpSource>(spec, patterns);
}

}  // namespace pullguard
