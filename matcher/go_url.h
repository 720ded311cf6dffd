// The slice of Go's net/url.Parse and net.SplitHostPort that kubelet's keyring relies on: parsing
// "https://<s>" into host and path, with Go's errors for the same inputs.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard {

struct GoUrl {
  std::string host;  // url.Host: unescaped, "[v6]" literals keep brackets, may carry ":port"
  std::string path;  // url.Path: unescaped
};

// url.Parse(scheme + "://" + rest) for a scheme Go accepts ("https", "http"); `rest` is what
// follows "://". Errors are Go's (invalid control character, bad escapes, bad ports, '[').
Result<GoUrl> ParseGoUrl(std::string_view rest);

struct HostPort {
  std::string host;
  std::string port;
};

// net.SplitHostPort; on error kubelet keeps the whole host and an empty port, so do we (ok=false).
bool GoSplitHostPort(std::string_view hostport, HostPort* out);

// netip.ParseAddr restricted to what a bracketed host may hold: an IPv6 address, optional %zone.
bool ParseGoIpv6(std::string_view s);

}  // namespace pullguard
