// The table of subcommands, in the order `pullguard help` lists them.
#include "plugin/cli/commands.h"

#include <array>

namespace pullguard {

std::span<const Command> AllCommands() {
  static const std::array<Command, 8> kCommands = {{
      {"version", "print the version", RunVersion},
      {"get-credentials", "answer one kubelet CredentialProviderRequest (stdin -> stdout)",
       RunGetCredentials},
      {"validate", "check a pullguard config or kubelet's CredentialProviderConfig", RunValidate},
      {"doctor", "check a node's set-up and say how to fix each problem", RunDoctor},
      {"records", "read, audit and add kubelet image pull records (KEP-2535)", RunRecords},
      {"decide", "may this pod use the image on the node? (kubelet's verification)", RunDecide},
      {"parse", "show an image reference as kubelet normalises it (JSON)", RunParse},
      {"match", "does a matchImages pattern cover an image? (exit 0 yes, 1 no, 2 invalid)",
       RunMatch},
  }};
  return kCommands;
}

}  // namespace pullguard
