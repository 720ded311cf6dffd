// kubelet's preloadedImagesVerificationAllowlist: exact fully qualified names or a trailing "/*"
// prefix, validated as kubelet validates them, matched against normalised images.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pullguard {

// kubelet's validation of one entry; the error says what is wrong with it.
Status ValidateAllowlistEntry(std::string_view entry);

class Allowlist {
 public:
  // Fails on the first invalid entry (message names it).
  static Result<Allowlist> Make(const std::vector<std::string>& entries);
  // `image` in any accepted form ("alpine", "docker.io/library/alpine:3"); normalised first.
  bool Matches(std::string_view image) const;
  // Matches for an image already normalised (ParseNormalizedName's result): decisions have it.
  bool MatchesName(std::string_view name) const;
  // kubelet before the fix of kubernetes#137629 (1.33 to 1.35): the image string as written in
  // the pod, compared as it is: an exact entry matches only the identical string, a "/*" entry
  // any string starting with its prefix ("alpine" and "docker.io/library/alpine:3" never match
  // the entry "docker.io/library/alpine").
  bool MatchesAsWritten(std::string_view image) const;

 private:
  std::vector<std::string> exact_;
  std::vector<std::string> prefixes_;  // ending in '/'
};

}  // namespace pullguard
