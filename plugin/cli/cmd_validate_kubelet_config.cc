// `pullguard validate kubelet-config PATH`: checks kubelet's CredentialProviderConfig (a file or a
// directory) the way kubelet will at start-up, reporting every problem rather than the first.
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/cli/commands.h"
#include "plugin/kubelet/kubelet_config.h"

namespace pullguard {

int ValidateKubeletConfig(const std::string& path, Io& io) {
  const std::string cmd = "validate kubelet-config";
  KubeletConfigCheck check = CheckKubeletConfig(path, io.env);
  if (!check.ok()) {
    for (const std::string& problem : check.problems) PrintError(io, cmd, problem);
    return 1;
  }
  const KubeletConfig& c = check.config;
  std::string names;
  for (const KubeletCredentialProvider& p : c.providers)
    names += (names.empty() ? "" : ", ") + p.name;
  io.out << path << ": valid CredentialProviderConfig: " << c.providers.size()
         << (c.providers.size() == 1 ? " provider" : " providers") << " (" << names << ") from "
         << c.files.size() << (c.files.size() == 1 ? " file" : " files") << "\n";
  return 0;
}

}  // namespace pullguard
