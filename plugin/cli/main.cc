// pullguard-net, the dynamically linked program that the static front hands the network to (and
// `pullguard` itself in builds without the front, plugin/CMakeLists.txt): argv, stdin, stdout and
// stderr meet the code here and in plugin/front/main.cc, nowhere else.
#include <string>
#include <vector>

#include "plugin/cli/command.h"

int main(int argc, char** argv) {
  pullguard::PrepareProcess();
  // No <iostream> here or anywhere on the kubelet path: its static initialiser would build the
  // standard streams and std::locale on every exec (base/output.h, docs/BENCHMARKS.md).
  std::vector<std::string> args(argv + 1, argv + argc);
  pullguard::Io io = pullguard::ProcessIo();
  return pullguard::RunMain(args, io);
}
