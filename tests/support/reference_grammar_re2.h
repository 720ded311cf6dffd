// The oracle for matcher/reference_grammar.h: distribution/reference's regular expressions
// (regexp.go) verbatim as RE2 full matches, compiled once per process. The product parses by hand
// (no regex compile per exec); tests and the differential fuzz target check it against these.
#pragma once

#include <string>
#include <string_view>

namespace pullguard::testing::re2_grammar {

// ^domainAndPort$: host (domain name or [IPv6]) and an optional numeric port.
bool MatchDomain(std::string_view s);
// anchoredNameRegexp: ^(?:(domainAndPort)/)?(remoteName)$; domain empty when absent.
bool MatchName(std::string_view s, std::string* domain, std::string* path);
// ReferenceRegexp: ^(name)(?::(tag))?(?:@(digest))?$.
bool MatchReference(std::string_view s, std::string* name, std::string* tag, std::string* digest);
// anchoredIdentifierRegexp: ^[a-f0-9]{64}$ (an image ID).
bool MatchIdentifier(std::string_view s);
// ^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}$ (go-digest's shape).
bool MatchDigest(std::string_view s);
// ^[a-f0-9]{n}$ for the registered algorithms' encoded part.
bool MatchLowerHex(std::string_view s);

}  // namespace pullguard::testing::re2_grammar
