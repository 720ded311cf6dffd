// libFuzzer target for kubelet's CredentialProviderConfig: any bytes through the YAML/JSON reader,
// the strict decoder and the validator; checks that problems are single lines and verdicts stable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugin/kubelet/kubelet_config.h"
#include "plugin/kubelet/yaml_json.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

pullguard::KubeletConfigCheck Decode(std::string_view text) {
  pullguard::KubeletConfigCheck check;
  pullguard::DecodeKubeletConfigFile(text, "fuzz.yaml", check);
  pullguard::ValidateKubeletConfig("fuzz.yaml", check);
  return check;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pullguard::KubeletConfigCheck check = Decode(in);
  for (const std::string& p : check.problems) {
    Check(!p.empty() && p.find('\n') == std::string::npos);
    Check(p.rfind("fuzz.yaml: ", 0) == 0);  // every problem names the file
  }
  if (check.ok()) {
    // A config that passes has providers, each with a usable name and a cache duration.
    Check(!check.config.providers.empty());
    for (const auto& p : check.config.providers) {
      Check(!p.name.empty() && p.name != "." && p.name != "..");
      Check(p.name.find('/') == std::string::npos);
      Check(p.default_cache_duration.has_value() && *p.default_cache_duration >= 0);
      Check(!p.match_images.empty());
    }
  }
  // Same bytes, same verdict.
  Check(Decode(in).problems == check.problems);
  (void)pullguard::ParseKubeYaml(in, "fuzz input");
  return 0;
}
