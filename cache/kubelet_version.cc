// MAJOR.MINOR parsing and the credentialMapping key of each release (see the header for the
// switches and docs/verification-cache.md for the upstream code and tests they follow).
#include "cache/kubelet_version.h"

#include "base/quote.h"
#include "cache/pull_manager.h"

namespace pullguard {
namespace {

// A decimal number without sign or leading zero, at most 4 digits (no overflow to think about).
bool ParseNumber(std::string_view s, int* out) {
  if (s.empty() || s.size() > 4 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::string Range() {
  return KubeletVersion::Oldest().String() + " to " + KubeletVersion::Newest().String();
}

}  // namespace

std::string KubeletVersion::String() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

Result<KubeletVersion> ParseKubeletVersion(std::string_view text) {
  KubeletVersion v;
  auto dot = text.find('.');
  if (dot == std::string_view::npos || !ParseNumber(text.substr(0, dot), &v.major) ||
      !ParseNumber(text.substr(dot + 1), &v.minor)) {
    return MakeError(ErrorKind::kInvalidArgument, "kubelet version " + QuoteForError(text) +
                                                      " is not MAJOR.MINOR (supported: " + Range() +
                                                      ")");
  }
  if (v.major != 1 || v.minor < KubeletVersion::Oldest().minor ||
      v.minor > KubeletVersion::Newest().minor) {
    return MakeError(
        ErrorKind::kInvalidArgument,
        "kubelet version " + v.String() + " is not supported (supported: " + Range() + ")");
  }
  return v;
}

std::string_view ImageWithoutTagDigest(std::string_view image) {
  // As written: the digest goes from '@', the tag from the last ':' after the last '/' (a ':'
  // before a '/' is the registry's port). The image parsed, so both cuts are the parser's.
  std::string_view s = image;
  s = s.substr(0, s.find('@'));
  auto colon = s.rfind(':');
  auto slash = s.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    s = s.substr(0, colon);
  }
  return s;
}

Result<std::string> MappingKey(const std::string& image, KubeletVersion version) {
  auto normalised = TrimImageTagDigest(image);
  if (!normalised.ok() || !version.FamiliarMappingKeys()) return normalised;
  return std::string(ImageWithoutTagDigest(image));
}

}  // namespace pullguard
