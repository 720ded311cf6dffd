// The kubelet release whose pull-manager behaviour pullguard reproduces (`--kubelet-version`):
// the supported range, parsing MAJOR.MINOR with one-line errors, and the behaviour switches that
// differ between releases. Each switch cites the upstream code and tests it follows
// (docs/verification-cache.md, "Kubelet versions"); cache/ and the CLI read only the switches.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard {

struct KubeletVersion {
  int major = 1;
  int minor = 35;
  bool operator==(const KubeletVersion&) const = default;
  std::string String() const;

  // The first release with KEP-2535's pull manager (alpha in 1.33).
  static constexpr KubeletVersion Oldest() { return {1, 33}; }
  // The newest behaviour implemented: kubernetes/kubernetes master after release-1.35 was cut
  // (the allowlist fix #137629 and the familiar-key tests), the code 1.36 ships from.
  static constexpr KubeletVersion Newest() { return {1, 36}; }
  // Without --kubelet-version: the newest release whose branch was read (release-1.35).
  static constexpr KubeletVersion Default() { return {1, 35}; }

  // Behaviour switches.
  //
  // Service-account credentials (kubernetesServiceAccounts) are recorded and verify a pod's
  // service account: kubernetes#132771, milestone v1.34. A 1.33 kubelet records and matches
  // pull secrets and node access only.
  bool ServiceAccountCredentials() const { return minor >= 34; }
  //
  // credentialMapping keys: the pod's image minus tag and digest as written (`busybox`,
  // `secretorg/myimage`) instead of normalised (`docker.io/library/busybox`). Writes and lookups
  // both use the key, so a record written by one form is not found by the other.
  bool FamiliarMappingKeys() const { return minor >= 36; }
  // preloadedImagesVerificationAllowlist: the pod's image is normalised before it is compared
  // (#137629). Before, the image string as written in the pod was compared: an exact entry
  // matched only an identical string (no tag, no familiar form) and a `/*` entry only a string
  // starting with it.
  bool AllowlistNormalizesImage() const { return minor >= 36; }
};

// "MAJOR.MINOR" (decimal, no sign, no leading zeros, no patch) inside the supported range; the
// error is one line naming the value (quoted, sanitised) and the range.
Result<KubeletVersion> ParseKubeletVersion(std::string_view text);

// The key kubelet of `version` writes to and looks up in credentialMapping for `image`:
// normalised (TrimImageTagDigest) or as written minus tag and digest. kInvalidArgument when the
// image does not parse.
Result<std::string> MappingKey(const std::string& image, KubeletVersion version);
// MappingKey's familiar form (1.36) of an image that parsed (TrimImageTagDigest succeeded): the
// image as written without its tag and digest, a view into `image`.
std::string_view ImageWithoutTagDigest(std::string_view image);

}  // namespace pullguard
