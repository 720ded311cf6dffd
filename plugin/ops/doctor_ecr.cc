// Doctor's checks for an ecr entry: which link of the AWS identity chain answers on this node (and
// as which principal), then one signed GetAuthorizationToken call, as get-credentials would make
// them, without touching the token cache.
#include <variant>

#include "base/quote.h"
#include "base/rfc3339.h"
#include "plugin/kubelet/cache_key.h"
#include "plugin/ops/doctor.h"
#include "plugin/sources/aws/ecr_api.h"
#include "plugin/sources/aws/ecr_host.h"
#include "plugin/sources/aws/endpoints.h"
#include "plugin/sources/aws/identity.h"
#include "plugin/sources/exchange_context.h"

namespace pullguard {

void CheckEcrEntry(const DoctorOptions& o, const Config& config, std::size_t i, Env& env,
                   Report& r) {
  const RegistryEntry& e = config.registries[i];
  const EcrSourceSpec& spec = std::get<EcrSourceSpec>(e.source);
  const std::string name = "registries[" + std::to_string(i) + "] ecr";
  auto add = [&](CheckState s, const std::string& what, std::string detail, std::string fix = "") {
    r.push_back({s, name + " " + what, std::move(detail), std::move(fix)});
  };

  // A registry host to sign for: a pattern without wildcards, else an --image of this entry.
  std::optional<aws::EcrHost> host;
  std::string host_name;
  std::vector<std::string> candidates;
  for (const std::string& p : e.match) candidates.emplace_back(RegistryOf(p));
  for (const std::string& image : o.images) {
    for (const std::string& p : e.match) {
      if (PatternCoversRegistry(p, RegistryOf(image))) candidates.emplace_back(RegistryOf(image));
    }
  }
  for (const std::string& c : candidates) {
    if (auto h = aws::ParseEcrHost(c)) {
      host = h;
      host_name = c;
      break;
    }
  }
  if (!host) {
    add(CheckState::kSkip, "identity",
        "no ECR host without wildcards in match; pass --image "
        "<account>.dkr.ecr.<region>.amazonaws.com/<repository>");
    return;
  }
  const std::string region = spec.region.empty() ? host->region : spec.region;
  ExchangeContext ctx = MakeExchangeContext(Secret(), config.state_dir, o.now, o.proxy);
  ctx.getenv = o.getenv;
  ctx.transport = e.transport;
  auto ecr = aws::ResolveEndpoint(aws::AwsService::kEcr, spec, o.getenv, *host, region);
  auto sts = aws::ResolveEndpoint(aws::AwsService::kSts, spec, o.getenv, *host, region);
  if (!ecr.ok() || !sts.ok()) {
    add(CheckState::kFail, "endpoints", (!ecr.ok() ? ecr.error() : sts.error()).message,
        "use https endpoints (plain HTTP only to loopback)");
    return;
  }
  auto plan = aws::PlanIdentity(spec, ctx, *host, region);
  auto identity = plan.ok() ? aws::ResolveIdentity(*plan, *sts, region, ctx, env)
                            : Result<aws::AwsIdentity>(plan.error());
  if (!identity.ok()) {
    add(CheckState::kFail, "identity",
        (plan.ok() ? std::string(aws::IdentityLinkName(plan->link)) + ": " : std::string()) +
            identity.error().message,
        "give the node an AWS identity: an instance profile (IMDSv2; hop limit 2 when pullguard "
        "runs in a container), AWS_* variables in the kubelet provider's env, or EKS Pod "
        "Identity; for roleArn, let the node's identity assume the role");
    return;
  }
  add(CheckState::kOk, "identity",
      std::string(aws::IdentityLinkName(identity->link)) + " answered: " + identity->principal);
  auto token = aws::GetAuthorizationToken(ctx, *ecr, region, identity->credentials);
  if (!token.ok()) {
    add(CheckState::kFail, "call", token.error().message,
        token.error().kind == ErrorKind::kUnauthorized
            ? "allow ecr:GetAuthorizationToken to " + identity->principal
            : "check the ECR endpoint, DNS, routes and proxy variables");
    return;
  }
  add(CheckState::kOk, "call",
      "GetAuthorizationToken at " + ecr->url + " (" + region + ") issued a token for " + host_name +
          " valid until " +
          FormatRfc3339(std::chrono::floor<std::chrono::seconds>(token->expires_at)));
}

}  // namespace pullguard
