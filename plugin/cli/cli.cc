// RunMain: the global options, subcommand dispatch, stdout buffering and the last-resort error
// line.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>

#include "base/env_posix.h"
#include "base/lock_handoff.h"
#include "base/quote.h"
#include "plugin/cli/command.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/ops/log.h"

namespace pullguard {

void PrintError(Io& io, const std::string& command, const std::string& message) {
  // Input is quoted with a cap where it is echoed (base/quote.h); this is the last guard of the
  // "at most 1 KiB" rule for what no cap reached (a path of 4 KiB in --config).
  std::string line =
      "pullguard" + std::string(command.empty() ? "" : " ") + command + ": " + message;
  io.err << CapErrorLine(line, kMaxErrorLineBytes - 1) << "\n";
}

void PrintUsageError(Io& io, const std::string& command, const std::string& message) {
  PrintError(io, command,
             message + " (see 'pullguard " + command + (command.empty() ? "" : " ") + "--help')");
}

void PrepareProcess() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int null = open("/dev/null", O_RDWR);  // the lowest free descriptor: `fd`
    if (null >= 0 && null != fd) close(null);
  }
  ReceiveHandedOverLocks();
}

Io ProcessIo() {
  static FdInput in(0);
  return ProcessIo(in);
}

Io ProcessIo(Input& in) {
  static FdOutput out(1);
  static FdOutput err(2);
  return Io{in,
            out,
            err,
            [](const std::string& name) -> std::optional<std::string> {
              const char* v = std::getenv(name.c_str());
              if (v == nullptr) return std::nullopt;
              return std::string(v);
            },
            DefaultEnv(),
            [] { return std::chrono::system_clock::now(); }};
}

int RunVersion(const std::vector<std::string>& args, Io& io) {
  VersionArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  io.out << "pullguard " << PULLGUARD_VERSION << "\n";
  return 0;
}

int RunMain(const std::vector<std::string>& argv, Io& io) {
  GlobalArgs global;
  if (auto rc = ParseGlobalArgs(argv, io, global)) return *rc;
  const std::vector<std::string>& rest = global.rest;
  const std::string name = rest.empty() ? "" : rest[0];
  std::optional<std::string> level_text =
      global.log_level ? global.log_level : io.getenv("PULLGUARD_LOG_LEVEL");
  LogLevel level = kDefaultLogLevel;
  if (level_text && !level_text->empty()) {
    auto parsed = ParseLogLevel(*level_text);
    if (!parsed) {
      PrintError(io, name,
                 std::string(global.log_level ? "--log-level" : "PULLGUARD_LOG_LEVEL") + " " +
                     QuoteForError(*level_text) +
                     " is not one of debug, info, warn, error, off (see 'pullguard --help')");
      return 2;
    }
    level = *parsed;
  }
  LogScope log_scope(level, io.err, io.now, name);
  if (rest.empty()) {
    PrintUsageError(io, "", "missing command");
    return 2;
  }
  if (name == "help" || name == "--help" || name == "-h") {
    PrintMainHelp(io.out);
    return 0;
  }
  if (name == "--version") return RunVersion({}, io);
  for (const Command& c : AllCommands()) {
    if (name != c.name) continue;
    StringOutput buffered;
    Io inner{io.in, buffered, io.err, io.getenv, io.env, io.now};
    int rc;
    try {
      rc = c.run(std::vector<std::string>(rest.begin() + 1, rest.end()), inner);
    } catch (const std::exception& e) {
      // Exception texts from JSON/YAML libraries name positions, not payloads.
      PrintError(io, name, std::string("internal error: ") + e.what());
      return 1;
    }
    if (rc == 0) {
      io.out << buffered.text;
      io.out.Flush();
    }
    return rc;
  }
  PrintUsageError(io, "", "unknown command " + QuoteForError(name));
  return 2;
}

}  // namespace pullguard
