// Every command line pullguard accepts: the global --log-level and each command's flags,
// positionals and help text, parsed with CLI11 (plugin/cli/command_line.cc, the only file that
// includes it). A command's Run function calls ParseCommandLine on its arguments and then works on
// typed values; the conventions (help on stdout with exit 0, a usage error as one stderr line with
// exit 2, docs/commands.md) live here once for every command.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plugin/cli/command.h"

namespace pullguard {

// The options that may stand anywhere on the command line (before a "--"), and what is left.
struct GlobalArgs {
  std::optional<std::string> log_level;  // --log-level; the last one wins
  std::vector<std::string> rest;         // the command's name and its arguments, in order
};

struct VersionArgs {};

struct GetCredentialsArgs {
  std::optional<std::string> config;  // --config; unset: $PULLGUARD_CONFIG
};

struct ValidateArgs {
  enum class What { kConfig, kKubeletConfig };
  What what = What::kConfig;
  std::string path;
};

struct DoctorArgs {
  std::string config;
  std::string kubelet_config;
  std::string bin_dir;
  std::string containerd_hosts_dir;  // empty: DoctorOptions' default
  std::vector<std::string> images;
  bool offline = false;
  std::optional<std::string> records;  // --records DIR: check kubelet's records (shared digests)
  // --runtime-images FILE (with --records): the runtime's names of each imageRef
  std::optional<std::string> runtime_images;
};

struct RecordsArgs {
  enum class Sub { kHash, kLs, kShow, kAudit, kAdd, kGc, kRecover };
  Sub sub = Sub::kHash;
  std::string dir;        // --dir: kubelet's image_manager directory (all but hash)
  std::string image_ref;  // show's IMAGEREF
  std::optional<std::string> kubelet_version;  // add, gc, recover: --kubelet-version (checked)
  // gc and recover (plugin/cli/cmd_records_gc.cc, cmd_records_recover.cc)
  std::string images;                    // --images FILE ("-": stdin), the runtime's image list
  bool dry_run = false;                  // --dry-run
  std::optional<std::string> evidence;   // gc --evidence DIR
  std::optional<std::string> listed_at;  // gc --listed-at TIME (RFC 3339)
};

struct DecideArgs {
  std::string dir;
  std::optional<std::string> evidence;
  std::optional<std::string> kubelet_version;  // checked: MAJOR.MINOR in the supported range
};

struct ParseImageArgs {
  std::string image;
};

struct MatchArgs {
  bool normalize = false;
  std::string pattern;
  std::string image;
};

// Each parses a command's arguments (argv after the command's name). Nothing: run the command.
// Otherwise the exit code to return: 0 after the help went to io.out (-h, --help), 2 after one
// usage-error line went to io.err (PrintUsageError).
std::optional<int> ParseGlobalArgs(const std::vector<std::string>& argv, Io& io, GlobalArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, VersionArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    GetCredentialsArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    ValidateArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, DoctorArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, RecordsArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, DecideArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    ParseImageArgs& out);
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, MatchArgs& out);

// `pullguard --help`: the commands (AllCommands()) and the global options.
void PrintMainHelp(Output& os);

}  // namespace pullguard
