// Single flight across processes on a lock file: of the processes that want the same thing (a
// registry token, a proof that a credential pulls), one does the work and the others use its
// result. The token cache and the proof cache both use it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/env.h"
#include "base/result.h"

namespace pullguard {

// Joins the flight on `lock_path`. The first process gets the exclusive lock at once and does the
// work (the returned lock is held). A process that finds the lock held waits with a shared lock
// (Env::LockFileShared: every waiter is woken together when the worker releases), then calls
// `landed`, which reads what the worker left and says whether it is enough: then the result holds
// no lock (nullptr) and the caller uses what `landed` read. Otherwise (the worker failed or
// wrote nothing usable) the process takes the exclusive lock to do the work itself, as the next
// flight. The whole wait is bounded by `timeout`, then kUnavailable.
Result<std::unique_ptr<FileLock>> JoinFlight(Env& env, const std::string& lock_path,
                                             std::chrono::milliseconds timeout,
                                             const std::function<bool()>& landed);

}  // namespace pullguard
