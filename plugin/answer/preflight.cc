// Preflight: registries authorise per repository, so the proof is a pull-scoped request against
// the repository itself (manifest HEAD for a tag or digest, tags/list for a bare repository).
#include "plugin/answer/preflight.h"

#include "plugin/answer/proof_cache.h"
#include "plugin/ops/log.h"
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

// The header for a pull (none: the registry asked for nothing) and, for a Bearer token, its expiry.
struct PullAuthorization {
  std::optional<Secret> header;
  std::optional<system_clock::time_point> token_expires_at;
};

// The Authorization for a pull of `path`: a cached pull-scoped token, else the registry's own
// challenge (Bearer through the token cache, or Basic).
Result<PullAuthorization> Authorization(registry::HttpClient& client,
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
    return PullAuthorization{registry::BearerAuthorization(hit->token), hit->expires_at};
  }
  auto ping = registry::Ping(client, endpoint);
  if (!ping.ok()) return ping.error();
  if (ping->status >= 200 && ping->status <= 299) return PullAuthorization{};
  if (registry::FindChallenge(ping->challenges, "bearer") == nullptr) {
    registry::AuthorizeInput in;
    in.credential = credential;
    auto a = registry::Authorize(client, *ping, in, ctx.now());
    if (!a.ok()) return a.error();
    return PullAuthorization{a->header, std::nullopt};
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
  return PullAuthorization{registry::BearerAuthorization(token->token), token->expires_at};
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
    proof.token_expires_at = auth->token_expires_at;
    if (!ref->tag.empty() || !ref->digest.empty()) {
      std::string reference = ref->digest.empty() ? ref->tag : ref->digest;
      auto m = registry::ResolveManifest(*client, endpoint, ref->path, reference, auth->header);
      if (m.ok()) {
        proof.digest = m->digest;
        return proof;
      }
      if (m.error().kind == ErrorKind::kUnauthorized && attempt == 0 && auth->header) continue;
      if (m.error().kind == ErrorKind::kUnauthorized) {
        return Refused(where + "refused pull of " + ref->path + ":" + reference);
      }
      if (m.error().kind == ErrorKind::kNotFound) {
        return MakeError(ErrorKind::kNotFound,
                         "preflight: " + where + "has no manifest " + ref->path + ":" + reference);
      }
      return MakeError(m.error().kind, "preflight: " + m.error().message);
    }
    auto access = registry::ProbeTagsList(*client, endpoint, ref->path, auth->header);
    if (!access.ok()) return MakeError(access.error().kind, "preflight: " + access.error().message);
    switch (*access) {
      case registry::RepositoryAccess::kAllowed:
        return proof;
      case registry::RepositoryAccess::kRefused:
        if (attempt == 0 && auth->header) continue;
        return Refused(where + "refused pull of " + ref->path + " (tags/list)");
      case registry::RepositoryAccess::kUnknownRepository:
        return MakeError(ErrorKind::kNotFound,
                         "preflight: " + where + "has no repository " + ref->path);
    }
  }
  return Refused(where + "refused pull of " + ref->path);
}

namespace {

// The proof cache's key for proving `cred` for `ref` under the entry's transport rules.
ProofKey KeyFor(const Reference& ref, const ExchangeContext& ctx, const std::string& hash,
                const ProofSource& source) {
  registry::RegistryEndpoint endpoint = EndpointForHost(ref.domain, ctx.transport);
  ProofKey key;
  // The way the registry was reached is part of what was proven: a proof over plain http or
  // unverified TLS must not answer an entry that asks for verified TLS, or another CA.
  key.endpoint = registry::BaseUrl(endpoint) +
                 (registry::VerifiesTls(endpoint) ? " tls=verified" : " tls=unverified") +
                 " ca=" + endpoint.transport.ca_file +
                 " cert=" + endpoint.transport.client_cert_file;
  key.repository = ref.Name();
  key.reference = ref.digest.empty() ? ref.tag : ref.digest;
  key.credential_hash = hash;
  key.source = source;
  return key;
}

const char* AnswerName(ProofAnswer a) {
  switch (a) {
    case ProofAnswer::kReused:
      return "reused";
    case ProofAnswer::kShared:
      return "shared";
    case ProofAnswer::kProved:
      return "proved";
    case ProofAnswer::kBusy:
      return "busy";
  }
  return "proved";
}

}  // namespace

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
  auto ref = ParseNormalizedReference(image);
  if (!ref.ok()) return MakeError(ErrorKind::kInvalidArgument, "preflight: " + ref.error().message);

  AuthConfig auth;
  auth.username = cred->username;
  auth.password = cred->password;
  ProofSource source;
  if (answer.from_service_account) {
    JwtClaims claims = PeekJwtClaims(ctx.service_account_token);
    source.kind = ProofSource::Kind::kServiceAccount;
    source.ns = claims.ns;
    source.name = claims.name;
    source.uid = claims.uid;
  }
  ProofKey key = KeyFor(*ref, ctx, CredentialHash(auth), source);

  // Runs under the proof cache's lock: the preflight, then the proof recorded, so that an outcome
  // other execs may share is one whose evidence and records are already written.
  auto prove = [&]() {
    ProofOutcome out;
    auto proof = Preflight(image, *cred, ctx, env);
    out.decided_at = ctx.now();
    if (!proof.ok()) {
      out.status = proof.error();
      return out;
    }
    PullProof p;
    p.credential_hash = key.credential_hash;
    p.image = image;
    p.digest = proof->digest;
    p.proven_at = std::chrono::floor<std::chrono::seconds>(out.decided_at);
    if (answer.expires_at)
      p.expires_at = std::chrono::floor<std::chrono::seconds>(*answer.expires_at);
    p.source = source;
    Status st = sink.RecordProof(p);
    if (!st.ok()) {
      out.status =
          MakeError(st.error().kind, "preflight proof not recorded: " + st.error().message);
      return out;
    }
    out.digest = proof->digest;
    // Reusable while the token cache would still hand out the pull token the proof was made
    // with, and never past the credential's own expiry. Without a token (Basic, anonymous) the
    // registry checks the credential on every request, so the proof answers its flight only.
    if (proof->token_expires_at) {
      auto until = *proof->token_expires_at - registry::TokenCacheOptions{}.min_validity;
      if (answer.expires_at) until = std::min(until, *answer.expires_at);
      if (until > out.decided_at) out.reusable_until = until;
    }
    return out;
  };

  ProofCacheOptions options;
  options.lock_timeout = BudgetLeft(ctx.deadline, options.lock_timeout);
  ProofCache cache(env, ctx.state_dir + "/proofs", options);
  ProofAnswer how = ProofAnswer::kProved;
  ProofOutcome outcome = cache.GetOrProve(key, ctx.now, prove, &how);
  Log(LogLevel::kDebug, "preflight.outcome",
      {{"image", image}, {"proof", AnswerName(how)}, {"proven", outcome.status.ok()}});
  return outcome.status;
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
