// Image references as distribution/reference and Kubernetes see them: the grammar (RE2, compiled
// once), digest checks, normalisation (docker.io, library/), familiar form, tag defaulting.
#pragma once

#include <string>
#include <string_view>

#include "matcher/result.h"

namespace pullguard {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when absent (after ParseKubernetesImage: "latest" if no digest)
  std::string digest;  // "sha256:<hex>" or empty

  std::string Name() const { return domain + "/" + path; }  // normalised name, no tag/digest
  std::string Familiar() const;                              // "busybox", "foo/bar", "gcr.io/x"
  std::string String() const;                                // name[:tag][@digest]
};

// ParseNormalizedNamed: grammar + normalisation; tag and digest kept as given.
Result<Reference> ParseNormalizedReference(std::string_view s);

// Kubernetes' view (pkg/util/parsers.ParseImageName): normalised, tag and digest both kept, tag
// defaulted to "latest" only when neither is present.
Result<Reference> ParseKubernetesImage(std::string_view s);

}  // namespace pullguard
