// URL splitting and encoding for the few URL shapes registry calls meet (registry base URLs, token
// realms, Location headers). Strict on purpose: anything odd is refused rather than guessed.
#include "registry/url.h"

#include <cctype>
#include <charconv>

#include "base/ascii.h"
#include "registry/host.h"

namespace pullguard::registry {
namespace {

constexpr std::size_t kMaxUrl = 8 * 1024;

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

Error Invalid(std::string what) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(what));
}

}  // namespace

std::string Url::Origin() const {
  std::string out = scheme + "://";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  int default_port = scheme == "https" ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::Redacted() const {
  // What error lines show: a hostile realm or Location (up to 8 KiB) must not fill them.
  constexpr std::size_t kMaxShown = 200;
  std::string out = Origin() + path;
  if (out.size() > kMaxShown) out = out.substr(0, kMaxShown) + "...";
  return out;
}

std::string Url::ToString() const {
  return query.empty() ? Origin() + path : Origin() + path + "?" + query;
}

bool Url::SameOrigin(const Url& other) const {
  return scheme == other.scheme && host == other.host && port == other.port;
}

Result<Url> ParseUrl(std::string_view text) {
  if (text.size() > kMaxUrl) return Invalid("URL longer than 8 KiB");
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Invalid("URL contains spaces or control characters");
  }
  Url url;
  std::string_view rest;
  if (AsciiStartsWithFold(text, "https://")) {
    url.scheme = "https";
    url.port = 443;
    rest = text.substr(8);
  } else if (AsciiStartsWithFold(text, "http://")) {
    url.scheme = "http";
    url.port = 80;
    rest = text.substr(7);
  } else {
    return Invalid("URL is not http:// or https://");
  }
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.has_userinfo = true;
    authority = authority.substr(at + 1);
  }
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("URL has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("URL has junk after the IPv6 address");
      port = after.substr(1);
    }
    for (char c : host) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        return Invalid("URL has a bad IPv6 address");
      }
    }
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    for (char c : host) {
      if (!IsHostChar(c)) return Invalid("URL has a bad host name");
    }
  }
  if (host.empty()) return Invalid("URL has no host");
  // One spelling per address, so every policy decision sees what libcurl connects to; numeric
  // spellings libcurl and Go read differently are refused (registry/host.h).
  auto canonical = CanonicalHost(host);
  if (!canonical.ok()) return Invalid("URL " + canonical.error().message);
  url.host = std::move(*canonical);
  if (!port.empty()) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
      return Invalid("URL has a bad port");
    }
    url.port = p;
  }
  std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  std::size_t q = rest.find('?');
  url.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) url.query = std::string(rest.substr(q + 1));
  if (url.path.empty()) url.path = "/";
  return url;
}

Result<Url> ResolveReference(const Url& base, std::string_view location) {
  if (location.empty()) return Invalid("redirect without a location");
  if (AsciiStartsWithFold(location, "http://") || AsciiStartsWithFold(location, "https://")) {
    return ParseUrl(location);
  }
  if (location.size() >= 2 && location.substr(0, 2) == "//") {
    return ParseUrl(base.scheme + ":" + std::string(location));
  }
  if (location.find("://") != std::string_view::npos && location.find("://") < location.find('/')) {
    return Invalid("redirect to a URL that is not http:// or https://");
  }
  std::string origin = base.Origin();
  if (location.front() == '/') return ParseUrl(origin + std::string(location));
  std::string dir = base.path.substr(0, base.path.rfind('/') + 1);
  if (location.front() == '?') return ParseUrl(origin + base.path + std::string(location));
  return ParseUrl(origin + dir + std::string(location));
}

std::string PercentEncode(std::string_view value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

Secret FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body.push_back('&');
    body += PercentEncode(name);
    body.push_back('=');
    std::string v = PercentEncode(value);
    // Forms encode a space as '+'; PercentEncode produced "%20".
    std::string plus;
    plus.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v.compare(i, 3, "%20") == 0) {
        plus.push_back('+');
        i += 2;
      } else {
        plus.push_back(v[i]);
      }
    }
    body += plus;
  }
  return Secret(std::move(body));
}

void AppendQuery(Url& url, std::string_view name, std::string_view value) {
  if (!url.query.empty()) url.query.push_back('&');
  url.query += PercentEncode(name);
  url.query.push_back('=');
  url.query += PercentEncode(value);
}

}  // namespace pullguard::registry
