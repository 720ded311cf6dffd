// RunMain: subcommand dispatch, stdout buffering and the last-resort error line.
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <sstream>

#include "plugin/command.h"
#include "plugin/commands.h"

namespace pullguard {

void PrintError(Io& io, const std::string& command, const std::string& message) {
  io.err << "pullguard " << command << ": " << message << "\n";
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
  os << "\nRun 'pullguard <command> --help' for a command's options.\n";
}

}  // namespace

int RunVersion(const std::vector<std::string>&, Io& io) {
  io.out << "pullguard " << PULLGUARD_VERSION << "\n";
  return 0;
}

int RunMain(const std::vector<std::string>& argv, Io& io) {
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
