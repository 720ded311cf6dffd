// RunMain: subcommand dispatch, stdout buffering and the last-resort error line.
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <sstream>

#include "base/env_posix.h"
#include "base/quote.h"
#include "plugin/cli/command.h"
#include "plugin/cli/commands.h"
#include "plugin/ops/log.h"

namespace pullguard {

void PrintError(Io& io, const std::string& command, const std::string& message) {
  io.err << "pullguard" << (command.empty() ? "" : " ") << command << ": " << message << "\n";
}

Io ProcessIo() {
  return Io{std::cin,
            std::cout,
            std::cerr,
            [](const std::string& name) -> std::optional<std::string> {
              const char* v = std::getenv(name.c_str());
              if (v == nullptr) return std::nullopt;
              return std::string(v);
            },
            DefaultEnv(),
            [] { return std::chrono::system_clock::now(); }};
}

namespace {

void PrintUsage(std::ostream& os) {
  os << "usage: pullguard <command> [options]\n\ncommands:\n";
  for (const Command& c : AllCommands()) {
    std::string name = c.name;
    name.resize(std::max<std::size_t>(name.size() + 2, 18), ' ');
    os << "  " << name << c.summary << "\n";
  }
  os << "\nglobal options (anywhere on the command line):\n"
        "  --log-level=LEVEL debug, info, warn (default), error or off; JSON lines on stderr\n"
        "                    (also $PULLGUARD_LOG_LEVEL; the flag wins)\n"
        "\nRun 'pullguard <command> --help' for a command's options.\n";
}

// Takes --log-level=LEVEL / --log-level LEVEL out of argv (up to a "--"); the last one wins.
Result<std::optional<std::string>> TakeLogLevel(std::vector<std::string>& argv) {
  std::optional<std::string> value;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      rest.insert(rest.end(), argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
      break;
    }
    if (a.rfind("--log-level=", 0) == 0) {
      value = a.substr(12);
    } else if (a == "--log-level") {
      if (i + 1 >= argv.size())
        return MakeError(ErrorKind::kInvalidArgument, "--log-level needs a level");
      value = argv[++i];
    } else {
      rest.push_back(a);
    }
  }
  argv = std::move(rest);
  return value;
}

}  // namespace

int RunVersion(const std::vector<std::string>&, Io& io) {
  io.out << "pullguard " << PULLGUARD_VERSION << "\n";
  return 0;
}

int RunMain(const std::vector<std::string>& full_argv, Io& io) {
  std::vector<std::string> argv = full_argv;
  auto flag = TakeLogLevel(argv);
  if (!flag.ok()) {
    PrintError(io, argv.empty() ? "" : argv[0], flag.error().message);
    return 2;
  }
  std::optional<std::string> level_text = *flag ? *flag : io.getenv("PULLGUARD_LOG_LEVEL");
  LogLevel level = kDefaultLogLevel;
  if (level_text && !level_text->empty()) {
    auto parsed = ParseLogLevel(*level_text);
    if (!parsed) {
      PrintError(io, argv.empty() ? "" : argv[0],
                 std::string(*flag ? "--log-level" : "PULLGUARD_LOG_LEVEL") + " " +
                     QuoteForError(*level_text) + " is not one of debug, info, warn, error, off");
      return 2;
    }
    level = *parsed;
  }
  LogScope log_scope(level, io.err, io.now, argv.empty() ? "" : argv[0]);
  if (argv.empty()) {
    PrintUsage(io.err);
    return 2;
  }
  const std::string& name = argv[0];
  if (name == "help" || name == "--help" || name == "-h") {
    PrintUsage(io.out);
    return 0;
  }
  if (name == "--version") return RunVersion({}, io);
  for (const Command& c : AllCommands()) {
    if (name != c.name) continue;
    std::ostringstream buffered;
    Io inner{io.in, buffered, io.err, io.getenv, io.env, io.now};
    int rc;
    try {
      rc = c.run(std::vector<std::string>(argv.begin() + 1, argv.end()), inner);
    } catch (const std::exception& e) {
      // Exception texts from JSON/YAML libraries name positions, not payloads.
      PrintError(io, name, std::string("internal error: ") + e.what());
      return 1;
    }
    if (rc == 0) {
      io.out << buffered.str();
      io.out.flush();
    }
    return rc;
  }
  PrintError(io, name, "unknown command (see 'pullguard help')");
  return 2;
}

}  // namespace pullguard
