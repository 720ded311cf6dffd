// What the identity-exchange sources and the preflight need beyond files: the request's
// service-account token, the clock, the state dir (token cache) and a way to make HTTP clients.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "plugin/kubelet/duration.h"
#include "plugin/sources/source.h"
#include "registry/http_client.h"
#include "registry/token_cache.h"
#include "registry/transport.h"

namespace pullguard {

using ClientFactory =
    std::function<std::unique_ptr<registry::HttpClient>(const registry::RegistryEndpoint&)>;

struct ExchangeContext {
  Secret service_account_token;  // empty: the pod has none (or an older protocol version)
  // The pod's service-account annotations (v1 requests, KEP-4412): which cloud role or identity
  // the pod asks for (e.g. eks.amazonaws.com/ecr-role-arn).
  std::map<std::string, std::string> service_account_annotations;
  // The process environment: kubelet passes a provider's `env` from its config, so endpoint
  // overrides and cloud identity variables (AWS_*, AZURE_*, GCE_METADATA_HOST) are read through
  // this, never with std::getenv, and tests give their own. Unset: an empty environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<std::chrono::system_clock::time_point()> now;
  std::string state_dir;     // token cache in <state_dir>/tokens
  ClientFactory new_client;  // registry::NewCurlClient outside tests
  // Config `staleIfError`: a still-valid cached token answers when its refresh finds no server.
  bool stale_if_error = false;
  // doctor's dry runs: tokens are fetched anew (then stored), never answered from the token cache,
  // so the run proves that the identity provider and the exchange work now (the acr source).
  bool fresh = false;
  // Every network call and token-cache lock wait of the exec ends by then (kExecBudget after the
  // start in MakeExchangeContext), so failures come well before kubelet's 60 s exec timeout.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The registry entry's transport rules (TLS files, insecure); set per entry by Resolve.
  registry::TransportOptions transport;
};

inline constexpr std::chrono::seconds kExecBudget{40};

// What is left of `deadline`, at most `cap` (at least 1 ms, so a spent budget fails at once).
std::chrono::milliseconds BudgetLeft(std::chrono::steady_clock::time_point deadline,
                                     std::chrono::milliseconds cap);

// ctx.getenv(name), or nullopt when the context has no environment (an empty value counts as unset,
// as the AWS, Azure and Google libraries treat it).
std::optional<std::string> EnvVar(const ExchangeContext& ctx, const std::string& name);

// The real context for one request. Every client it makes uses `proxy` (the process's proxy
// variables, registry::ProxyConfigFromEnvironment), except for link-local hosts (below).
ExchangeContext MakeExchangeContext(const Secret& service_account_token, std::string state_dir,
                                    std::function<std::chrono::system_clock::time_point()> now,
                                    registry::ProxyConfig proxy = {});

// The proxy settings a client for `host` (host[:port]) gets: none for a link-local IPv4 address
// (169.254.0.0/16, where clouds serve instance metadata: Azure IMDS, AWS IMDS, Google's metadata
// server) nor for AWS's two IPv6 metadata addresses [fd00:ec2::254] (IMDS) and [fd00:ec2::23]
// (EKS Pod Identity). Only this machine can ask its metadata service; through a proxy the answer
// would be the proxy host's identity, or a refusal. `proxy` for every other host.
registry::ProxyConfig ProxyConfigForHost(std::string_view host, const registry::ProxyConfig& proxy);

// How a registry host is reached under an entry's transport rules: plain HTTP for `insecure: true`
// and, unless the entry says `insecure: false`, for loopback hosts; https everywhere else.
registry::RegistryEndpoint EndpointForHost(std::string_view host,
                                           const registry::TransportOptions& transport = {});
// The endpoint whose transport rules apply to a token/exchange URL (its host[:port]).
Result<registry::RegistryEndpoint> EndpointForUrl(std::string_view url);

// <state_dir>/tokens; a cached token is handed out while it stays valid for `min_validity`.
registry::TokenCache TokenCacheFor(const ExchangeContext& ctx, Env& env,
                                   std::chrono::seconds min_validity = std::chrono::seconds(30));

// Kubelet's cacheDuration for a credential valid in [issued_at, expires_at): the time left minus a
// safety margin of 10% of its lifetime (at least 10 s, at most 5 min), in whole seconds, 0 when
// already (or nearly) expired.
GoDuration CacheDurationUntil(std::chrono::system_clock::time_point issued_at,
                              std::chrono::system_clock::time_point expires_at,
                              std::chrono::system_clock::time_point now);
std::chrono::seconds SafetyMargin(std::chrono::system_clock::time_point issued_at,
                                  std::chrono::system_clock::time_point expires_at);

// The unverified payload claims of a JWT that pullguard uses: `exp`, the service account's
// kubernetes.io coordinates and Entra ID's `tid`. Not a JWT (or no such claim): the field stays
// empty.
struct JwtClaims {
  std::optional<std::chrono::system_clock::time_point> expires_at;
  std::string ns, name, uid;
  std::string tenant;  // `tid`: the tenant of an Entra ID token
};
JwtClaims PeekJwtClaims(const Secret& token);

}  // namespace pullguard
