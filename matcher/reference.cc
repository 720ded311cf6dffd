// distribution/reference Parse and ParseNormalizedNamed (v0.6 semantics), go-digest validation,
// the familiar form and Kubernetes' ParseImageName, with upstream's checks in upstream's order.
#include "matcher/reference.h"

#include <algorithm>
#include <cctype>

#include "base/ascii.h"
#include "base/quote.h"
#include "matcher/reference_grammar.h"

namespace pullguard {
namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr size_t kNameTotalLengthMax = 255;

Error Fail(ReferenceError* why, ReferenceError kind, std::string_view input, std::string what) {
  if (why != nullptr) *why = kind;
  return MakeError(ErrorKind::kInvalidArgument,
                   "invalid reference " + Quote(input) + ": " + std::move(what));
}

bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// go-digest's Digest.Validate for the algorithms Go registers by default in container tools.
ReferenceError ValidateDigest(std::string_view d) {
  size_t colon = d.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == d.size()) {
    return ReferenceError::kDigestFormat;
  }
  std::string_view algorithm = d.substr(0, colon);
  std::string_view encoded = d.substr(colon + 1);
  size_t size;
  if (algorithm == "sha256") {
    size = 64;
  } else if (algorithm == "sha384") {
    size = 96;
  } else if (algorithm == "sha512") {
    size = 128;
  } else {
    return grammar::MatchDigest(d) ? ReferenceError::kDigestUnsupported
                                   : ReferenceError::kDigestFormat;
  }
  if (encoded.size() != size) return ReferenceError::kDigestLength;
  return grammar::MatchLowerHex(encoded) ? ReferenceError::kNone : ReferenceError::kDigestFormat;
}

std::string DigestMessage(ReferenceError e) {
  switch (e) {
    case ReferenceError::kDigestUnsupported:
      return "unsupported digest algorithm (want sha256, sha384 or sha512)";
    case ReferenceError::kDigestLength:
      return "invalid checksum digest length";
    default:
      return "invalid checksum digest format (lowercase hex expected)";
  }
}

struct Split {
  std::string domain;
  std::string remainder;
};

// splitDockerDomain (v0.6): which part before the first '/' is a registry host.
Split SplitDockerDomain(std::string_view name) {
  Split out;
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) {
    out.domain = kDefaultDomain;
    out.remainder = std::string(kOfficialRepoPrefix) + std::string(name);
    return out;
  }
  std::string_view maybe_domain = name.substr(0, slash);
  std::string_view maybe_remote = name.substr(slash + 1);
  if (maybe_domain == "localhost" || maybe_domain.find_first_of(".:") != std::string_view::npos ||
      HasUpper(maybe_domain)) {
    out.domain = maybe_domain == kLegacyDefaultDomain ? kDefaultDomain : maybe_domain;
    out.remainder = maybe_remote;
  } else {
    out.domain = kDefaultDomain;
    out.remainder = name;
  }
  if (out.domain == kDefaultDomain && out.remainder.find('/') == std::string::npos) {
    out.remainder = std::string(kOfficialRepoPrefix) + out.remainder;
  }
  return out;
}

// Parse, reporting errors against `shown` (what the person typed, not the normalised text).
Result<Reference> ParseAs(std::string_view s, std::string_view shown, ReferenceError* why) {
  std::string name;
  std::string tag;
  std::string digest;
  if (!grammar::MatchReference(s, &name, &tag, &digest)) {
    if (s.empty()) return Fail(why, ReferenceError::kEmpty, shown, "empty image reference");
    if (grammar::MatchReference(AsciiLower(s), nullptr, nullptr, nullptr)) {
      return Fail(why, ReferenceError::kUppercase, shown, "repository name must be lowercase");
    }
    return Fail(why, ReferenceError::kBadFormat, shown, "invalid reference format");
  }
  Reference ref;
  // anchoredNameRegexp's split without a second capturing match: leftmost-first takes the first
  // component as the domain whenever it is one (the rest is then a remote name either way).
  size_t slash = name.find('/');
  if (slash != std::string::npos && grammar::MatchDomain(std::string_view(name).substr(0, slash))) {
    ref.domain = name.substr(0, slash);
    ref.path = name.substr(slash + 1);
  } else {
    ref.path = std::move(name);
  }
  if (ref.path.size() > kNameTotalLengthMax) {
    return Fail(why, ReferenceError::kTooLong, shown,
                "repository name must not be more than 255 characters");
  }
  ref.tag = std::move(tag);
  if (!digest.empty()) {
    ReferenceError e = ValidateDigest(digest);
    if (e != ReferenceError::kNone) return Fail(why, e, shown, DigestMessage(e));
  }
  ref.digest = std::move(digest);
  if (why != nullptr) *why = ReferenceError::kNone;
  return ref;
}

}  // namespace

std::string Reference::Familiar() const {
  if (domain.empty()) return path;
  if (domain != kDefaultDomain) return Name();
  if (path.starts_with(kOfficialRepoPrefix)) {
    std::string_view rest = std::string_view(path).substr(kOfficialRepoPrefix.size());
    if (rest.find('/') == std::string_view::npos) return std::string(rest);
  }
  return path;
}

std::string Reference::String() const {
  std::string out = domain.empty() ? path : Name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<Reference> ParseReference(std::string_view s, ReferenceError* why) {
  return ParseAs(s, s, why);
}

Result<Reference> ParseNormalizedReference(std::string_view s, ReferenceError* why) {
  if (s.empty()) return Fail(why, ReferenceError::kEmpty, s, "empty image reference");
  if (grammar::MatchIdentifier(s)) {
    return Fail(why, ReferenceError::kHexIdentifier, s,
                "cannot specify 64-byte hexadecimal strings (looks like an image ID)");
  }
  Split split = SplitDockerDomain(s);
  std::string_view remote = split.remainder;
  if (size_t colon = remote.find(':'); colon != std::string_view::npos) {
    remote = remote.substr(0, colon);
  }
  if (HasUpper(remote)) {
    return Fail(why, ReferenceError::kUppercase, s, "repository name must be lowercase");
  }
  return ParseAs(split.domain + "/" + split.remainder, s, why);
}

Result<Reference> ParseKubernetesImage(std::string_view s, ReferenceError* why) {
  auto ref = ParseNormalizedReference(s, why);
  if (!ref.ok()) return ref;
  if (ref->tag.empty() && ref->digest.empty()) ref->tag = "latest";
  return ref;
}

}  // namespace pullguard
