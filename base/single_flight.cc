#include "base/single_flight.h"

#include <algorithm>

namespace pullguard {

Result<std::unique_ptr<FileLock>> JoinFlight(Env& env, const std::string& lock_path,
                                             std::chrono::milliseconds timeout,
                                             const std::function<bool()>& landed) {
  using std::chrono::milliseconds;
  auto first = env.LockFile(lock_path, milliseconds(0));
  if (first.ok() || first.error().kind != ErrorKind::kUnavailable) return first;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                         deadline - std::chrono::steady_clock::now()));
  };
  {
    auto shared = env.LockFileShared(lock_path, timeout);
    if (!shared.ok()) return shared.error();
    if (landed()) return std::unique_ptr<FileLock>();
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    return MakeError(ErrorKind::kUnavailable, "another process holds the lock " + lock_path);
  }
  return env.LockFile(lock_path, left());
}

}  // namespace pullguard
