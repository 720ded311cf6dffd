// The harness of the cross-process tests (token cache, proof cache, group commit): forks `n`
// children that start together, so that they really contend for the same lock.
#pragma once

#include <functional>

namespace pullguard::testing {

// Forks `n` children; each waits until all are forked (a pipe the parent then closes), runs
// `child(i)` and exits with what it returns. Returns how many children did not exit 0 (a child
// that could not be forked counts as one).
int RunTogether(int n, const std::function<int(int)>& child);

}  // namespace pullguard::testing
