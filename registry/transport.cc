// Transport policy: which registry hosts may use plain HTTP and when TLS is verified. Decided from
// the entry's `insecure` setting and whether the host is loopback (never from DNS).
#include "registry/transport.h"

#include <arpa/inet.h>

#include <algorithm>

#include "base/ascii.h"

namespace pullguard::registry {
namespace {

// The host part of host[:port], [v6]:port or a bare IPv6 literal.
std::string HostPart(std::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) return {};
    return std::string(host_port.substr(1, close - 1));
  }
  if (std::count(host_port.begin(), host_port.end(), ':') > 1) return std::string(host_port);
  return std::string(host_port.substr(0, host_port.find(':')));
}

}  // namespace

std::string ApiHost(std::string_view host) {
  std::string h = AsciiLower(host);
  if (h == "docker.io" || h == "index.docker.io") return "registry-1.docker.io";
  return std::string(host);
}

std::string BaseUrl(const RegistryEndpoint& endpoint) {
  return (endpoint.transport.plain_http ? "http://" : "https://") + ApiHost(endpoint.host);
}

bool IsLoopbackHost(std::string_view host_port) {
  std::string host = AsciiLower(HostPart(host_port));
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    static const in6_addr kLoopback = IN6ADDR_LOOPBACK_INIT;
    return std::equal(std::begin(v6.s6_addr), std::end(v6.s6_addr), std::begin(kLoopback.s6_addr));
  }
  return false;
}

bool AllowsPlainHttp(const RegistryEndpoint& endpoint) {
  return endpoint.transport.insecure.value_or(IsLoopbackHost(endpoint.host));
}

bool VerifiesTls(const RegistryEndpoint& endpoint) {
  return !endpoint.transport.insecure.value_or(false);
}

}  // namespace pullguard::registry
