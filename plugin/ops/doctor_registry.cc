// Doctor's network checks: each registry host answers /v2/ over verified TLS (or plain HTTP on
// loopback) with a challenge pullguard speaks and a Date close to the local clock; each entry's
// credential is accepted; each --image resolves as get-credentials would resolve it.
#include <set>
#include <variant>

#include "base/quote.h"
#include "plugin/answer/preflight.h"
#include "plugin/answer/resolve.h"
#include "plugin/ops/doctor.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"
#include "registry/authorize.h"
#include "registry/challenge.h"
#include "registry/http_date.h"
#include "registry/token_flow.h"

namespace pullguard {
namespace {

void Add(Report& r, CheckState s, std::string name, std::string detail, std::string fix = "") {
  r.push_back({s, std::move(name), std::move(detail), std::move(fix)});
}

bool Wildcard(std::string_view s) {
  return s.find('*') != std::string_view::npos;
}

// `transport`: the rules of the first entry naming the host (caFile, insecure), as get-credentials
// would use them.
void CheckHost(const DoctorOptions& o, const std::string& host,
               const registry::TransportOptions& transport, Report& r) {
  const std::string name = "registry " + host;
  registry::RegistryEndpoint ep = EndpointForHost(host, transport);
  ep.transport.proxy = o.proxy;
  auto client = registry::NewCurlClient(ep);
  registry::HttpRequest req;
  req.url = registry::BaseUrl(ep) + "/v2/";
  auto resp = client->Send(req);
  if (!resp.ok()) {
    Add(r, CheckState::kFail, name + " reachable", resp.error().message,
        "check DNS, routes, firewall and proxy variables; for TLS errors the registry's "
        "certificate must verify against the node's CA store");
    return;
  }
  std::string how = ep.transport.plain_http         ? "plain HTTP"
                    : !registry::VerifiesTls(ep)    ? "HTTPS, certificate NOT verified (insecure)"
                    : !ep.transport.ca_file.empty() ? "HTTPS, certificate verified with caFile"
                                                    : "HTTPS, certificate verified";
  Add(r, CheckState::kOk, name + " reachable",
      req.url + " answered " + std::to_string(resp->status) + " over " + how);
  if (resp->status >= 200 && resp->status <= 299) {
    Add(r, CheckState::kOk, name + " challenge", "none: the registry allows anonymous access");
  } else if (resp->status == 401) {
    auto challenges = registry::ParseChallenges(resp->Headers("www-authenticate"));
    if (const auto* b = registry::FindChallenge(challenges, "bearer")) {
      Add(r, CheckState::kOk, name + " challenge",
          "Bearer (token server " + QuoteForError(b->Param("realm")) + ")");
    } else if (registry::FindChallenge(challenges, "basic") != nullptr) {
      Add(r, CheckState::kOk, name + " challenge", "Basic");
    } else {
      Add(r, CheckState::kFail, name + " challenge",
          "401 without a Basic or Bearer challenge: pullguard cannot authenticate",
          "check that the host is a registry (not a proxy's login page)");
    }
  } else {
    Add(r, CheckState::kFail, name + " challenge",
        "GET /v2/ answered " + std::to_string(resp->status) + " (want 200 or 401)",
        "check the host and port name a registry that speaks the v2 API");
  }
  r.push_back(ClockCheck(host, resp->Header("date"), o.now(), o.max_skew));
}

// Proves the credential against the registry: Basic straight at /v2/, Bearer through the token
// server (no scope) and then /v2/.
Status TryCredential(const std::string& host, const registry::TransportOptions& transport,
                     const registry::ProxyConfig& proxy, const Credential& c,
                     std::chrono::system_clock::time_point now) {
  registry::RegistryEndpoint ep = EndpointForHost(host, transport);
  ep.transport.proxy = proxy;
  auto client = registry::NewCurlClient(ep);
  auto ping = registry::Ping(*client, ep);
  if (!ping.ok()) return ping.error();
  if (ping->status >= 200 && ping->status <= 299) return Status::Ok();
  registry::AuthorizeInput in;
  in.credential = c;
  auto a = registry::Authorize(*client, *ping, in, now);
  if (!a.ok()) return a.error();
  registry::HttpRequest req;
  req.url = registry::BaseUrl(ep) + "/v2/";
  req.authorization = a->header;
  auto resp = client->Send(req);
  if (!resp.ok()) return resp.error();
  if (resp->status == 401 || resp->status == 403) {
    return MakeError(ErrorKind::kUnauthorized,
                     "registry answered " + std::to_string(resp->status) + " with the credential");
  }
  return Status::Ok();
}

// acr: doctor has no pod token, so the node's managed identity answers. The tokens are fetched
// anew (one IMDS call, one exchange: a cached refresh token would hide a broken IMDS), and the
// registry is asked to accept the refresh token.
void DryRunAcr(const DoctorOptions& o, const Config& config, std::size_t i, Env& env, Report& r) {
  const RegistryEntry& e = config.registries[i];
  const std::string name = "registries[" + std::to_string(i) + "] dry run";
  std::string image;
  for (const std::string& p : e.match) {
    if (!Wildcard(RegistryOf(p))) {
      image = std::string(RegistryOf(p)) + "/pullguard-doctor";
      break;
    }
  }
  for (const std::string& candidate : o.images) {
    for (const std::string& p : e.match) {
      if (image.empty() && PatternCoversRegistry(p, RegistryOf(candidate))) image = candidate;
    }
  }
  if (image.empty()) {
    Add(r, CheckState::kSkip, name,
        "every pattern has a wildcard; pass --image=<registry>/<repository> to test one");
    return;
  }
  ExchangeContext exchange = MakeExchangeContext(Secret(), config.state_dir, o.now, o.proxy);
  exchange.getenv = o.getenv;
  exchange.fresh = true;
  CredentialQuery q{image, CacheKeyType::kImage, &exchange};
  auto answer = MakeSource(e)->Answer(q, env);
  if (!answer.ok()) {
    Add(r, CheckState::kFail, name, answer.error().message,
        "on Azure: assign the managed identity to the node (VM/VMSS) and give it AcrPull on the "
        "registry; elsewhere the node identity cannot answer (use a workload identity)");
    return;
  }
  if (answer->auth.empty()) {
    Add(r, CheckState::kFail, name, "the source has no credential for " + image, "");
    return;
  }
  const KeyedCredential& k = answer->auth.front();
  std::string valid;
  if (answer->expires_at) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(*answer->expires_at - o.now());
    valid = ", valid for " + FormatCompactDuration(std::max<GoDuration>(left.count(), 0) * kSecond);
  }
  Status st = TryCredential(k.key, e.transport, o.proxy, k.credential, o.now());
  if (!st.ok()) {
    Add(r, CheckState::kFail, name,
        answer->identity + " got a refresh token for " + k.key + valid +
            ", but the registry refused it: " + st.error().message,
        "give the identity the AcrPull role on the registry");
    return;
  }
  Add(r, CheckState::kOk, name,
      answer->identity + " answered: one exchange gave a refresh token for " + k.key + valid +
          ", accepted by the registry");
}

void DryRunEntry(const DoctorOptions& o, const Config& config, std::size_t i, Env& env, Report& r) {
  const RegistryEntry& e = config.registries[i];
  const std::string name = "registries[" + std::to_string(i) + "] dry run";
  if (std::holds_alternative<AcrSourceSpec>(e.source)) return DryRunAcr(o, config, i, env, r);
  if (std::holds_alternative<EcrSourceSpec>(e.source)) return CheckEcrEntry(o, config, i, env, r);
  const auto* gcp = std::get_if<GcpSourceSpec>(&e.source);
  if (std::holds_alternative<TokenExchangeSourceSpec>(e.source) ||
      std::holds_alternative<FederatedTokenSourceSpec>(e.source) ||
      (gcp != nullptr && gcp->require_service_account_token)) {
    Add(r, CheckState::kSkip, name,
        "needs a pod's service-account token (kubelet sends it); try a v1 request with "
        "get-credentials");
    return;
  }
  std::string image;
  for (const std::string& p : e.match) {
    if (Wildcard(p)) continue;
    image = p.find('/') == std::string::npos ? p + "/pullguard-doctor" : p;
    break;
  }
  if (image.empty()) {
    Add(r, CheckState::kSkip, name, "every pattern has a wildcard; pass --image to test one");
    return;
  }
  ExchangeContext exchange = MakeExchangeContext(Secret(), config.state_dir, o.now, o.proxy);
  exchange.getenv = o.getenv;
  CredentialQuery q{image, CacheKeyType::kImage, &exchange};
  auto answer = MakeSource(e)->Answer(q, env);
  if (!answer.ok()) {
    Add(r, CheckState::kFail, name, "no credential for " + image + ": " + answer.error().message,
        "fix the source named above (file, endpoint or account)");
    return;
  }
  if (answer->auth.empty()) {
    Add(r, CheckState::kFail, name, "the source has no credential for " + image,
        "add an entry for " + std::string(RegistryOf(image)) + " to the source's file");
    return;
  }
  const KeyedCredential& k = answer->auth.front();
  if (std::holds_alternative<RefreshTokenSourceSpec>(e.source)) {
    // Getting a refresh token was the login; it is not a Basic credential to try again.
    Add(r, CheckState::kOk, name,
        "the registry's token server issued a refresh token for " + image);
    return;
  }
  Status st =
      TryCredential(std::string(RegistryOf(image)), e.transport, o.proxy, k.credential, o.now());
  if (!st.ok()) {
    Add(r, CheckState::kFail, name,
        "user " + QuoteForError(k.credential.username) + " for " + k.key + ": " +
            st.error().message,
        st.error().kind == ErrorKind::kUnauthorized
            ? "the registry refuses the credential: renew the password/robot account in the source"
            : "the registry could not be asked; see its 'reachable' check");
    return;
  }
  Add(r, CheckState::kOk, name,
      "user " + QuoteForError(k.credential.username) + " for " + k.key + " is accepted by " +
          std::string(RegistryOf(image)) +
          (answer->identity.empty() ? "" : " (identity: " + answer->identity + ")"));
}

void DryRunImage(const DoctorOptions& o, const Config& config, const std::string& image, Env& env,
                 Report& r) {
  const std::string name = "dry run " + image;
  CredentialProviderRequest req;
  req.version = ProtocolVersion::kV1;
  req.image = image;
  ExchangeContext exchange = MakeExchangeContext(Secret(), config.state_dir, o.now, o.proxy);
  exchange.getenv = o.getenv;
  StateDirProofSink proofs(env, config.state_dir);
  auto resp = Resolve(config, req, env, ResolveOptions{&exchange, &proofs});
  if (!resp.ok()) {
    Add(r, CheckState::kFail, name, resp.error().message,
        "kubelet would get no credentials for this image; fix the entry named above");
    return;
  }
  if (resp->auth.empty()) {
    Add(r, CheckState::kFail, name, "no registry entry matches the image",
        "add a match pattern covering it");
    return;
  }
  std::string keys;
  for (const KeyedCredential& k : resp->auth) keys += (keys.empty() ? "" : ", ") + k.key;
  Add(r, CheckState::kOk, name,
      std::to_string(resp->auth.size()) + " credential(s) for " + keys + ", cacheKeyType " +
          std::string(CacheKeyTypeName(resp->cache_key_type)) + ", cacheDuration " +
          FormatCompactDuration(resp->cache_duration.value_or(0)));
}

}  // namespace

