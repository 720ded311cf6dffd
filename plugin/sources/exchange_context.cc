// The exchange context: endpoints, the token cache location, kubelet cache durations for
// short-lived credentials, and a peek into JWT claims (never a verification: only dates and names).
#include "plugin/sources/exchange_context.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "registry/host.h"
#include "registry/url.h"

namespace pullguard {

using std::chrono::system_clock;

ExchangeContext MakeExchangeContext(const Secret& service_account_token, std::string state_dir,
                                    std::function<system_clock::time_point()> now,
                                    registry::ProxyConfig proxy) {
  ExchangeContext c;
  c.service_account_token = service_account_token;
  c.state_dir = std::move(state_dir);
  c.now = std::move(now);
  c.deadline = std::chrono::steady_clock::now() + kExecBudget;
  // Each client gets what is left of the exec's budget: a source and a preflight that both meet
  // a dead server still end together within kExecBudget.
  c.new_client = [deadline = c.deadline,
                  proxy = std::move(proxy)](const registry::RegistryEndpoint& e) {
    registry::RegistryEndpoint bounded = e;
    bounded.transport.call_budget = BudgetLeft(deadline, e.transport.call_budget);
    bounded.transport.proxy = ProxyConfigForHost(e.host, proxy);
    return registry::NewCurlClient(bounded);
  };
  return c;
}

registry::ProxyConfig ProxyConfigForHost(std::string_view host,
                                         const registry::ProxyConfig& proxy) {
  auto h = registry::CanonicalHost(registry::HostPart(host));
  if (!h.ok()) return proxy;
  // AWS's IPv6 twins of 169.254.169.254 (IMDS) and 169.254.170.23 (EKS Pod Identity), as
  // CanonicalHost (RFC 5952) writes them: exactly these two, not fd00::/8, a unique-local range
  // that real networks route (and proxy).
  if (*h == "fd00:ec2::254" || *h == "fd00:ec2::23") return {};
  // A dotted quad as CanonicalHost writes it (so not a name such as 169.254.example.org).
  if (h->rfind("169.254.", 0) != 0 || std::count(h->begin(), h->end(), '.') != 3 ||
      h->find_first_not_of("0123456789.") != std::string::npos) {
    return proxy;
  }
  return {};
}

std::optional<std::string> EnvVar(const ExchangeContext& ctx, const std::string& name) {
  if (!ctx.getenv) return std::nullopt;
  auto v = ctx.getenv(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

std::chrono::milliseconds BudgetLeft(std::chrono::steady_clock::time_point deadline,
                                     std::chrono::milliseconds cap) {
  using std::chrono::milliseconds;
  if (deadline == std::chrono::steady_clock::time_point::max()) return cap;
  auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::clamp(left, milliseconds(1), cap);
}

registry::RegistryEndpoint EndpointForHost(std::string_view host,
                                           const registry::TransportOptions& transport) {
  registry::RegistryEndpoint e;
  e.host = std::string(host);
  e.transport = transport;
  e.transport.plain_http = transport.insecure.value_or(false) ||
                           (!transport.insecure.has_value() && registry::IsLoopbackHost(host));
  return e;
}

Result<registry::RegistryEndpoint> EndpointForUrl(std::string_view url) {
  auto u = registry::ParseUrl(url);
  if (!u.ok()) return u.error();
  registry::RegistryEndpoint e;
  std::string origin = u->Origin();
  e.host = origin.substr(origin.find("://") + 3);
  // A default port is not in Origin(); the host alone is what loopback checks need.
  e.transport.plain_http = u->scheme == "http";
  return e;
}

registry::TokenCache TokenCacheFor(const ExchangeContext& ctx, Env& env,
                                   std::chrono::seconds min_validity) {
  registry::TokenCacheOptions options;
  options.min_validity = min_validity;
  options.stale_if_error = ctx.stale_if_error;
  options.lock_timeout = BudgetLeft(ctx.deadline, options.lock_timeout);
  return registry::TokenCache(env, ctx.state_dir + "/tokens", options);
}

std::chrono::seconds SafetyMargin(system_clock::time_point issued_at,
                                  system_clock::time_point expires_at) {
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(expires_at - issued_at);
  return std::clamp(lifetime / 10, std::chrono::seconds(10), std::chrono::seconds(300));
}

GoDuration CacheDurationUntil(system_clock::time_point issued_at,
                              system_clock::time_point expires_at, system_clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(expires_at - now) -
              SafetyMargin(issued_at, expires_at);
  if (left.count() <= 0) return 0;
  return left.count() * kSecond;
}

JwtClaims PeekJwtClaims(const Secret& token) {
  JwtClaims out;
  const std::string& t = token.reveal();
  auto a = t.find('.');
  auto b = a == std::string::npos ? a : t.find('.', a + 1);
  if (b == std::string::npos || b - a - 1 > 64 * 1024) return out;
  std::string payload = t.substr(a + 1, b - a - 1);
  // base64url without padding -> the standard alphabet GoBase64Decode reads.
  for (char& c : payload) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (!payload.empty() && payload.back() == '=') payload.pop_back();
  auto json = GoBase64Decode(payload, /*padded=*/false);
  if (!json) return out;
  nlohmann::json j = nlohmann::json::parse(*json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return out;
  // Up to 4e9 s (year 2096): system_clock counts nanoseconds in 64 bits, which end in 2262, and
  // later arithmetic adds margins; an exp beyond is treated as absent, never wrapped.
  if (auto e = j.find("exp");
      e != j.end() && e->is_number() && e->get<double>() > 0 && e->get<double>() < 4e9) {
    out.expires_at = system_clock::time_point(std::chrono::seconds(e->get<long long>()));
  }
  if (auto tid = j.find("tid"); tid != j.end() && tid->is_string()) out.tenant = *tid;
  auto k = j.find("kubernetes.io");
  if (k == j.end() || !k->is_object()) return out;
  if (auto n = k->find("namespace"); n != k->end() && n->is_string()) out.ns = *n;
  auto sa = k->find("serviceaccount");
  if (sa == k->end() || !sa->is_object()) return out;
  if (auto n = sa->find("name"); n != sa->end() && n->is_string()) out.name = *n;
  if (auto u = sa->find("uid"); u != sa->end() && u->is_string()) out.uid = *u;
  return out;
}

}  // namespace pullguard
