// Port of Go's net/url parse (authority, host, escapes; Go >= 1.25.2 IP-literal rules),
// net.SplitHostPort and netip's IPv6 parser, limited to the URLs kubelet builds from image names.
#include "matcher/go_url.h"

#include <cstdint>

#include "base/quote.h"

namespace pullguard {
namespace {

enum class Mode { kHost, kZone, kPath, kUserPassword, kFragment };

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int Unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// shouldEscape for the host and zone modes (the only modes where it decides an error).
bool HostShouldEscape(unsigned char c) {
  if (IsAlnum(c)) return false;
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '[':
    case ']':
    case '<':
    case '>':
    case '"':
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    default:
      return true;
  }
}

Error UrlError(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

Result<std::string> Unescape(std::string_view s, Mode mode) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) {
        return UrlError("invalid URL escape " + Quote(s.substr(i, 3)));
      }
      std::string_view triple = s.substr(i, 3);
      if (mode == Mode::kHost && Unhex(s[i + 1]) < 8 && triple != "%25") {
        return UrlError("invalid URL escape " + Quote(triple));
      }
      if (mode == Mode::kZone) {
        auto v = static_cast<unsigned char>(Unhex(s[i + 1]) << 4 | Unhex(s[i + 2]));
        if (triple != "%25" && v != ' ' && HostShouldEscape(v)) {
          return UrlError("invalid URL escape " + Quote(triple));
        }
      }
      i += 3;
      continue;
    }
    if ((mode == Mode::kHost || mode == Mode::kZone) && c != '+' && c < 0x80 &&
        HostShouldEscape(c)) {
      return UrlError("invalid character " + Quote(std::string_view(&s[i], 1)) + " in host name");
    }
    ++i;
  }
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out.push_back(static_cast<char>(Unhex(s[i + 1]) << 4 | Unhex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char b : port.substr(1)) {
    if (b < '0' || b > '9') return false;
  }
  return true;
}

bool ValidUserinfo(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAlnum(c)) continue;
    switch (c) {
      case '-':
      case '.':
      case '_':
      case ':':
      case '~':
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':
      case ';':
      case '=':
      case '%':
      case '@':
        continue;
      default:
        return false;
    }
  }
  return true;
}

Error BadPort(std::string_view colon_port) {
  return UrlError("invalid port " + Quote(colon_port) + " after host");
}

Result<std::string> ParseHost(std::string_view host) {
  size_t open = host.rfind('[');
  if (open != std::string_view::npos && open > 0) return UrlError("invalid IP-literal");
  if (open == 0) {
    size_t close = host.rfind(']');
    if (close == std::string_view::npos) return UrlError("missing ']' in host");
    std::string_view colon_port = host.substr(close + 1);
    if (!ValidOptionalPort(colon_port)) return BadPort(colon_port);
    std::string_view hostname = host.substr(1, close - 1);
    std::string unescaped;
    size_t zone = hostname.find("%25");
    if (zone != std::string_view::npos) {
      auto h = Unescape(hostname.substr(0, zone), Mode::kHost);
      if (!h.ok()) return h.error();
      auto z = Unescape(hostname.substr(zone), Mode::kZone);
      if (!z.ok()) return z.error();
      unescaped = *h + *z;
    } else {
      auto h = Unescape(hostname, Mode::kHost);
      if (!h.ok()) return h.error();
      unescaped = std::move(*h);
    }
    // netip.ParseAddr must accept it and it must not be IPv4 (only IPv6 parses here).
    if (!ParseGoIpv6(unescaped)) return UrlError("invalid host: bad IP-literal");
    return "[" + unescaped + "]" + std::string(colon_port);
  }
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view colon_port = host.substr(colon);
    if (!ValidOptionalPort(colon_port)) return BadPort(colon_port);
  }
  return Unescape(host, Mode::kHost);
}

