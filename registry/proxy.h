// Which proxy a request goes through, decided as Go's net/http decides it (kubelet, containerd and
// Docker all use golang.org/x/net/http/httpproxy): HTTP_PROXY/http_proxy, HTTPS_PROXY/https_proxy,
// NO_PROXY/no_proxy with Go's matching rules, loopback hosts never proxied. A port of that package
// (proxy.go), with its test table in tests/registry/proxy_test.cc; libcurl is then told the answer
// (CURLOPT_PROXY, CURLOPT_NOPROXY) and never reads the environment itself.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "registry/url.h"

namespace pullguard::registry {

// httpproxy.Config: the variables' values as read, unparsed.
struct ProxyConfig {
  std::string http_proxy;   // HTTP_PROXY, or http_proxy when that is empty
  std::string https_proxy;  // HTTPS_PROXY, or https_proxy when that is empty
  std::string no_proxy;     // NO_PROXY, or no_proxy when that is empty
  bool cgi = false;         // REQUEST_METHOD is set: HTTP_PROXY may come from a client (httpoxy)
};

using GetEnvFn = std::function<std::optional<std::string>(const std::string&)>;

// httpproxy.FromEnvironment, reading through `getenv` (the process shell passes its own, so
// nothing below plugin/ reads the environment).
ProxyConfig ProxyConfigFromEnvironment(const GetEnvFn& getenv);

// (*config).proxyForURL: the proxy URL for a request ("http://host:port", userinfo kept; a value
// without a scheme gets "http://"), or "" for a direct connection. An http request with an
// HTTP_PROXY set in a CGI environment is an error, as in Go.
Result<std::string> ProxyForUrl(const ProxyConfig& config, const Url& url);

// (*config).useProxy for host (lower-case, no brackets) and port: false for loopback hosts and
// for hosts NO_PROXY matches.
bool UseProxy(const ProxyConfig& config, std::string_view host, std::string_view port);

// The proxy URL as libcurl's CURLOPT_PROXY wants it: http and https as they are, socks5 as
// socks5h (Go's SOCKS5 dialer sends the host name to the proxy); any other scheme is an error
// (Go's transport refuses it too). Messages never show the proxy's userinfo.
Result<std::string> CurlProxyString(const std::string& proxy_url);

// Go's idna.Lookup.ToASCII for the NO_PROXY names pullguard can meet: ASCII labels lower-cased,
// others punycode-encoded with the "xn--" prefix (RFC 3492). nullopt when a label cannot be
// encoded.
std::optional<std::string> IdnaToAscii(std::string_view name);

}  // namespace pullguard::registry
