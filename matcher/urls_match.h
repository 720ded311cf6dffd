// kubelet's URLsMatch (pkg/credentialprovider/keyring.go): does a matchImages / auth-key pattern
// cover an image? Label globs, equal label counts, equal ports, string-prefix paths.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard {

// The host+path parse of "https://<s>" that kubelet does before matching (Go net/url semantics:
// '?' starts a query, '#' a fragment, '[' outside an IPv6 literal fails, '%' must be a valid
// escape).
struct SchemelessUrl {
  std::string host;  // without port
  std::string port;  // empty when absent
  std::string path;  // starts with '/' or is empty
};
Result<SchemelessUrl> ParseSchemelessUrl(std::string_view s);

// Error when either side does not parse; false when it parses but does not match.
Result<bool> UrlsMatch(std::string_view pattern, std::string_view image);

}  // namespace pullguard
