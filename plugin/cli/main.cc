// The pullguard binary: argv, stdin, stdout and stderr meet the code here and nowhere else.
#include <iostream>
#include <string>
#include <vector>

#include "plugin/cli/command.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  pullguard::Io io = pullguard::ProcessIo();
  return pullguard::RunMain(args, io);
}
