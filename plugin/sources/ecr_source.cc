// The ecr source (Amazon ECR without an SDK): the image's registry host gives the account, region
// and partition; the node's AWS identity (or the pod's role, KEP-4412) signs GetAuthorizationToken;
// kubelet receives "AWS" and the registry password under the registry host. The token is cached
// in the cross-process token cache under the identity that signed the call, so concurrent execs
// make one call and two identities never share a password.
#include <algorithm>
#include <string>
#include <vector>

#include "base/quote.h"
#include "plugin/kubelet/cache_key.h"
#include "plugin/ops/log.h"
#include "plugin/ops/metrics.h"
#include "plugin/sources/aws/ecr_api.h"
#include "plugin/sources/aws/ecr_host.h"
#include "plugin/sources/aws/endpoints.h"
#include "plugin/sources/aws/identity.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/exchange_source.h"
#include "plugin/sources/source.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

// ECR tokens live 12 hours; one is renewed once it has less than its safety margin (5 minutes)
// plus a minute left, so every answer carries at least a minute of cacheDuration.
constexpr std::chrono::hours kEcrTokenLifetime{12};

std::chrono::seconds MinValidity() {
  return SafetyMargin(system_clock::time_point(), system_clock::time_point(kEcrTokenLifetime)) +
         std::chrono::seconds(60);
}

class EcrSource : public ExchangeSource {
 public:
  EcrSource(EcrSourceSpec spec, std::vector<std::string> patterns)
      : ExchangeSource(std::move(patterns)), spec_(std::move(spec)) {}

  std::string_view kind() const override { return "ecr"; }

  // The endpoint keys against the transport rule (aws/endpoints.h); no file, no network.
  Status Check(Env&) const override {
    using aws::AwsService;
    const std::pair<const std::string*, std::pair<AwsService, const char*>> keys[] = {
        {&spec_.ecr_endpoint, {AwsService::kEcr, "ecr.ecrEndpoint"}},
        {&spec_.sts_endpoint, {AwsService::kSts, "ecr.stsEndpoint"}},
        {&spec_.imds_endpoint, {AwsService::kImds, "ecr.imdsEndpoint"}},
    };
    for (const auto& [url, what] : keys) {
      if (url->empty()) continue;
      auto t = aws::AwsTransport(*url, what.first, what.second);
      if (!t.ok()) return t.error();
    }
    return Status::Ok();
  }

 protected:
  Result<SourceAnswer> Exchange(const CredentialQuery& q, const std::vector<std::string>& patterns,
                                const ExchangeContext& ctx, Env& env) const override {
    SourceAnswer out;
    std::string host(RegistryOf(q.image));
    // A token is for one registry host: the answer's keys are the host, narrowed by a pattern's
    // path where it has one. Patterns for other registries (the entry is here only because
    // kubelet caches the answer under a wider key) get nothing.
    std::vector<std::string> keys;
    for (const std::string& p : patterns) {
      if (!PatternCoversRegistry(p, host)) continue;
      std::string_view reg = RegistryOf(p);
      std::string key = host + p.substr(reg.size());
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
    if (keys.empty()) return out;
    auto ecr = aws::ParseEcrHost(host);
    if (!ecr) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "ecr: " + QuoteForError(host) +
                           " is not an Amazon ECR registry host (<account>.dkr.ecr.<region>."
                           "amazonaws.com and its -fips, .cn, dual-stack and isolated-region "
                           "forms); fix the entry's match patterns");
    }
    PG_TRY(Prefixed(Check(env)));
    const std::string region = spec_.region.empty() ? ecr->region : spec_.region;
    auto endpoint = aws::ResolveEndpoint(aws::AwsService::kEcr, spec_, ctx.getenv, *ecr, region);
    if (!endpoint.ok()) return Prefixed(endpoint.error());
    auto plan = aws::PlanIdentity(spec_, ctx, *ecr, region);
    if (!plan.ok()) return Prefixed(plan.error());

    // The key names the signing identity without a secret and without a network call, so a
    // cached answer costs one file read.
    registry::TokenCacheKey key{endpoint->url + "\n" + region,
                                registry::CredentialKeyHash({"aws-identity", plan->cache_identity}),
                                "ecr-authorization-token"};
    registry::TokenCacheOptions options;
    options.min_validity = MinValidity();
    options.stale_if_error = ctx.stale_if_error;
    options.lock_timeout = BudgetLeft(ctx.deadline, options.lock_timeout);
    registry::TokenCache cache(env, ctx.state_dir + "/tokens", options);
    bool fetched = false;
    auto token = cache.GetOrFetch(
        key, ctx.now, [&] { return Fetch(*plan, *endpoint, *ecr, region, ctx, env); }, &fetched);
    if (!token.ok()) return Prefixed(token.error());
    NoteTokenLookup(fetched);
    const std::string& plain = token->token.reveal();
    std::size_t colon = plain.find(':');
    if (colon == std::string::npos) {
      return MakeError(ErrorKind::kCorrupt, "ecr: a cached token is not <user>:<password>");
    }
    for (const std::string& k : keys) {
      out.auth.push_back(
          KeyedCredential{k, Credential{plain.substr(0, colon), Secret(plain.substr(colon + 1))}});
    }
    out.issued_at = token->issued_at;
    out.expires_at = token->expires_at;
    out.from_service_account = plan->link == aws::IdentityLink::kPodRole;
    return out;
  }

 private:
  static Error Prefixed(const Error& e) {
    if (e.message.rfind("ecr", 0) == 0) return e;
    return MakeError(e.kind, "ecr: " + e.message);
  }
  static Status Prefixed(const Status& s) {
    if (s.ok()) return s;
    return Prefixed(s.error());
  }

  Result<registry::CachedToken> Fetch(const aws::IdentityPlan& plan,
                                      const aws::AwsEndpoint& endpoint, const aws::EcrHost& ecr,
                                      const std::string& region, const ExchangeContext& ctx,
                                      Env& env) const {
    auto sts = aws::ResolveEndpoint(aws::AwsService::kSts, spec_, ctx.getenv, ecr, region);
    if (!sts.ok()) return sts.error();
    auto identity = aws::ResolveIdentity(plan, *sts, region, ctx, env);
    if (!identity.ok()) return identity.error();
    Log(LogLevel::kInfo, "ecr.identity",
        {{"link", aws::IdentityLinkName(identity->link)},
         {"principal", identity->principal},
         {"region", region}});
    auto auth = aws::GetAuthorizationToken(ctx, endpoint, region, identity->credentials);
    if (!auth.ok()) return auth.error();
    auto now = ctx.now();
    if (auth->expires_at - now < MinValidity()) {
      // ECR issues 12-hour tokens; one that is nearly expired on arrival means the node's clock
      // is far off (or the endpoint is not ECR).
      auto left = std::chrono::duration_cast<std::chrono::seconds>(auth->expires_at - now);
      std::string when = left.count() > 0 ? "expires in " + std::to_string(left.count()) + " s"
                                          : "expired " + std::to_string(-left.count()) + " s ago";
      return MakeError(ErrorKind::kCorrupt, "ECR GetAuthorizationToken at " + endpoint.url +
                                                " issued a token that " + when +
                                                " (ECR's last 12 h): is the node's clock right?");
    }
    return registry::CachedToken{Secret(auth->username + ":" + auth->password.reveal()), Secret(),
                                 now, auth->expires_at};
  }

  EcrSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeEcrSource(const EcrSourceSpec& spec,
                                      const std::vector<std::string>& patterns) {
  return std::make_unique<EcrSource>(spec, patterns);
}

}  // namespace pullguard
