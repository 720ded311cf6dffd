// Differential libFuzzer target: the hand-written reference grammar (matcher/reference_grammar.h)
// against its RE2 oracle, regexp.go's expressions verbatim (tests/support/reference_grammar_re2.h).
// Every input goes through every grammar function, as given and in the forms reference.cc derives
// from it (lower-cased, under a default domain), submatches compared; then ParseReference's
// verdict and split, and the normalised parses' split, are checked against the oracle.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/ascii.h"
#include "matcher/reference.h"
#include "matcher/reference_grammar.h"
#include "tests/support/reference_grammar_re2.h"

namespace {

namespace g = pullguard::grammar;
namespace oracle = pullguard::testing::re2_grammar;
using pullguard::ReferenceError;

void Check(bool ok) {
  if (!ok) std::abort();
}

void SameGrammar(const std::string& in) {
  Check(g::MatchDomain(in) == oracle::MatchDomain(in));
  Check(g::MatchIdentifier(in) == oracle::MatchIdentifier(in));
  Check(g::MatchDigest(in) == oracle::MatchDigest(in));
  Check(g::MatchLowerHex(in) == oracle::MatchLowerHex(in));
  std::string_view a, b;
  std::string oa, ob, oc;
  bool name = g::MatchName(in, &a, &b);
  Check(name == oracle::MatchName(in, &oa, &ob));
  if (name) Check(a == oa && b == ob);
  g::ReferenceMatch m;
  bool ref = g::MatchReference(in, &m);
  Check(ref == oracle::MatchReference(in, &oa, &ob, &oc));
  if (ref) {
    Check(m.name == oa && m.tag == ob && m.digest == oc);
    // The name's split is anchoredNameRegexp's.
    std::string domain, path;
    Check(oracle::MatchName(oa, &domain, &path) && m.domain == domain && m.path == path);
  }
}

// A parsed reference splits its own text as the oracle does: String() is the text the grammar
// matched (name[:tag][@digest]), and domain/path are anchoredNameRegexp's submatches of the name.
void SameSplit(const pullguard::Reference& r) {
  std::string name, tag, digest, domain, path;
  Check(oracle::MatchReference(r.String(), &name, &tag, &digest));
  Check(oracle::MatchName(name, &domain, &path));
  Check(domain == r.domain && path == r.path && tag == r.tag && digest == r.digest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  SameGrammar(in);
  SameGrammar(pullguard::AsciiLower(in));
  SameGrammar("docker.io/" + in);
  SameGrammar("docker.io/library/" + in);

  // reference.go Parse: no match -> uppercase if the lower-cased text matches, else bad format.
  std::string name, tag, digest, domain, path;
  bool matched = oracle::MatchReference(in, &name, &tag, &digest);
  ReferenceError why = ReferenceError::kNone;
  auto raw = pullguard::ParseReference(in, &why);
  Check(raw.ok() == (why == ReferenceError::kNone));
  if (!matched) {
    ReferenceError want = ReferenceError::kBadFormat;
    if (in.empty()) {
      want = ReferenceError::kEmpty;
    } else if (pullguard::AsciiLower(in) != in &&
               oracle::MatchReference(pullguard::AsciiLower(in), nullptr, nullptr, nullptr)) {
      want = ReferenceError::kUppercase;
    }
    Check(why == want);
  } else {
    Check(why != ReferenceError::kBadFormat && why != ReferenceError::kUppercase &&
          why != ReferenceError::kEmpty);
    Check(oracle::MatchName(name, &domain, &path));
    // Past the grammar only the path length, then the digest's algorithm and encoding refuse.
    if (path.size() > 255) {
      Check(why == ReferenceError::kTooLong);
    } else if (digest.empty()) {
      Check(raw.ok());
    } else {
      Check(raw.ok() || why == ReferenceError::kDigestUnsupported ||
            why == ReferenceError::kDigestLength || why == ReferenceError::kDigestFormat);
    }
    if (raw.ok()) {
      Check(raw->domain == domain && raw->path == path && raw->tag == tag && raw->digest == digest);
    }
  }
  if (raw.ok()) SameSplit(*raw);

  auto normalized = pullguard::ParseNormalizedReference(in, &why);
  Check(normalized.ok() == (why == ReferenceError::kNone));
  if (normalized.ok()) SameSplit(*normalized);
  auto k8s = pullguard::ParseKubernetesImage(in, &why);
  Check(k8s.ok() == normalized.ok());
  if (k8s.ok()) SameSplit(*k8s);
  auto name_only = pullguard::ParseNormalizedName(in);
  Check(name_only.ok() == normalized.ok());
  if (name_only.ok()) Check(*name_only == normalized->Name());
  if (!name_only.ok()) Check(name_only.error().message == normalized.error().message);
  return 0;
}