CheckLine ClockCheck(const std::string& host, const std::optional<std::string>& date,
                     std::chrono::system_clock::time_point now, std::chrono::seconds max_skew) {
  const std::string name = "registry " + host + " clock";
  auto when = date ? registry::ParseHttpDate(*date) : std::nullopt;
  if (!when) return {CheckState::kSkip, name, "no usable Date header", ""};
  auto skew = std::chrono::duration_cast<std::chrono::seconds>(now - *when);
  std::string text = "local clock is " + std::to_string(std::abs(skew.count())) + " s " +
                     (skew.count() >= 0 ? "ahead of" : "behind") + " the registry";
  if (std::chrono::abs(skew) > max_skew) {
    return {CheckState::kFail, name, text,
            "synchronise the node's clock (chrony, systemd-timesyncd): token lifetimes are judged "
            "by it"};
  }
  return {CheckState::kOk, name, text, ""};
}

void CheckRegistries(const DoctorOptions& o, const Config& config, Env& env, Report& r) {
  std::set<std::string> hosts;
  for (const RegistryEntry& e : config.registries) {
    for (const std::string& p : e.match) {
      std::string host(RegistryOf(p));
      if (Wildcard(host)) {
        if (hosts.insert(host).second) {
          Add(r, CheckState::kSkip, "registry " + host, "wildcard host; pass --image to probe one");
        }
        continue;
      }
      if (hosts.insert(host).second) CheckHost(o, host, e.transport, r);
    }
  }
  for (std::size_t i = 0; i < config.registries.size(); ++i) DryRunEntry(o, config, i, env, r);
  for (const std::string& image : o.images) DryRunImage(o, config, image, env, r);
}

}  // namespace pullguard
