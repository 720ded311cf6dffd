// distribution/reference's grammar (regexp.go) as hand-written full matches: the same language and
// the same submatches as the regular expressions with Go's leftmost-first semantics. Written by
// hand because compiling the RE2 version cost every `decide` exec ~2.9 M instructions
// (bench/NOTES.md); the RE2 version is kept as the oracle (tests/support/reference_grammar_re2.h,
// tests/fuzz/reference_differential_fuzz.cc). Captures are views into the input.
#pragma once

#include <string_view>

namespace pullguard::grammar {

// ^domainAndPort$: host (domain name or [IPv6]) and an optional numeric port.
bool MatchDomain(std::string_view s);
// anchoredNameRegexp: ^(?:(domainAndPort)/)?(remoteName)$; domain empty when absent.
bool MatchName(std::string_view s, std::string_view* domain, std::string_view* path);
// ReferenceRegexp ^(name)(?::(tag))?(?:@(digest))?$ with its submatches, and anchoredNameRegexp's
// split of the name into domain and path (reference.go's Parse takes both); empty when absent.
struct ReferenceMatch {
  std::string_view name;
  std::string_view domain;
  std::string_view path;
  std::string_view tag;
  std::string_view digest;
};
bool MatchReference(std::string_view s, ReferenceMatch* m);
// anchoredIdentifierRegexp: ^[a-f0-9]{64}$ (an image ID).
bool MatchIdentifier(std::string_view s);
// ^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}$ (go-digest's shape).
bool MatchDigest(std::string_view s);
// ^[a-f0-9]+$ for the registered algorithms' encoded part.
bool MatchLowerHex(std::string_view s);

}  // namespace pullguard::grammar
