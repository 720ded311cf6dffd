// libFuzzer target for pullguard's own config decoder (YAML or JSON): any bytes through
// DecodeConfig; every problem is one line and a config that passes is usable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugin/config/config.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pullguard::ConfigDecode d = pullguard::DecodeConfig(in);
  for (const std::string& p : d.problems) {
    Check(!p.empty() && p.find('\n') == std::string::npos && p.size() <= 1024);
  }
  if (d.ok()) {
    for (const auto& r : d.config.registries) {
      Check(!r.match.empty());
      Check(r.cache_duration >= 0);
      // A route names an upstream and a mirror on another registry (config_mirrors.cc).
      for (const auto& m : r.mirrors) {
        Check(!m.upstream.empty() && !m.mirror.empty() && m.mirror != m.upstream &&
              m.mirror.rfind(m.upstream + "/", 0) != 0);
      }
    }
  }
  Check(pullguard::DecodeConfig(in).problems == d.problems);
  return 0;
}
