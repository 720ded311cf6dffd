// libFuzzer target for the exec protocol's request decoder: any bytes through DecodeRequest, as
// kubelet (or an attacker with stdin) could send them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/strict_json.h"
#include "plugin/kubelet/protocol.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = pullguard::DecodeRequest(in);
  if (r.ok()) {
    Check(!r->image.empty());
    // Only v1 carries service-account fields.
    if (r->version != pullguard::ProtocolVersion::kV1) {
      Check(r->service_account_token.empty() && r->service_account_annotations.empty());
    }
  } else {
    const std::string& m = r.error().message;
    Check(!m.empty() && m.find('\n') == std::string::npos);
  }
  auto j = pullguard::ParseStrictJson(in, "fuzz input");
  if (!j.ok()) Check(j.error().message.find('\n') == std::string::npos);
  return 0;
}
