// The table of subcommands, in the order `pullguard help` lists them.
#include "plugin/commands.h"

#include <array>

namespace pullguard {

std::span<const Command> AllCommands() {
  static const std::array<Command, 1> kCommands = {{
      {"version", "print the version", RunVersion},
  }};
  return kCommands;
}

}  // namespace pullguard
