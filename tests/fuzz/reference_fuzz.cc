// libFuzzer target for the reference parser: any bytes through ParseReference,
// ParseNormalizedReference and ParseKubernetesImage; checks invariants, never just "no crash".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "matcher/allowlist.h"
#include "matcher/reference.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pullguard::ReferenceError why = pullguard::ReferenceError::kNone;
  auto raw = pullguard::ParseReference(in, &why);
  Check(raw.ok() == (why == pullguard::ReferenceError::kNone));
  auto k8s = pullguard::ParseKubernetesImage(in, &why);
  Check(k8s.ok() == (why == pullguard::ReferenceError::kNone));
  if (k8s.ok()) {
    // A normalised reference parses again to itself (idempotent normalisation).
    auto again = pullguard::ParseKubernetesImage(k8s->String());
    Check(again.ok());
    Check(again->String() == k8s->String());
    Check(k8s->Name().front() != '/' && k8s->path.size() <= 255);
    Check(!k8s->tag.empty() || !k8s->digest.empty());
    // The familiar form names the same repository, except upstream's known ambiguity: a Docker
    // Hub path whose first component looks like a host ("docker.io/a.b/c" -> "a.b/c").
    std::string fam_text = k8s->Familiar();
    std::string_view first = std::string_view(fam_text).substr(0, fam_text.find('/'));
    bool ambiguous = k8s->domain == "docker.io" && fam_text.find('/') != std::string::npos &&
                     first.find_first_of(".:") != std::string_view::npos;
    // Also upstream's: "docker.io/library/<64 hex>:tag" parses, but its familiar name is 64 hex
    // alone, which ParseNormalizedNamed refuses as an image ID.
    ambiguous = ambiguous || (fam_text.size() == 64 &&
                              fam_text.find_first_not_of("0123456789abcdef") == std::string::npos);
    if (!ambiguous) {
      auto fam = pullguard::ParseNormalizedReference(fam_text);
      Check(fam.ok() && fam->Name() == k8s->Name());
    }
  } else {
    // Error messages are exactly one line.
    Check(k8s.error().message.find('\n') == std::string::npos);
  }
  (void)pullguard::ValidateAllowlistEntry(in);
  return 0;
}