Result<std::string> ParseAuthority(std::string_view authority) {
  size_t at = authority.rfind('@');
  auto host = ParseHost(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (!host.ok() || at == std::string_view::npos) return host;
  std::string_view userinfo = authority.substr(0, at);
  if (!ValidUserinfo(userinfo)) return UrlError("net/url: invalid userinfo");
  // The user part is never used for matching, only checked, and never echoed (it may be secret).
  size_t colon = userinfo.find(':');
  std::string_view user = userinfo.substr(0, colon);
  std::string_view pass =
      colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
  if (!Unescape(user, Mode::kUserPassword).ok() || !Unescape(pass, Mode::kUserPassword).ok()) {
    return UrlError("invalid URL escape in userinfo");
  }
  return host;
}

}  // namespace

Result<GoUrl> ParseGoUrl(std::string_view rest) {
  std::string_view fragment;
  bool has_fragment = false;
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    has_fragment = true;
    rest = rest.substr(0, hash);
  }
  for (char ch : rest) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return UrlError("net/url: invalid control character in URL");
  }
  if (size_t q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  std::string_view authority = rest;
  std::string_view path;
  if (size_t slash = authority.find('/'); slash != std::string_view::npos) {
    path = authority.substr(slash);
    authority = authority.substr(0, slash);
  }
  GoUrl url;
  auto host = ParseAuthority(authority);
  if (!host.ok()) return host.error();
  url.host = std::move(*host);
  auto p = Unescape(path, Mode::kPath);
  if (!p.ok()) return p.error();
  url.path = std::move(*p);
  if (has_fragment && !fragment.empty()) {
    auto f = Unescape(fragment, Mode::kFragment);
    if (!f.ok()) return f.error();
  }
  return url;
}

bool GoSplitHostPort(std::string_view hostport, HostPort* out) {
  size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return false;
  size_t j = 0;
  size_t k = 0;
  std::string_view host;
  if (hostport[0] == '[') {
    size_t end = hostport.find(']');
    if (end == std::string_view::npos) return false;
    if (end + 1 == hostport.size()) return false;
    if (end + 1 != i) return false;
    host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.substr(0, i);
    if (host.find(':') != std::string_view::npos) return false;
  }
  if (hostport.substr(j).find('[') != std::string_view::npos) return false;
  if (hostport.substr(k).find(']') != std::string_view::npos) return false;
  out->host = std::string(host);
  out->port = std::string(hostport.substr(i + 1));
  return true;
}

namespace {

// parseIPv4Fields: four decimal fields 0-255, no leading zeros.
bool ParseIpv4Fields(std::string_view s) {
  int fields = 0;
  int val = -1;
  int digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits == 1 && val == 0) return false;  // leading zero
      val = (val < 0 ? 0 : val) * 10 + (c - '0');
      ++digits;
      if (val > 255) return false;
    } else if (c == '.') {
      if (digits == 0 || fields == 3) return false;
      ++fields;
      val = -1;
      digits = 0;
    } else {
      return false;
    }
  }
  return fields == 3 && digits > 0;
}

}  // namespace

bool ParseGoIpv6(std::string_view in) {
  // netip.ParseAddr dispatches on the first '.', ':' or '%': only ':' leads to IPv6.
  size_t first = in.find_first_of(".:%");
  if (first == std::string_view::npos || in[first] != ':') return false;
  std::string_view s = in;
  if (size_t pct = s.find('%'); pct != std::string_view::npos) {
    if (pct + 1 == s.size()) return false;  // empty zone
    s = s.substr(0, pct);
  }
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return true;
  }
  int i = 0;
  while (i < 16) {
    size_t off = 0;
    uint32_t acc = 0;
    for (; off < s.size(); ++off) {
      char c = s[off];
      if (!IsHex(c)) break;
      if (off > 3) return false;
      acc = (acc << 4) + static_cast<uint32_t>(Unhex(c));
    }
    if (off == 0) return false;
    if (off < s.size() && s[off] == '.') {
      if (ellipsis < 0 && i != 12) return false;
      if (i + 4 > 16) return false;
      if (!ParseIpv4Fields(s)) return false;
      s = {};
      i += 4;
      break;
    }
    i += 2;
    s.remove_prefix(off);
    if (s.empty()) break;
    if (s[0] != ':' || s.size() == 1) return false;
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return false;
  if (i < 16) return ellipsis >= 0;
  return ellipsis < 0;
}

}  // namespace pullguard
