// The HTTP seam of registry/: requests and responses as values, an interface with one real
// implementation over libcurl (loaded and initialised on first use) and fakes in tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/secret.h"
#include "registry/transport.h"

namespace pullguard::registry {

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST or PUT (IMDSv2's session token)
  std::string url;             // absolute http(s) URL without userinfo
  // Extra headers, not secret (e.g. Accept). Never put Authorization here.
  std::vector<std::pair<std::string, std::string>> headers;
  // Full Authorization value ("Basic ...", "Bearer ..."). Sent to the request's origin only:
  // dropped when a redirect leaves that scheme/host/port.
  std::optional<Secret> authorization;
  Secret body;  // POST/PUT body (form bodies carry passwords)
  // The request carries a password, refresh token, service-account token or Basic credential
  // (set by the token flows and exchange sources). Such a request goes in clear text only where
  // ClearTextCredentialAllowed says so; a Basic Authorization and any POST body count as one
  // whatever this says.
  bool credential = false;
  std::string content_type;  // POST/PUT only, e.g. "application/x-www-form-urlencoded"
  bool follow_redirects = true;
  bool retry = true;  // retry 429/5xx/connection failures within the call budget
};

struct HttpResponse {
  long status = 0;
  // Header names lower-cased, values trimmed, in arrival order; only the final response's headers.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;       // empty for HEAD; at most TransportOptions::max_body_bytes
  std::string final_url;  // after redirects, redacted (no userinfo, no query)
  int attempts = 1;       // requests made for this call to Send, redirects not counted

  // First value of a header (name case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // Every value of a header, in order (e.g. several WWW-Authenticate lines).
  std::vector<std::string> Headers(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a successful Send (the caller interprets it), except that a 429/5xx still
  // failing after the last retry is kUnavailable (with retry=false it is returned as is). Transport
  // failures, timeouts, policy violations (plain HTTP not allowed, redirect loop, caps exceeded)
  // are errors. Messages name the redacted URL and never contain a credential.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

// The real client for one registry call: one curl easy handle reused for every Send (connection
// reuse), the endpoint's transport rules, the call budget starting at construction. libcurl is
// dlopen()ed and curl_global_init()ed on the first Send of the process, never before; if it cannot
// be loaded, Send returns kInternal. The proxy of each request is decided from
// endpoint.transport.proxy with Go's rules (registry/proxy.h); libcurl never reads the proxy
// variables itself.
std::unique_ptr<HttpClient> NewCurlClient(const RegistryEndpoint& endpoint);

// Whether this process has loaded libcurl yet (for tests of the lazy start-up).
bool CurlLoaded();

}  // namespace pullguard::registry
