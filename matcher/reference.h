// Image references as distribution/reference and Kubernetes see them: the grammar (hand-written,
// matcher/reference_grammar.h), digest checks, normalisation (docker.io, library/), familiar form,
// tag defaulting.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when absent (after ParseKubernetesImage: "latest" if no digest)
  std::string digest;  // "sha256:<hex>" or empty

  // Normalised name, no tag/digest. The domain can be empty even after normalisation, as
  // upstream: "foo_bar.com/app" is not a valid host, so the whole text is a Docker path.
  std::string Name() const { return domain.empty() ? path : domain + "/" + path; }
  std::string Familiar() const;  // "busybox", "foo/bar", "gcr.io/x"
  std::string String() const;    // name[:tag][@digest]
};

// Why a reference was rejected; each kind has its own message (upstream's error values).
enum class ReferenceError {
  kNone,
  kEmpty,              // ""
  kUppercase,          // "repository name must be lowercase"
  kTooLong,            // path over 255 characters
  kHexIdentifier,      // exactly 64 lowercase hex: looks like an image ID
  kDigestUnsupported,  // algorithm other than sha256/sha384/sha512
  kDigestLength,       // wrong number of hex characters for the algorithm
  kDigestFormat,       // e.g. uppercase hex
  kBadFormat,          // the grammar does not match
};

// ParseNormalizedNamed: grammar + normalisation; tag and digest kept as given.
// `why`, when given, receives the error kind (kNone on success).
Result<Reference> ParseNormalizedReference(std::string_view s, ReferenceError* why = nullptr);

// Kubernetes' view (pkg/util/parsers.ParseImageName): normalised, tag and digest both kept, tag
// defaulted to "latest" only when neither is present.
Result<Reference> ParseKubernetesImage(std::string_view s, ReferenceError* why = nullptr);

// ParseNormalizedReference(s)->Name() without building a Reference: the normalised repository
// ("docker.io/library/busybox"), the key of kubelet's credential records.
Result<std::string> ParseNormalizedName(std::string_view s, ReferenceError* why = nullptr);
// The same without a copy, for decisions: a view into `s` when normalising adds nothing (a name
// that starts with its registry host), else into `*storage`, which it overwrites.
Result<std::string_view> ParseNormalizedNameView(std::string_view s, std::string* storage,
                                                 ReferenceError* why = nullptr);

// distribution/reference.Parse: the grammar and digest checks without normalisation; `domain`
// is empty when the name has none ("test_com"), and "Foo/bar" keeps "Foo" as its domain.
Result<Reference> ParseReference(std::string_view s, ReferenceError* why = nullptr);

}  // namespace pullguard
