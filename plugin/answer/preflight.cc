// Preflight: registries authorise per repository, so the proof is a pull-scoped request against
// the repository itself (manifest HEAD for a tag or digest, tags/list for a bare repository).
#include "plugin/answer/preflight.h"
#include "plugin/ops/metrics.h"

#include "cache/credential_hash.h"
#include "cache/pull_manager.h"
#include "cache/record_store.h"
#include "matcher/reference.h"
#include "matcher/urls_match.h"
#include "registry/authorize.h"
#include "registry/manifest.h"
#include "registry/token_flow.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

Error Refused(const std::string& what) {
  return MakeError(ErrorKind::kUnauthorized, "preflight: " + what);
}

// The Authorization for a pull of `path`: a cached pull-scoped token, else the registry's own
// challenge (Bearer through the token cache, or Basic).
Result<std::optional<Secret>> Authorization(registry::HttpClient& client,
                                            const registry::RegistryEndpoint& endpoint,
                                            const std::string& path, const Credential& credential,
                                            const ExchangeContext& ctx, Env& env, bool fresh) {
  auto hash =
      registry::CredentialKeyHash({"basic", credential.username, credential.password.reveal()});
  registry::TokenCacheKey key{endpoint.host, hash, registry::PullScope(path)};
  registry::TokenCache cache = TokenCacheFor(ctx, env);
  if (fresh) (void)cache.Remove(key);
  if (auto hit = cache.Get(key, ctx.now())) {
    NoteTokenLookup(false);
    return std::optional<Secret>(registry::BearerAuthorization(hit->token));
  }
  auto ping = registry::Ping(client, endpoint);
  if (!ping.ok()) return ping.error();
  if (ping->status >= 200 && ping->status <= 299) return std::optional<Secret>();
  if (registry::FindChallenge(ping->challenges, "bearer") == nullptr) {
    registry::AuthorizeInput in;
    in.credential = credential;
    auto a = registry::Authorize(client, *ping, in, ctx.now());
    if (!a.ok()) return a.error();
    return a->header;
  }
  bool fetched = false;
  auto token = cache.GetOrFetch(
      key, ctx.now,
      [&]() -> Result<registry::CachedToken> {
        registry::AuthorizeInput in;
        in.credential = credential;
        in.scopes = {registry::PullScope(path)};
        auto a = registry::Authorize(client, *ping, in, ctx.now());
        if (!a.ok()) return a.error();
        if (!a->token) return MakeError(ErrorKind::kInternal, "no token from the Bearer flow");
        return registry::CachedToken{a->token->token, Secret(), a->token->issued_at,
                                     a->token->expires_at};
      },
      &fetched);
  if (!token.ok()) return token.error();
  NoteTokenLookup(fetched);
  return std::optional<Secret>(registry::BearerAuthorization(token->token));
}

}  // namespace

