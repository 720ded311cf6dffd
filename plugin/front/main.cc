// The installed pullguard: the same commands as plugin/cli/main.cc, linked statically, with the
// network handed to pullguard-net (plugin/front/network_handoff.h).
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/front/network_handoff.h"

int main(int argc, char** argv) {
  pullguard::PrepareProcess();
  static pullguard::front::ReplayableStdin in;
  pullguard::front::PrepareHandoff(argv, &in);
  std::vector<std::string> args(argv + 1, argv + argc);
  pullguard::Io io = pullguard::ProcessIo(in);
  return pullguard::RunMain(args, io);
}
