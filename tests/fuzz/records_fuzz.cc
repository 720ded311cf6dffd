// libFuzzer target for the record files pullguard reads from disk: kubelet's image_manager
// records and intents (cache/record_codec.h) and pullguard's evidence files. What decodes must
// encode and decode again to the same value: a record read and rewritten loses no entry. The
// plain-record fast path (cache/record_fast_path.h) must agree with the strict decoder: it may
// say no to anything, but what it takes the strict decoder takes, with the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cache/evidence_store.h"
#include "cache/record_codec.h"
#include "cache/record_fast_path.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  ImagePulledRecord fast;
  bool plain = DecodePlainPulledRecord(in, &fast);
  auto strict = DecodePulledRecordStrict(in);
  if (plain) Check(strict.ok() && *strict == fast);
  auto decoded = DecodePulledRecord(in);
  Check(decoded.ok() == strict.ok());
  if (decoded.ok()) Check(*decoded == *strict);
  if (!decoded.ok()) Check(decoded.error().message == strict.error().message);

  // Encoding may normalise once (apiVersion, key order); after that it is a fixed point.
  if (auto r = DecodePulledRecord(in); r.ok()) {
    std::string once = EncodePulledRecord(*r);
    auto again = DecodePulledRecord(once);
    Check(again.ok() && EncodePulledRecord(*again) == once);
    Check(again->image_ref == r->image_ref && again->credential_mapping == r->credential_mapping);
  }
  if (auto i = DecodePullIntent(in); i.ok()) {
    std::string once = EncodePullIntent(*i);
    auto again = DecodePullIntent(once);
    // (An older apiVersion is written as the current one, as kubelet does.)
    Check(again.ok() && again->image == i->image && EncodePullIntent(*again) == once);
  }
  if (auto e = DecodeEvidence(in); e.ok()) {
    std::string text = EncodeEvidence(e->repository, e->proofs);
    auto again = DecodeEvidence(text);
    Check(again.ok() && again->repository == e->repository);
    Check(EncodeEvidence(again->repository, again->proofs) == text);
  }
  return 0;
}
