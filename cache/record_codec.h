// JSON codecs for intents and pulled records: strict decoding of v1alpha1 and v1beta1 (unknown or
// duplicate fields, wrong kinds and types are errors) and Go-identical v1beta1 encoding.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "cache/records.h"

namespace pullguard {

// kCorrupt errors: the text is stored data that does not decode. Records in the plain form
// kubelet writes take a fast path (cache/record_fast_path.h); everything else, and every error,
// comes from the strict decoder below.
Result<ImagePulledRecord> DecodePulledRecord(std::string_view text);
// The strict decoder alone (a JSON tree, then the fields): the reference the fast path is held
// to (tests/fuzz/records_fuzz.cc).
Result<ImagePulledRecord> DecodePulledRecordStrict(std::string_view text);
Result<ImagePullIntent> DecodePullIntent(std::string_view text);

// What kubelet's serializer writes: compact JSON in Go field order, map keys sorted, HTML
// escaping, a trailing newline; always apiVersion v1beta1.
std::string EncodePulledRecord(const ImagePulledRecord& r);
std::string EncodePullIntent(const ImagePullIntent& i);

// One credential entry ({"kubernetesSecrets":…}) in the same encoding, for audit output.
std::string EncodeCredentials(const ImagePullCredentials& c);

}  // namespace pullguard
