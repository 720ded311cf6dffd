// A port of golang.org/x/net/http/httpproxy (proxy.go): which requests go through which proxy.
// Hand-written because it must agree with kubelet and containerd byte for byte; libcurl's own
// NO_PROXY rules differ (no loopback exemption, HTTP_PROXY ignored, other suffix rules).
#include "registry/proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/ascii.h"
#include "base/quote.h"
#include "base/utf8.h"
#include "registry/host.h"

namespace pullguard::registry {
namespace {

// net.IP as Go compares it: 16 bytes, IPv4 stored IPv4-mapped.
struct Ip {
  std::array<unsigned char, 16> b{};
  bool v4 = false;  // IPv4, or IPv6 of the IPv4-mapped form (Go's To4() != nil)
};

// net.ParseIP: dotted decimal IPv4 (no leading zeros) or IPv6 (no zone).
std::optional<Ip> ParseIp(const std::string& s) {
  Ip ip;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    ip.b[10] = ip.b[11] = 0xff;
    std::memcpy(&ip.b[12], &v4, 4);
    ip.v4 = true;
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(ip.b.data(), &v6, 16);
    ip.v4 = IN6_IS_ADDR_V4MAPPED(&v6);
    return ip;
  }
  return std::nullopt;
}

bool IsLoopbackIp(const Ip& ip) {
  if (ip.v4) return ip.b[12] == 127;
  static const std::array<unsigned char, 16> kOne = {0, 0, 0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0, 0, 0, 1};
  return ip.b == kOne;
}

// net.SplitHostPort: "host:port" or "[v6]:port" -> (host, port); false when there is no port.
bool SplitHostPort(std::string_view s, std::string& host, std::string& port) {
  std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;  // missing port
  if (!s.empty() && s.front() == '[') {
    std::size_t end = s.find(']');
    if (end == std::string_view::npos || end + 1 != colon) return false;
    host = std::string(s.substr(1, end - 1));
  } else {
    host = std::string(s.substr(0, colon));
    if (host.find(':') != std::string::npos) return false;  // too many colons
  }
  if (host.find_first_of("[]") != std::string::npos) return false;
  port = std::string(s.substr(colon + 1));
  if (port.find_first_of("[]") != std::string::npos) return false;
  return true;
}

struct CidrMatch {
  Ip net;
  int bits = 0;  // prefix length over the address family's bytes (4 or 16)
};

// net.ParseCIDR: "addr/len"; the network's family is IPv4 for an IPv4 (or IPv4-mapped) address.
std::optional<CidrMatch> ParseCidr(const std::string& s) {
  std::size_t slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = ParseIp(s.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string_view len = std::string_view(s).substr(slash + 1);
  int n = 0;
  auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
  bool plain_v4 = s.substr(0, slash).find(':') == std::string::npos;
  int max = plain_v4 ? 32 : 128;
  if (len.empty() || ec != std::errc() || p != len.data() + len.size() || n < 0 || n > max) {
    return std::nullopt;
  }
  CidrMatch m;
  m.net = *ip;
  // Go's mask is over 16 bytes for an IPv6 prefix; an IPv4-mapped network keeps its last 4.
  m.bits = plain_v4 ? n : (ip->v4 ? std::max(0, n - 96) : n);
  return m;
}

bool Contains(const CidrMatch& m, const Ip& ip) {
  if (m.net.v4 != ip.v4) return false;
  std::size_t off = ip.v4 ? 12 : 0;
  int bits = m.bits;
  for (std::size_t i = off; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((m.net.b[i] & mask) != (ip.b[i] & mask)) return false;
  }
  return true;
}

struct IpMatch {
  Ip ip;
  std::string port;
};

struct DomainMatch {
  std::string host;  // with a leading '.'
  std::string port;
  bool match_host = false;
};

struct Matchers {
  bool all = false;
  std::vector<CidrMatch> cidrs;
  std::vector<IpMatch> ips;
  std::vector<DomainMatch> domains;
};

std::string TrimLower(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r' || s.front() == '\v' || s.front() == '\f')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r' || s.back() == '\v' || s.back() == '\f')) {
    s.remove_suffix(1);
  }
  return AsciiLower(s);
}

// (*config).init's NO_PROXY half.
Matchers ParseNoProxy(std::string_view no_proxy) {
  Matchers m;
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    std::size_t comma = no_proxy.find(',', start);
    std::string p = TrimLower(no_proxy.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    start = comma == std::string_view::npos ? no_proxy.size() + 1 : comma + 1;
    if (p.empty()) continue;
    if (p == "*") {
      m.all = true;
      return m;
    }
    if (auto cidr = ParseCidr(p)) {
      m.cidrs.push_back(*cidr);
      continue;
    }
    std::string phost, pport;
    if (SplitHostPort(p, phost, pport)) {
      if (phost.empty()) continue;
      if (phost.front() == '[' && phost.back() == ']') phost = phost.substr(1, phost.size() - 2);
    } else {
      phost = p;
      pport.clear();
    }
    if (auto ip = ParseIp(phost)) {
      m.ips.push_back(IpMatch{*ip, pport});
      continue;
    }
    if (phost.empty()) continue;
    if (phost.rfind("*.", 0) == 0) phost = phost.substr(1);
    bool match_host = false;
    if (phost.front() != '.') {
      match_host = true;
      phost = "." + phost;
    }
    if (auto ascii = IdnaToAscii(phost)) phost = *ascii;
    m.domains.push_back(DomainMatch{phost, pport, match_host});
  }
  return m;
}

