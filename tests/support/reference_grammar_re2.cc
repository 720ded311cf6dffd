// RE2 versions of distribution/reference's regexp.go patterns. Each RE2 is a function-local
// static: compiled on first use, once per process, thread-safe by the language's guarantee.
#include "tests/support/reference_grammar_re2.h"

#include <re2/re2.h>

#include <cstdlib>
#include <string>

namespace pullguard::testing::re2_grammar {
namespace {

// The building blocks, verbatim from regexp.go.
const std::string kAlphanumeric = "[a-z0-9]+";
const std::string kSeparator = "(?:[._]|__|[-]+)";
const std::string kDomainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const std::string kOptionalPort = "(?::[0-9]+)?";
const std::string kTag = R"([\w][\w.-]{0,127})";
const std::string kDigest =
    "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
const std::string kIpv6Address = R"(\[(?:[a-fA-F0-9:]+)\])";

std::string DomainAndPort() {
  std::string domain_name = kDomainNameComponent + "(?:\\." + kDomainNameComponent + ")*";
  std::string host = "(?:" + domain_name + "|" + kIpv6Address + ")";
  return host + kOptionalPort;
}

std::string RemoteName() {
  std::string path_component = kAlphanumeric + "(?:" + kSeparator + kAlphanumeric + ")*";
  return path_component + "(?:/" + path_component + ")*";
}

const RE2& Compile(const std::string& pattern) {
  // Leaked on purpose: static RE2s must outlive every caller, including atexit-time ones.
  auto* re = new RE2(pattern, RE2::Quiet);
  if (!re->ok()) std::abort();  // a typo in the constants above, caught by every test run
  return *re;
}

const RE2& DomainRe() {
  static const RE2& re = Compile(DomainAndPort());
  return re;
}

const RE2& NameRe() {
  static const RE2& re = Compile("(?:(" + DomainAndPort() + ")/)?(" + RemoteName() + ")");
  return re;
}

const RE2& ReferenceRe() {
  static const RE2& re = Compile("((?:" + DomainAndPort() + "/)?" + RemoteName() + ")(?::(" + kTag +
                                 "))?(?:@(" + kDigest + "))?");
  return re;
}

const RE2& IdentifierRe() {
  static const RE2& re = Compile("[a-f0-9]{64}");
  return re;
}

const RE2& DigestRe() {
  static const RE2& re = Compile(kDigest);
  return re;
}

const RE2& LowerHexRe() {
  static const RE2& re = Compile("[a-f0-9]+");
  return re;
}

re2::StringPiece Sv(std::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

}  // namespace

bool MatchDomain(std::string_view s) {
  return RE2::FullMatch(Sv(s), DomainRe());
}

bool MatchName(std::string_view s, std::string* domain, std::string* path) {
  return RE2::FullMatch(Sv(s), NameRe(), domain, path);
}

bool MatchReference(std::string_view s, std::string* name, std::string* tag, std::string* digest) {
  return RE2::FullMatch(Sv(s), ReferenceRe(), name, tag, digest);
}

bool MatchIdentifier(std::string_view s) {
  return RE2::FullMatch(Sv(s), IdentifierRe());
}

bool MatchDigest(std::string_view s) {
  return RE2::FullMatch(Sv(s), DigestRe());
}

bool MatchLowerHex(std::string_view s) {
  return RE2::FullMatch(Sv(s), LowerHexRe());
}

}  // namespace pullguard::testing::re2_grammar
