// The CLI's seam: every subcommand is a function of (args, Io) -> exit code, so tests run them
// in-process with string streams, a fake clock and a fault-injecting Env.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/input.h"
#include "base/output.h"

namespace pullguard {

// Bytes in and out without iostreams (base/output.h says why).
struct Io {
  Input& in;
  Output& out;  // RunMain buffers it and writes it only when the command exits 0
  Output& err;
  std::function<std::optional<std::string>(const std::string&)> getenv;
  Env& env;
  std::function<std::chrono::system_clock::time_point()> now;
};

// What main does before anything else: descriptors 0-2 opened on /dev/null where closed (so no
// file pullguard opens can land there and be read as stdin), and locks handed over by the static
// front received (base/lock_handoff.h).
void PrepareProcess();

// Io over the process's standard descriptors, environment, file system and clock.
Io ProcessIo();
// The same with another stdin (the static front's, which keeps a copy for pullguard-net).
Io ProcessIo(Input& in);

// The command's arguments: argv after the command's name, e.g. {"--config=/etc/pullguard.yaml"}
// for get-credentials. Each command parses them with ParseCommandLine (plugin/cli/command_line.h).
using CommandFn = int (*)(const std::vector<std::string>& args, Io& io);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

// argv without the program name, e.g. {"get-credentials", "--config=/etc/pullguard.yaml"}: takes
// the global options (--log-level) and dispatches to a subcommand. Stdout is written once, at the
// end, and only on exit 0; an uncaught exception becomes one stderr line and exit 1.
int RunMain(const std::vector<std::string>& argv, Io& io);

// One line on stderr: "pullguard <command>: <message>". Never pass a secret.
void PrintError(Io& io, const std::string& command, const std::string& message);

// A usage error (the command exits 2), one line on stderr:
// "pullguard <command>: <message> (see 'pullguard <command> --help')". Never pass a secret.
void PrintUsageError(Io& io, const std::string& command, const std::string& message);

}  // namespace pullguard
