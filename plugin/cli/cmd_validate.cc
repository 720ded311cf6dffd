// `pullguard validate <what> PATH`: one command for every file pullguard can check, dispatching on
// the first argument so each checker lives in its own cmd_validate_<what>.cc.
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/cli/commands.h"

namespace pullguard {

int RunValidate(const std::vector<std::string>& args, Io& io) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::ostream& os = args.empty() ? io.err : io.out;
    os << "usage: pullguard validate <what> PATH\n\n"
          "  config PATH           a pullguard config (PullguardConfig)\n"
          "  kubelet-config PATH   kubelet's CredentialProviderConfig (file or directory)\n";
    return args.empty() ? 2 : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "config") return RunValidateConfig(rest, io);
  if (args[0] == "kubelet-config") return RunValidateKubeletConfig(rest, io);
  PrintError(io, "validate",
             "unknown kind of file \"" + args[0] + "\" (want config or kubelet-config)");
  return 2;
}

}  // namespace pullguard
