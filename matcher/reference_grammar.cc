// Each function is the regular expression of regexp.go, written as the scan it describes. Why the
// submatches equal Go's (leftmost-first) ones is said where a choice exists: every class below is
// ASCII, so a byte outside ASCII (or invalid UTF-8, which Go reads as U+FFFD) never matches, as
// in Go. tests/fuzz/reference_differential_fuzz.cc compares every function with the RE2 oracle.
#include "matcher/reference_grammar.h"

#include <string.h>  // memrchr

#include <array>
#include <cstddef>

namespace pullguard::grammar {
namespace {

constexpr std::size_t npos = std::string_view::npos;

enum : unsigned char {
  kLowerAlnum = 1 << 0,  // [a-z0-9]
  kAlnum = 1 << 1,       // [A-Za-z0-9]
  kWord = 1 << 2,        // \w = [A-Za-z0-9_]
  kXdigit = 1 << 3,      // [[:xdigit:]] = [0-9A-Fa-f]
  kLowerHex = 1 << 4,    // [a-f0-9]
  kDigit = 1 << 5,       // [0-9]
  kAlpha = 1 << 6,       // [A-Za-z]
  kIpv6 = 1 << 7,        // [a-fA-F0-9:]
};
// [a-zA-Z0-9-]: the bytes inside a domain label (a class of its own: one test per byte).
constexpr unsigned short kLabel = 1 << 8;

constexpr std::array<unsigned short, 256> MakeClasses() {
  std::array<unsigned short, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool digit = c >= '0' && c <= '9';
    bool lower = c >= 'a' && c <= 'z';
    bool upper = c >= 'A' && c <= 'Z';
    bool hex_lower = c >= 'a' && c <= 'f';
    bool hex_upper = c >= 'A' && c <= 'F';
    unsigned short v = 0;
    if (digit || lower) v |= kLowerAlnum;
    if (digit || lower || upper) v |= kAlnum;
    if (digit || lower || upper || c == '_') v |= kWord;
    if (digit || hex_lower || hex_upper) v |= kXdigit;
    if (digit || hex_lower) v |= kLowerHex;
    if (digit) v |= kDigit;
    if (lower || upper) v |= kAlpha;
    if (digit || hex_lower || hex_upper || c == ':') v |= kIpv6;
    if (digit || lower || upper || c == '-') v |= kLabel;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}

constexpr std::array<unsigned short, 256> kClasses = MakeClasses();

inline bool Is(char c, unsigned short cls) {
  return (kClasses[static_cast<unsigned char>(c)] & cls) != 0;
}

// Non-empty and every byte in `cls`.
bool All(std::string_view s, unsigned short cls) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!Is(c, cls)) return false;
  }
  return true;
}

// remoteName = pathComponent(?:/pathComponent)*, pathComponent =
// [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*: alphanumeric runs joined by exactly one of ".", "_",
// "__", a run of "-", or (between components) "/". One pass, no calls: this runs per decision.
bool RemoteName(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  for (;;) {
    std::size_t run = i;
    while (i < n && Is(s[i], kLowerAlnum)) ++i;
    if (i == run) return false;
    if (i == n) return true;
    char c = s[i++];
    if (c == '_') {
      if (i < n && s[i] == '_') ++i;
    } else if (c == '-') {
      while (i < n && s[i] == '-') ++i;
    } else if (c != '.' && c != '/') {
      return false;
    }
  }
}

// domainName = domainNameComponent(?:\.domainNameComponent)*, domainNameComponent =
// [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]: dot-separated labels of letters, digits and
// inner hyphens. Matches the longest such prefix of `s` that ends a label; returns its length, or
// npos when `s` does not start with a domain name.
std::size_t DomainNamePrefix(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  for (;;) {
    if (i == n || !Is(s[i], kAlnum)) return npos;
    ++i;
    while (i < n && Is(s[i], kLabel)) ++i;
    if (s[i - 1] == '-') return npos;
    if (i == n || s[i] != '.') return i;
    ++i;
  }
}

// tag = [\w][\w.-]{0,127}.
bool Tag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !Is(s[0], kWord)) return false;
  for (char c : s.substr(1)) {
    if (c != '.' && c != '-' && !Is(c, kWord)) return false;
  }
  return true;
}

