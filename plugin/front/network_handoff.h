// The static front's way to the network. The installed `pullguard` is linked statically
// (-static-pie: no dynamic loader at start-up, docs/BENCHMARKS.md), so it cannot dlopen()
// libcurl. The first request of a process therefore re-runs the whole command in `pullguard-net`,
// the same program linked dynamically and installed beside it, with the same arguments,
// environment and stdin. Whatever the front did before is done again by the helper: reads, lock
// waits, debug log lines (docs/install.md, "Two files").
#pragma once

#include <cstddef>
#include <string>

#include "base/input.h"
#include "base/result.h"

namespace pullguard::front {

// The helper's file name; it is looked for in the directory of the front's own executable.
inline constexpr const char* kNetworkHelperName = "pullguard-net";

// Stdin that keeps a copy of what the command read, for pullguard-net to read again.
class ReplayableStdin : public Input {
 public:
  long Read(char* buf, std::size_t n) override;
  const std::string& consumed() const { return consumed_; }
  bool at_end() const { return at_end_; }

 private:
  FdInput fd_{0};
  std::string consumed_;
  bool at_end_ = false;
};

// What the handoff passes on; main calls it before the command runs. Both outlive the process.
void PrepareHandoff(char** argv, const ReplayableStdin* in);

// Replaces the process with pullguard-net. The helper must be a regular file, not a symbolic
// link, owned by root or by this user and writable by nobody else; it is checked on the
// descriptor that is then executed. Returns only when the process could not be handed over, with
// one line saying why.
Error HandOffToNetworkHelper();

}  // namespace pullguard::front
