// The distribution/reference regular expressions (regexp.go) as RE2 full matches, compiled once
// per process; reference.cc builds parsing and normalisation on top of them.
#pragma once

#include <string>
#include <string_view>

namespace pullguard::grammar {

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

// How many RE2 objects this process has compiled for the grammar (a constant after first use).
int CompiledRegexCount();

}  // namespace pullguard::grammar