// namePat = (?:domainAndPort/)?remoteName. Leftmost-first prefers the domain: a domain holds no
// '/', so it can only be the text before the first '/'. Whenever that text is a domain, the rest
// is a remote name if the whole is one, so trying the domain first loses no match.
bool NamePat(std::string_view s, std::string_view* domain, std::string_view* path) {
  std::size_t slash = s.find('/');
  if (slash != npos && MatchDomain(s.substr(0, slash)) && RemoteName(s.substr(slash + 1))) {
    *domain = s.substr(0, slash);
    *path = s.substr(slash + 1);
    return true;
  }
  if (!RemoteName(s)) return false;
  *domain = {};
  *path = s;
  return true;
}

}  // namespace

// domainAndPort = (?:domainName|\[[a-fA-F0-9:]+\])(?::[0-9]+)?. The host ends where the port can
// begin: a domain name holds no ':', so whatever follows its longest prefix must be the port (a
// shorter prefix leaves a '.' or a label's rest, never a ':'); the IPv6 form ends at its first ']'.
bool MatchDomain(std::string_view s) {
  std::size_t host_end;
  if (!s.empty() && s[0] == '[') {
    host_end = 1;
    while (host_end < s.size() && Is(s[host_end], kIpv6)) ++host_end;
    if (host_end == 1 || host_end == s.size() || s[host_end] != ']') return false;
    ++host_end;
  } else {
    host_end = DomainNamePrefix(s);
    if (host_end == npos) return false;
  }
  std::string_view port = s.substr(host_end);
  return port.empty() || (port[0] == ':' && All(port.substr(1), kDigit));
}

bool MatchName(std::string_view s, std::string_view* domain, std::string_view* path) {
  return NamePat(s, domain, path);
}

// reference = name(?::tag)?(?:@digest)?. There is one way to cut a matching text: '@' occurs in
// none of name, tag and digest, so the digest is all after the first '@'; a ':' in the name only
// occurs in its domain, which a '/' follows, and the tag holds neither ':' nor '/', so the tag is
// all after the first ':' that follows the last '/' (before the '@').
bool MatchReference(std::string_view s, ReferenceMatch* m) {
  // The cuts: the first '@', and before it the first ':' after the last '/' (memchr and memrchr
  // rather than a loop over every byte: this runs per decision).
  std::size_t at = s.find('@');
  std::string_view before = s.substr(0, at);
  const void* slash = before.empty() ? nullptr : memrchr(before.data(), '/', before.size());
  std::size_t tail = slash == nullptr ? 0 : static_cast<const char*>(slash) - before.data() + 1;
  std::size_t colon = before.find(':', tail);
  std::string_view rest = s.substr(0, at);
  std::string_view d;
  if (at != npos) {
    d = s.substr(at + 1);
    if (!MatchDigest(d)) return false;
  }
  std::string_view t;
  if (colon != npos) {
    t = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!Tag(t)) return false;
  }
  if (!NamePat(rest, &m->domain, &m->path)) return false;
  m->name = rest;
  m->tag = t;
  m->digest = d;
  return true;
}

bool MatchIdentifier(std::string_view s) {
  return s.size() == 64 && All(s, kLowerHex);
}

// digestPat: the algorithm holds no ':', so the first ':' ends it; its components each start with
// a letter and are joined by exactly one of "-_+.".
bool MatchDigest(std::string_view s) {
  std::size_t colon = s.find(':');
  if (colon == npos) return false;
  std::string_view encoded = s.substr(colon + 1);
  if (encoded.size() < 32 || !All(encoded, kXdigit)) return false;
  std::string_view algorithm = s.substr(0, colon);
  std::size_t i = 0;
  const std::size_t n = algorithm.size();
  for (;;) {
    if (i == n || !Is(algorithm[i], kAlpha)) return false;
    ++i;
    while (i < n && Is(algorithm[i], kAlnum)) ++i;
    if (i == n) return true;
    char c = algorithm[i];
    if (c != '-' && c != '_' && c != '+' && c != '.') return false;
    ++i;
  }
}

bool MatchLowerHex(std::string_view s) {
  return All(s, kLowerHex);
}

}  // namespace pullguard::grammar