// RFC 3492 section 6.3, for one label's code points.
std::optional<std::string> Punycode(const std::vector<char32_t>& in) {
  constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + d - 26); };
  auto adapt = [&](std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
  };
  std::string out;
  for (char32_t c : in) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
  }
  std::uint32_t b = static_cast<std::uint32_t>(out.size()), h = b;
  if (b > 0) out.push_back('-');
  std::uint32_t n = 0x80, delta = 0, bias = 72;
  while (h < in.size()) {
    std::uint32_t m = 0x10FFFF + 1;
    for (char32_t c : in) {
      if (c >= n && c < m) m = c;
    }
    if ((m - n) > (0xFFFFFFFFu - delta) / (h + 1)) return std::nullopt;
    delta += (m - n) * (h + 1);
    n = m;
    for (char32_t c : in) {
      if (c < n && ++delta == 0) return std::nullopt;
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          std::uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
          if (q < t) break;
          out.push_back(digit(t + (q - t) % (kBase - t)));
          q = (q - t) / (kBase - t);
        }
        out.push_back(digit(q));
        bias = adapt(delta, h + 1, h == b);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return out;
}

}  // namespace

std::optional<std::string> IdnaToAscii(std::string_view name) {
  bool ascii = std::all_of(name.begin(), name.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return std::string(name);
  if (FirstInvalidUtf8(name)) return std::nullopt;
  std::string out;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    std::vector<char32_t> runes;
    bool non_ascii = false;
    for (std::size_t i = 0; i < label.size();) {
      DecodedRune r = DecodeRune(label.substr(i));
      char32_t c = r.rune;
      if (c < 0x80) c = static_cast<char32_t>(AsciiLower(static_cast<char>(c)));
      non_ascii = non_ascii || c >= 0x80;
      runes.push_back(c);
      i += r.width;
    }
    if (non_ascii) {
      auto encoded = Punycode(runes);
      if (!encoded) return std::nullopt;
      out += "xn--" + *encoded;
    } else {
      out += AsciiLower(label);
    }
    if (dot == std::string_view::npos) break;
    out.push_back('.');
    start = dot + 1;
  }
  return out;
}

ProxyConfig ProxyConfigFromEnvironment(const GetEnvFn& getenv) {
  auto any = [&](const char* upper, const char* lower) {
    for (const char* name : {upper, lower}) {
      auto v = getenv(name);
      if (v && !v->empty()) return *v;
    }
    return std::string();
  };
  ProxyConfig c;
  c.http_proxy = any("HTTP_PROXY", "http_proxy");
  c.https_proxy = any("HTTPS_PROXY", "https_proxy");
  c.no_proxy = any("NO_PROXY", "no_proxy");
  auto method = getenv("REQUEST_METHOD");
  c.cgi = method && !method->empty();
  return c;
}

bool UseProxy(const ProxyConfig& config, std::string_view host_in, std::string_view port) {
  std::string host = TrimLower(host_in);
  if (host.empty()) return true;
  if (host == "localhost") return false;
  auto ip = ParseIp(host);
  if (ip && IsLoopbackIp(*ip)) return false;
  Matchers m = ParseNoProxy(config.no_proxy);
  if (m.all) return false;
  if (ip) {
    for (const CidrMatch& c : m.cidrs) {
      if (Contains(c, *ip)) return false;
    }
    for (const IpMatch& i : m.ips) {
      bool equal = i.ip.v4 == ip->v4 && std::equal(i.ip.b.begin() + (ip->v4 ? 12 : 0), i.ip.b.end(),
                                                   ip->b.begin() + (ip->v4 ? 12 : 0));
      if (equal && (i.port.empty() || i.port == port)) return false;
    }
  }
  for (const DomainMatch& d : m.domains) {
    bool suffix = host.size() >= d.host.size() &&
                  host.compare(host.size() - d.host.size(), d.host.size(), d.host) == 0;
    if (suffix || (d.match_host && host == d.host.substr(1))) {
      if (d.port.empty() || d.port == port) return false;
    }
  }
  return true;
}

Result<std::string> ProxyForUrl(const ProxyConfig& config, const Url& url) {
  const std::string* value = nullptr;
  if (url.scheme == "https") {
    value = &config.https_proxy;
  } else if (url.scheme == "http") {
    value = &config.http_proxy;
    if (!value->empty() && config.cgi) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "refusing to use HTTP_PROXY value in CGI environment; see "
                       "golang.org/s/cgihttpproxy");
    }
  }
  if (value == nullptr || value->empty()) return std::string();
  if (!UseProxy(config, url.host, std::to_string(url.port))) return std::string();
  // parseProxy: a value without a scheme (host[:port]) is taken as http://.
  if (value->find("://") == std::string::npos) return "http://" + *value;
  return *value;
}

Result<std::string> CurlProxyString(const std::string& proxy_url) {
  std::size_t sep = proxy_url.find("://");
  std::string scheme = AsciiLower(proxy_url.substr(0, sep));
  if (sep != std::string::npos) {
    if (scheme == "http" || scheme == "https") return proxy_url;
    if (scheme == "socks5") return "socks5h" + proxy_url.substr(sep);
  }
  return MakeError(ErrorKind::kInvalidArgument, "proxy scheme " + QuoteForError(scheme) +
                                                    " is not supported (http, https, socks5)");
}

}  // namespace pullguard::registry
