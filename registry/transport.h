// Transport rules for one registry entry: TLS files, plain-HTTP policy, timeouts, retries and caps.
// Pure data plus the policy functions every request of a call is checked against.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "registry/host.h"
#include "registry/proxy.h"
#include "registry/url.h"

namespace pullguard::registry {

struct TransportOptions {
  // Unset: plain HTTP is allowed only when the registry host is a loopback address (127.0.0.0/8,
  // ::1, localhost); TLS stays verified. true: plain HTTP allowed AND TLS not verified (the entry
  // said `insecure: true`), for the registry's own host:port only. false: https only, verified,
  // even for loopback.
  std::optional<bool> insecure;
  // Talk http:// to the registry. Refused (kInvalidArgument) unless plain HTTP is allowed.
  bool plain_http = false;
  // PEM files for the registry host only (like Docker's certs.d/<host>/): the CA bundle replaces
  // the system store for that host; the client certificate and key are sent only to that host.
  // Token realms and redirect targets on other hosts use the system store and no client
  // certificate.
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;

  // Timeouts. The call budget covers the whole life of one HttpClient (all requests, retries,
  // back-off waits and redirects), so a get-credentials exec ends well under kubelet's 60 s.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds attempt_timeout{10000};
  std::chrono::milliseconds call_budget{25000};

  // Retries on 429, 500, 502, 503, 504 and on connection failures; exponential back-off from
  // backoff_base (with jitter), or the server's Retry-After when it sends one. A Retry-After longer
  // than max_retry_after or beyond the remaining budget ends the call at once with an error.
  int max_attempts = 3;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds max_retry_after{10000};

  // Caps: a larger body or header block aborts the transfer with an error.
  std::size_t max_body_bytes = 4u << 20;  // distribution's own manifest limit
  std::size_t max_header_bytes = 64u << 10;
  int max_redirects = 5;

  std::string user_agent = "pullguard";

  // The process's proxy settings (ProxyConfigFromEnvironment, filled by the process shell);
  // default: no proxy. Each request's proxy is decided from them (ProxyForUrl).
  ProxyConfig proxy;
};

// A registry as pullguard talks to it.
struct RegistryEndpoint {
  std::string host;  // host[:port] as in image references, e.g. "registry.example:5000"
  TransportOptions transport;
};

// "docker.io" and "index.docker.io" are served at "registry-1.docker.io"; every other host as is.
std::string ApiHost(std::string_view host);

// "https://<api host>" or "http://<api host>" when transport.plain_http (checked: see below).
std::string BaseUrl(const RegistryEndpoint& endpoint);

// Policy for the entry: does it allow plain HTTP at all (`insecure: true`, or unset and the
// registry host is loopback)?
bool AllowsPlainHttp(const RegistryEndpoint& endpoint);
// Policy for the entry's own host: is its certificate verified? False only for `insecure: true`.
bool VerifiesTls(const RegistryEndpoint& endpoint);

// The policies for one URL of a call (registry, token realm, redirect target, exchange endpoint),
// the shared rules every source follows (docs/registry.md "Transport rules"):
// Is `url` the registry's own host:port (Docker's certs.d/<host:port>)? Hosts are canonical.
bool IsRegistryHost(const RegistryEndpoint& endpoint, const Url& url);
// May `url` be spoken to over http://? Only when the entry allows plain HTTP, and only to the
// registry's own host or to a loopback host.
bool AllowsPlainHttpTo(const RegistryEndpoint& endpoint, const Url& url);
// Is the certificate of `url` verified? Always, except the registry's own host under `insecure:
// true`: token realms, redirect targets and exchange endpoints on other hosts are verified (the
// system store; the entry's caFile only on its own host).
bool VerifiesTlsFor(const RegistryEndpoint& endpoint, const Url& url);
// May a password, refresh token, service-account token or Basic credential go to `url`? Over
// https, yes. In clear text (http://) only to a loopback host, and only when the registry entry
// itself is loopback or `insecure: true`.
bool ClearTextCredentialAllowed(const RegistryEndpoint& endpoint, const Url& url);

}  // namespace pullguard::registry
