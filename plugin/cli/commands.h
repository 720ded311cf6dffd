// The table of subcommands. Each subcommand lives in its own cmd_<name>.cc and is declared here.
#pragma once

#include <span>

#include "plugin/cli/command.h"

namespace pullguard {

int RunVersion(const std::vector<std::string>& args, Io& io);
int RunGetCredentials(const std::vector<std::string>& args, Io& io);
// `pullguard validate <what> PATH`: dispatches to the two below (plugin/cli/cmd_validate.cc,
// cmd_validate_config.cc, cmd_validate_kubelet_config.cc); they return the command's exit code.
int RunValidate(const std::vector<std::string>& args, Io& io);
int ValidateConfig(const std::string& path, Io& io);
int ValidateKubeletConfig(const std::string& path, Io& io);
// `pullguard doctor`: node set-up checks with fixes (plugin/cli/cmd_doctor.cc,
// plugin/ops/doctor.h).
int RunDoctor(const std::vector<std::string>& args, Io& io);
// `pullguard records ...` and `pullguard decide` (plugin/cli/cmd_records.cc,
// plugin/cli/cmd_decide.cc).
int RunRecords(const std::vector<std::string>& args, Io& io);
// `records gc` and `records recover`, dispatched by RunRecords (plugin/cli/cmd_records_gc.cc,
// cmd_records_recover.cc).
struct RecordsArgs;
int RunRecordsGc(const RecordsArgs& args, Io& io);
int RunRecordsRecover(const RecordsArgs& args, Io& io);
int RunDecide(const std::vector<std::string>& args, Io& io);
// `pullguard parse IMAGE` and `pullguard match PATTERN IMAGE` (plugin/cli/cmd_parse.cc,
// cmd_match.cc).
int RunParse(const std::vector<std::string>& args, Io& io);
int RunMatch(const std::vector<std::string>& args, Io& io);

std::span<const Command> AllCommands();

}  // namespace pullguard
