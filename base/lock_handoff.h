// Exclusive locks carried across the static front's handoff to pullguard-net
// (plugin/front/network_handoff.h). The front hands over when a request needs the network, which
// is often inside a single flight whose exclusive lock it has just won (base/single_flight.h).
// Released at exec, that lock would pass to a waiting front, which would win the flight, hand
// over in turn, and so on: a storm of 64 execs would make 64 handoffs. Instead the front keeps the
// descriptors of its exclusive locks open across exec and names them in the environment
// (PULLGUARD_HANDOFF_LOCKS); the helper, the same program, asked for a lock on the same file
// (device and inode), adopts the descriptor it inherited instead of waiting for itself.
#pragma once

#include <string_view>

#include "base/result.h"

namespace pullguard {

inline constexpr const char* kHandoffLocksVariable = "PULLGUARD_HANDOFF_LOCKS";

// The POSIX Env's bookkeeping: `fd` now holds an exclusive flock, or no longer holds a lock.
void NoteExclusiveLock(int fd);
void ForgetLock(int fd);

// The front, just before exec: the exclusive locks this process holds stay open across exec and
// are named in the environment.
Status PassHeldLocksAcrossExec();
// ... and when the exec failed: the locks close on exec again, the variable is gone.
void TakeBackHeldLocks();

// The POSIX Env, for a lock file it has just opened as `fd`: an inherited descriptor holding the
// exclusive lock of the same file, which the caller adopts (and closes `fd`); -1 when there is
// none. The environment is read once per process and the variable removed, and the inherited
// descriptors are made close-on-exec again, so nothing the helper runs inherits them.
int AdoptInheritedLock(int fd);

// What the environment would name ("3,7"): for tests, which cannot exec themselves.
void AddInheritedLocks(std::string_view list);

}  // namespace pullguard
