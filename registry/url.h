// Minimal URL handling for registry calls: split absolute http(s) URLs, resolve redirects,
// percent-encode query and form values, and print URLs without credentials or query.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/secret.h"

namespace pullguard::registry {

struct Url {
  std::string scheme;  // "http" or "https", lower-case
  std::string host;    // lower-case; IPv6 without brackets
  int port = 0;        // explicit or the scheme's default
  std::string path;    // starts with '/', "/" when absent
  std::string query;   // without '?', may be empty
  bool has_userinfo = false;

  // scheme://host[:port] with the port only when not the default; brackets for IPv6.
  std::string Origin() const;
  // Origin + path: what error messages show (no userinfo, no query), cut after 200 characters.
  std::string Redacted() const;
  // The full URL to send (never includes userinfo).
  std::string ToString() const;
  // Same scheme, host and port: the rule for keeping Authorization across a redirect.
  bool SameOrigin(const Url& other) const;
};

// Parses an absolute http:// or https:// URL. Anything else (other schemes, spaces, control
// characters, bad ports, over 8 KiB) is kInvalidArgument. The message never echoes userinfo.
Result<Url> ParseUrl(std::string_view text);

// Resolves a Location header value against the URL that produced it (absolute, scheme-relative,
// absolute-path and relative-path forms).
Result<Url> ResolveReference(const Url& base, std::string_view location);

// RFC 3986 unreserved characters kept, everything else %XX (space as %20).
std::string PercentEncode(std::string_view value);

// application/x-www-form-urlencoded body "a=1&b=2" (space as '+'). The body usually holds a
// password or token, so it is returned as a Secret.
Secret FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// Appends "name=value" (percent-encoded) to a URL's query, with '&' when needed.
void AppendQuery(Url& url, std::string_view name, std::string_view value);

}  // namespace pullguard::registry
