// The table of subcommands. Each subcommand lives in its own cmd_<name>.cc and is declared here.
#pragma once

#include <span>

#include "plugin/command.h"

namespace pullguard {

int RunVersion(const std::vector<std::string>& args, Io& io);

std::span<const Command> AllCommands();

}  // namespace pullguard
