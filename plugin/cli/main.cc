// The pullguard binary: argv, stdin, stdout and stderr meet the code here and nowhere else.
#include <iostream>
#include <string>
#include <vector>

#include "plugin/cli/command.h"

int main(int argc, char** argv) {
  // The standard streams stay synchronised with stdio: sync_with_stdio(false) would give each of
  // the six standard streams its own 8 KiB buffer, page faults that every exec pays for a
  // request of a few hundred bytes (docs/BENCHMARKS.md, "the exec at the floor").
  std::vector<std::string> args(argv + 1, argv + argc);
  pullguard::Io io = pullguard::ProcessIo();
  return pullguard::RunMain(args, io);
}
