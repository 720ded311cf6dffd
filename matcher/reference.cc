// distribution/reference Parse and ParseNormalizedNamed (v0.6 semantics), go-digest validation,
// the familiar form and Kubernetes' ParseImageName, with upstream's checks in upstream's order.
#include "matcher/reference.h"

#include <cstdint>
#include <cstring>
#include <optional>

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

// Which of these bytes a string holds: an uppercase ASCII letter, a '.' or ':'. Eight bytes at a
// time (each byte tested in its own lane; a byte with its top bit set is never a match), because
// normalising an image asks this of both halves of it on every decision.
constexpr unsigned kUpper = 1;
constexpr unsigned kDotOrColon = 2;

unsigned ScanMarks(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kLow7 = 0x7f * kOnes;
  constexpr std::uint64_t kTop = 0x80 * kOnes;
  // Lanes where x's byte is zero, exactly (no carries between lanes).
  auto zero = [&](std::uint64_t x) { return ~(((x & kLow7) + kLow7) | x) & kTop; };
  std::uint64_t upper = 0;
  std::uint64_t mark = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    std::uint64_t low = x & kLow7;
    // low + (0x80 - 'A') reaches the top bit from 'A' on, low + (0x80 - 'Z' - 1) from '[' on.
    upper |= (low + (0x80 - 'A') * kOnes) & ~(low + (0x80 - 'Z' - 1) * kOnes) & ~x & kTop;
    mark |= zero(x ^ ('.' * kOnes)) | zero(x ^ (':' * kOnes));
  }
  unsigned out = (upper != 0 ? kUpper : 0) | (mark != 0 ? kDotOrColon : 0);
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') out |= kUpper;
    if (c == '.' || c == ':') out |= kDotOrColon;
  }
  return out;
}

bool HasUpper(std::string_view s) {
  return (ScanMarks(s) & kUpper) != 0;
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

// splitDockerDomain (v0.6): which part before the first '/' is a registry host. Views into the
// input; `library` says whether "library/" goes before the remainder.
struct Split {
  std::string_view domain;
  std::string_view remainder;
  bool library = false;
};

Split SplitDockerDomain(std::string_view name) {
  Split out;
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) {
    out.domain = kDefaultDomain;
    out.remainder = name;
    out.library = true;
    return out;
  }
  std::string_view maybe_domain = name.substr(0, slash);
  std::string_view maybe_remote = name.substr(slash + 1);
  // strings.ContainsAny(".:") || strings.ToLower(s) != s
  if (maybe_domain == "localhost" || ScanMarks(maybe_domain) != 0) {
    out.domain = maybe_domain == kLegacyDefaultDomain ? kDefaultDomain : maybe_domain;
    out.remainder = maybe_remote;
  } else {
    out.domain = kDefaultDomain;
    out.remainder = name;
  }
  out.library = out.domain == kDefaultDomain && out.remainder.find('/') == std::string_view::npos;
  return out;
}

// reference.go Parse's checks, reporting errors against `shown` (what the person typed, not the
// normalised text). On success `m` holds the submatches of `s`.
std::optional<Error> Check(std::string_view s, std::string_view shown, ReferenceError* why,
                           grammar::ReferenceMatch* m) {
  if (!grammar::MatchReference(s, m)) {
    if (s.empty()) return Fail(why, ReferenceError::kEmpty, shown, "empty image reference");
    grammar::ReferenceMatch lowered;  // views into a temporary: only the verdict is used
    if (HasUpper(s) && grammar::MatchReference(AsciiLower(s), &lowered)) {
      return Fail(why, ReferenceError::kUppercase, shown, "repository name must be lowercase");
    }
    return Fail(why, ReferenceError::kBadFormat, shown, "invalid reference format");
  }
  if (m->path.size() > kNameTotalLengthMax) {
    return Fail(why, ReferenceError::kTooLong, shown,
                "repository name must not be more than 255 characters");
  }
  if (!m->digest.empty()) {
    ReferenceError e = ValidateDigest(m->digest);
    if (e != ReferenceError::kNone) return Fail(why, e, shown, DigestMessage(e));
  }
  if (why != nullptr) *why = ReferenceError::kNone;
  return std::nullopt;
}

Result<Reference> ParseAs(std::string_view s, std::string_view shown, ReferenceError* why) {
  grammar::ReferenceMatch m;
  if (auto e = Check(s, shown, why, &m)) return *e;
  Reference ref;
  ref.domain = m.domain;
  ref.path = m.path;
  ref.tag = m.tag;
  ref.digest = m.digest;
  return ref;
}

// ParseNormalizedNamed's checks before it parses, and the normalised text it then parses: the
// input itself when normalising changes nothing (a name that starts with its registry host), else
// built in `built`.
std::optional<Error> Normalize(std::string_view s, ReferenceError* why, std::string* built,
                               std::string_view* text) {
  if (s.empty()) return Fail(why, ReferenceError::kEmpty, s, "empty image reference");
  if (grammar::MatchIdentifier(s)) {
    return Fail(why, ReferenceError::kHexIdentifier, s,
                "cannot specify 64-byte hexadecimal strings (looks like an image ID)");
  }
  Split split = SplitDockerDomain(s);
  // The remote name (the remainder before any ':') must be lowercase.
  if (HasUpper(split.remainder.substr(0, split.remainder.find(':')))) {
    return Fail(why, ReferenceError::kUppercase, s, "repository name must be lowercase");
  }
  if (split.domain.data() == s.data() && !split.library) {
    *text = s;
    return std::nullopt;
  }
  built->reserve(split.domain.size() + 1 + kOfficialRepoPrefix.size() + split.remainder.size());
  built->append(split.domain).push_back('/');
  if (split.library) built->append(kOfficialRepoPrefix);
  built->append(split.remainder);
  *text = *built;
  return std::nullopt;
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
  std::string built;
  std::string_view text;
  if (auto e = Normalize(s, why, &built, &text)) return *e;
  return ParseAs(text, s, why);
}

Result<std::string> ParseNormalizedName(std::string_view s, ReferenceError* why) {
  std::string built;
  auto name = ParseNormalizedNameView(s, &built, why);
  if (!name.ok()) return name.error();
  if (name->data() != built.data()) return std::string(*name);
  built.resize(name->size());  // the name is where the matched text starts
  return built;
}

Result<std::string_view> ParseNormalizedNameView(std::string_view s, std::string* storage,
                                                 ReferenceError* why) {
  storage->clear();
  std::string_view text;
  if (auto e = Normalize(s, why, storage, &text)) return *e;
  grammar::ReferenceMatch m;
  if (auto e = Check(text, s, why, &m)) return *e;
  return m.name;  // into `text`: `s` itself, or `storage`
}

Result<Reference> ParseKubernetesImage(std::string_view s, ReferenceError* why) {
  auto ref = ParseNormalizedReference(s, why);
  if (!ref.ok()) return ref;
  if (ref->tag.empty() && ref->digest.empty()) ref->tag = "latest";
  return ref;
}

}  // namespace pullguard
