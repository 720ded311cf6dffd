// Transport policy: which URLs may use plain HTTP, when TLS is verified and where a credential may
// go in clear text. Decided from the entry's `insecure` setting, the registry's own host and
// whether a host is loopback (canonical text, never DNS: registry/host.h).
#include "registry/transport.h"

#include "base/ascii.h"

namespace pullguard::registry {

std::string ApiHost(std::string_view host) {
  std::string h = AsciiLower(host);
  if (h == "docker.io" || h == "index.docker.io") return "registry-1.docker.io";
  return std::string(host);
}

std::string BaseUrl(const RegistryEndpoint& endpoint) {
  return (endpoint.transport.plain_http ? "http://" : "https://") + ApiHost(endpoint.host);
}

bool AllowsPlainHttp(const RegistryEndpoint& endpoint) {
  return endpoint.transport.insecure.value_or(IsLoopbackHost(endpoint.host));
}

bool VerifiesTls(const RegistryEndpoint& endpoint) {
  return !endpoint.transport.insecure.value_or(false);
}

bool IsRegistryHost(const RegistryEndpoint& endpoint, const Url& url) {
  auto base = ParseUrl(BaseUrl(endpoint));
  return base.ok() && base->host == url.host && base->port == url.port;
}

bool AllowsPlainHttpTo(const RegistryEndpoint& endpoint, const Url& url) {
  return AllowsPlainHttp(endpoint) && (IsRegistryHost(endpoint, url) || IsLoopbackHost(url.host));
}

bool VerifiesTlsFor(const RegistryEndpoint& endpoint, const Url& url) {
  return VerifiesTls(endpoint) || !IsRegistryHost(endpoint, url);
}

bool ClearTextCredentialAllowed(const RegistryEndpoint& endpoint, const Url& url) {
  if (url.scheme == "https") return true;
  bool entry_allows = IsLoopbackHost(endpoint.host) || endpoint.transport.insecure == true;
  return entry_allows && IsLoopbackHost(url.host);
}

}  // namespace pullguard::registry
