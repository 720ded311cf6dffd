// The acr source's endpoint decisions (see the header): which URL each request goes to, whether
// it may go there, and the transport its client enforces.
#include "plugin/sources/acr_endpoints.h"

#include <array>
#include <chrono>

#include "base/ascii.h"
#include "base/quote.h"
#include "plugin/sources/exchange_context.h"
#include "registry/url.h"

namespace pullguard {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// One DNS label: letters, digits and inner hyphens, 1-63 characters.
bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

// The URL parsed, or an error naming `field`. `what` says what the value must be.
Result<registry::Url> ParseAs(std::string_view value, const std::string& field) {
  auto u = registry::ParseUrl(value);
  if (!u.ok()) return MakeError(ErrorKind::kInvalidArgument, field + ": " + u.error().message);
  if (u->has_userinfo) {
    return MakeError(ErrorKind::kInvalidArgument, field + ": must not contain credentials");
  }
  return u;
}

// Requests that carry a credential (the pod's token, an Entra ID token) go over verified TLS,
// or in clear text to this machine only.
Status RequireTlsOrLoopback(const registry::Url& u, const std::string& field) {
  if (u.scheme == "https" || registry::IsLoopbackHost(u.host)) return Status::Ok();
  return MakeError(ErrorKind::kInvalidArgument,
                   field + ": " + u.Redacted() +
                       " would receive a token in clear text; use https (plain http only to a "
                       "loopback host)");
}

// An origin: scheme://host[:port] with at most a "/" after it.
Status RequireOrigin(const registry::Url& u, const std::string& field) {
  if (u.path == "/" && u.query.empty()) return Status::Ok();
  return MakeError(
      ErrorKind::kInvalidArgument,
      field + ": must be scheme://host[:port] only (the API path is Azure's), not " + u.Redacted());
}

}  // namespace

bool IsAcrLoginServer(std::string_view host) {
  static constexpr std::array<std::string_view, 4> kSuffixes = {".azurecr.io", ".azurecr.cn",
                                                                ".azurecr.de", ".azurecr.us"};
  std::string h = AsciiLower(host);
  for (std::string_view suffix : kSuffixes) {
    if (h.size() > suffix.size() && h.ends_with(suffix)) {
      return IsDnsLabel(std::string_view(h).substr(0, h.size() - suffix.size()));
    }
  }
  return false;
}

bool IsAzureGuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = s[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

bool IsAzureTenant(std::string_view s) {
  if (IsAzureGuid(s)) return true;
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!IsDnsLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Status CheckAcrSpec(const AcrSourceSpec& spec) {
  if (!spec.client_id.empty() && !IsAzureGuid(spec.client_id)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "acr.clientId: " + QuoteForError(spec.client_id) +
                         " is not a client id (8-4-4-4-12 hex digits)");
  }
  if (!spec.tenant_id.empty() && !IsAzureTenant(spec.tenant_id)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "acr.tenantId: " + QuoteForError(spec.tenant_id) +
                         " is not a tenant id (a GUID or a domain name)");
  }
  if (auto imds = ImdsTarget(spec); !imds.ok()) return imds.error();
  if (!spec.exchange_endpoint.empty()) {
    // The registry does not matter once the endpoint is configured.
    if (auto ex = ExchangeTarget(spec, ""); !ex.ok()) return ex.error();
  }
  return Status::Ok();
}

Result<AcrTarget> ImdsTarget(const AcrSourceSpec& spec) {
  const std::string field = "acr.imdsEndpoint";
  std::string origin =
      spec.imds_endpoint.empty() ? std::string(kDefaultImdsEndpoint) : spec.imds_endpoint;
  auto u = ParseAs(origin, field);
  if (!u.ok()) return u.error();
  if (Status st = RequireOrigin(*u, field); !st.ok()) return st.error();
  auto endpoint = EndpointForUrl(u->Origin());
  if (!endpoint.ok()) return endpoint.error();
  if (u->scheme == "http" && !registry::IsLoopbackHost(u->host)) {
    // IMDS is plain HTTP on a link-local address the hypervisor answers: it never leaves the
    // host, and the request carries no secret (only the answer does). Any other clear-text host
    // could be anyone's.
    if (u->host != kImdsAddress || u->port != 80) {
      return MakeError(ErrorKind::kInvalidArgument,
                       field + ": " + u->Redacted() +
                           " is plain http to a host that is neither Azure IMDS (" +
                           std::string(kImdsAddress) + ") nor loopback; use https");
    }
    endpoint->transport.insecure = true;  // plain HTTP to this host only; nothing to verify
  }
  // IMDS answers in milliseconds on Azure and not at all elsewhere: fail in seconds, not in the
  // 25 s a registry call may take, so a node outside Azure learns it quickly.
  endpoint->transport.connect_timeout = std::chrono::seconds(2);
  endpoint->transport.attempt_timeout = std::chrono::seconds(5);
  endpoint->transport.call_budget = std::chrono::seconds(12);
  endpoint->transport.max_redirects = 0;
  return AcrTarget{u->Origin() + "/metadata/identity/oauth2/token", std::move(*endpoint)};
}

Result<AcrTarget> EntraTarget(const std::optional<std::string>& authority_host,
                              std::string_view tenant) {
  const std::string field = "AZURE_AUTHORITY_HOST";
  std::string host = authority_host.value_or(std::string(kDefaultAuthorityHost));
  auto u = ParseAs(host, field);
  if (!u.ok()) return u.error();
  if (Status st = RequireOrigin(*u, field); !st.ok()) return st.error();
  if (Status st = RequireTlsOrLoopback(*u, field); !st.ok()) return st.error();
  if (!IsAzureTenant(tenant)) {
    return MakeError(ErrorKind::kInvalidArgument, "tenant " + QuoteForError(tenant) +
                                                      " is not a tenant id (a GUID or a domain "
                                                      "name)");
  }
  auto endpoint = EndpointForUrl(u->Origin());
  if (!endpoint.ok()) return endpoint.error();
  return AcrTarget{u->Origin() + "/" + std::string(tenant) + "/oauth2/v2.0/token",
                   std::move(*endpoint)};
}

Result<AcrTarget> ExchangeTarget(const AcrSourceSpec& spec, std::string_view registry) {
  const std::string field = "acr.exchangeEndpoint";
  std::string url = spec.exchange_endpoint;
  if (url.empty()) {
    if (!IsAcrLoginServer(registry)) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "acr: " + QuoteForError(registry) +
                           " is not an Azure Container Registry login server (*.azurecr.io, "
                           "*.azurecr.cn, *.azurecr.de, *.azurecr.us); set acr.exchangeEndpoint "
                           "to exchange tokens for it elsewhere");
    }
    url = "https://" + AsciiLower(registry) + "/oauth2/exchange";
  }
  auto u = ParseAs(url, field);
  if (!u.ok()) return u.error();
  if (Status st = RequireTlsOrLoopback(*u, field); !st.ok()) return st.error();
  auto endpoint = EndpointForUrl(u->Origin());
  if (!endpoint.ok()) return endpoint.error();
  return AcrTarget{u->ToString(), std::move(*endpoint)};
}

}  // namespace pullguard
