// libFuzzer target for kubelet's CredentialProviderConfig: any bytes through the YAML/JSON reader,
// the strict decoder and the validator; checks that problems are single lines and verdicts stable.
// Also the YAML reader alone, with kubelet's options and pullguard config's: one-line errors
// naming the document, bounded nesting, the same answer twice.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/strict_json.h"
#include "plugin/kubelet/kube_yaml.h"
#include "plugin/kubelet/kubelet_config.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

int Depth(const nlohmann::json& j) {
  if (!j.is_structured()) return 0;
  int d = 0;
  for (const auto& v : j) d = std::max(d, Depth(v));
  return d + 1;
}

void CheckReader(std::string_view in, const pullguard::KubeYamlOptions& options) {
  auto r = pullguard::ParseKubeYaml(in, "fuzz input", options);
  if (r.ok()) {
    Check(Depth(*r) <= pullguard::kMaxJsonDepth);
  } else {
    const std::string& m = r.error().message;
    Check(m.rfind("fuzz input ", 0) == 0 && m.find('\n') == std::string::npos && m.size() <= 1024);
  }
  auto again = pullguard::ParseKubeYaml(in, "fuzz input", options);
  Check(again.ok() == r.ok());
  // dump(), not ==: .nan is not equal to itself.
  auto text = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  Check(r.ok() ? text(*again) == text(*r) : again.error().message == r.error().message);
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
  CheckReader(in, {});
  CheckReader(in, {.documents = pullguard::KubeYamlOptions::Documents::kExactlyOne,
                   .booleans = pullguard::KubeYamlOptions::Booleans::kTrueFalse});
  return 0;
}
