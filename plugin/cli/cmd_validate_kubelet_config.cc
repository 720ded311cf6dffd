// `pullguard validate kubelet-config PATH`: checks kubelet's CredentialProviderConfig (a file or a
// directory) the way kubelet will at start-up, reporting every problem rather than the first.
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/cli/commands.h"
#include "plugin/kubelet/kubelet_config.h"

namespace pullguard {

int RunValidateKubeletConfig(const std::vector<std::string>& args, Io& io) {
  const std::string cmd = "validate kubelet-config";
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    io.out << "usage: pullguard validate kubelet-config PATH\n\n"
              "PATH is kubelet's --image-credential-provider-config: a file, or a directory whose\n"
              "*.json, *.yaml and *.yml files are merged in lexical order. Exit 0 when kubelet\n"
              "would accept it, 1 with every problem on stderr (one per line) when not.\n";
    return 0;
  }
  if (args.size() != 1) {
    PrintError(io, cmd, "want exactly one PATH (see 'pullguard validate kubelet-config --help')");
    return 2;
  }
  KubeletConfigCheck check = CheckKubeletConfig(args[0], io.env);
  if (!check.ok()) {
    for (const std::string& problem : check.problems) PrintError(io, cmd, problem);
    return 1;
  }
  const KubeletConfig& c = check.config;
  std::string names;
  for (const KubeletCredentialProvider& p : c.providers)
    names += (names.empty() ? "" : ", ") + p.name;
  io.out << args[0] << ": valid CredentialProviderConfig: " << c.providers.size()
         << (c.providers.size() == 1 ? " provider" : " providers") << " (" << names << ") from "
         << c.files.size() << (c.files.size() == 1 ? " file" : " files") << "\n";
  return 0;
}

}  // namespace pullguard