Result<PreflightProof> Preflight(const std::string& image, const Credential& credential,
                                 const ExchangeContext& ctx, Env& env) {
  auto ref = ParseNormalizedReference(image);
  if (!ref.ok()) return MakeError(ErrorKind::kInvalidArgument, "preflight: " + ref.error().message);
  registry::RegistryEndpoint endpoint = EndpointForHost(ref->domain, ctx.transport);
  auto client = ctx.new_client(endpoint);
  PreflightProof proof;
  proof.repository = ref->Name();
  std::string where = "registry " + ref->domain + " ";
  // One retry with a fresh token when a cached one is refused (revoked, or rights changed).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto auth = Authorization(*client, endpoint, ref->path, credential, ctx, env, attempt > 0);
    if (!auth.ok()) {
      if (auth.error().kind == ErrorKind::kUnauthorized) {
        return Refused(where + "refused the credential for " + ref->path + ": " +
                       auth.error().message);
      }
      return MakeError(auth.error().kind, "preflight: " + auth.error().message);
    }
    if (!ref->tag.empty() || !ref->digest.empty()) {
      std::string reference = ref->digest.empty() ? ref->tag : ref->digest;
      auto m = registry::ResolveManifest(*client, endpoint, ref->path, reference, *auth);
      if (m.ok()) {
        proof.digest = m->digest;
        return proof;
      }
      if (m.error().kind == ErrorKind::kUnauthorized && attempt == 0 && auth->has_value()) continue;
      if (m.error().kind == ErrorKind::kUnauthorized) {
        return Refused(where + "refused pull of " + ref->path + ":" + reference);
      }
      if (m.error().kind == ErrorKind::kNotFound) {
        return MakeError(ErrorKind::kNotFound,
                         "preflight: " + where + "has no manifest " + ref->path + ":" + reference);
      }
      return MakeError(m.error().kind, "preflight: " + m.error().message);
    }
    auto access = registry::ProbeTagsList(*client, endpoint, ref->path, *auth);
    if (!access.ok()) return MakeError(access.error().kind, "preflight: " + access.error().message);
    switch (*access) {
      case registry::RepositoryAccess::kAllowed:
        return proof;
      case registry::RepositoryAccess::kRefused:
        if (attempt == 0 && auth->has_value()) continue;
        return Refused(where + "refused pull of " + ref->path + " (tags/list)");
      case registry::RepositoryAccess::kUnknownRepository:
        return MakeError(ErrorKind::kNotFound,
                         "preflight: " + where + "has no repository " + ref->path);
    }
  }
  return Refused(where + "refused pull of " + ref->path);
}

Status VerifyAnswer(const std::string& image, const SourceAnswer& answer,
                    const ExchangeContext& ctx, ProofSink& sink, Env& env) {
  const Credential* cred = nullptr;
  std::string repo = StripTagAndDigest(image);
  for (const KeyedCredential& k : answer.auth) {
    auto m = UrlsMatch(k.key, repo);
    if (m.ok() && *m) {
      cred = &k.credential;
      break;
    }
  }
  if (cred == nullptr) return Status::Ok();
  auto proof = Preflight(image, *cred, ctx, env);
  if (!proof.ok()) return proof.error();

  PullProof p;
  AuthConfig auth;
  auth.username = cred->username;
  auth.password = cred->password;
  p.credential_hash = CredentialHash(auth);
  p.image = image;
  p.digest = proof->digest;
  p.proven_at = std::chrono::floor<std::chrono::seconds>(ctx.now());
  if (answer.expires_at)
    p.expires_at = std::chrono::floor<std::chrono::seconds>(*answer.expires_at);
  if (answer.from_service_account) {
    JwtClaims claims = PeekJwtClaims(ctx.service_account_token);
    p.source.kind = ProofSource::Kind::kServiceAccount;
    p.source.ns = claims.ns;
    p.source.name = claims.name;
    p.source.uid = claims.uid;
  }
  Status st = sink.RecordProof(p);
  if (!st.ok()) {
    return MakeError(st.error().kind, "preflight proof not recorded: " + st.error().message);
  }
  return Status::Ok();
}

Status StateDirProofSink::RecordProof(const PullProof& proof) {
  // Two locks may be waited for, one after the other: each gets half of what is left.
  auto wait = BudgetLeft(deadline_, std::chrono::seconds(30)) / 2;
  EvidenceStore evidence(env_, state_dir_ + "/evidence", wait);
  PG_TRY(evidence.Init());
  std::optional<FileRecordStore> store;
  std::optional<PullManager> manager;
  if (!proof.digest.empty()) {
    store.emplace(env_, state_dir_ + "/image_manager", wait);
    PG_TRY(store->Init());
    auto policy = PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {});
    if (!policy.ok()) return policy.error();
    manager.emplace(*store, std::move(*policy));
  }
  StoreProofSink sink(evidence, manager ? &*manager : nullptr);
  return sink.RecordProof(proof);
}

}  // namespace pullguard
