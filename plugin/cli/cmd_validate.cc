// `pullguard validate <what> PATH`: one command for every file pullguard can check; each checker
// lives in its own cmd_validate_<what>.cc.
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"

namespace pullguard {

int RunValidate(const std::vector<std::string>& args, Io& io) {
  ValidateArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  switch (a.what) {
    case ValidateArgs::What::kConfig:
      return ValidateConfig(a.path, io);
    case ValidateArgs::What::kKubeletConfig:
      return ValidateKubeletConfig(a.path, io);
  }
  return 2;
}

}  // namespace pullguard
