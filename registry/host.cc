// Canonical hosts: inet_pton for the addresses both Go and libcurl read the same way, and a port
// of inet_aton's number syntax only to recognise (and refuse) the spellings they read differently.
#include "registry/host.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/ascii.h"
#include "base/quote.h"

namespace pullguard::registry {
namespace {

// One label as inet_aton(3) reads a number: 0x / 0X followed by hex digits (none is 0), a leading
// 0 followed by octal-looking digits, or decimal digits. glibc's inet_aton fails on invalid octal
// digits ("08") but libcurl's own parser and other resolvers do not agree on that either: any
// all-digit label counts.
bool NumericLabel(std::string_view l) {
  if (l.empty()) return false;
  if (l.size() >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X')) {
    return std::all_of(l.begin() + 2, l.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  }
  return std::all_of(l.begin(), l.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// Whether every dot-separated label is a number (a trailing dot is allowed, as resolvers allow).
bool AllNumericLabels(std::string_view host) {
  if (host.empty()) return false;
  if (host.back() == '.') host.remove_suffix(1);
  std::size_t start = 0;
  while (true) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!NumericLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

std::string HostPart(std::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) return {};
    return std::string(host_port.substr(1, close - 1));
  }
  if (std::count(host_port.begin(), host_port.end(), ':') > 1) return std::string(host_port);
  return std::string(host_port.substr(0, host_port.find(':')));
}

Result<std::string> CanonicalHost(std::string_view host) {
  std::string h = AsciiLower(host);
  if (h.find(':') != std::string::npos) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, h.c_str(), &v6) != 1) {
      return MakeError(ErrorKind::kInvalidArgument, "bad IPv6 address " + QuoteForError(h));
    }
    char buf[INET6_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET6, &v6, buf, sizeof buf);
    return std::string(buf);
  }
  if (!AllNumericLabels(h)) return h;
  // inet_pton accepts exactly the dotted quad of decimal parts without leading zeros.
  in_addr v4{};
  if (h.back() != '.' && inet_pton(AF_INET, h.c_str(), &v4) == 1) return h;
  return MakeError(ErrorKind::kInvalidArgument,
                   "host " + QuoteForError(h) +
                       " is a numeric address not written as a.b.c.d (decimal, no leading "
                       "zeros); libcurl and Go read it differently, so pullguard refuses it: "
                       "write the address as a.b.c.d");
}

bool IsLoopbackHost(std::string_view host_port) {
  auto canonical = CanonicalHost(HostPart(host_port));
  if (!canonical.ok()) return false;
  const std::string& host = *canonical;
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    static const in6_addr kLoopback = IN6ADDR_LOOPBACK_INIT;
    if (std::equal(std::begin(v6.s6_addr), std::end(v6.s6_addr), std::begin(kLoopback.s6_addr))) {
      return true;
    }
    // ::ffff:127.x.y.z reaches 127.x.y.z (Go's IsLoopback looks through the mapping too).
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace pullguard::registry
