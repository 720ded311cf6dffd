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

// main, first thing: the variable is read and removed from the environment, and the descriptors
// it names are made close-on-exec again, so that nothing the helper runs (doctor's `version`
// probes) inherits them. Descriptors are taken only if they are open regular files above 2.
void ReceiveHandedOverLocks();

// The POSIX Env, for a lock file it has just opened as `fd` (shared or exclusive request): an
// inherited descriptor of the same file (device and inode), which the caller adopts as an
// exclusive lock and closes `fd`; -1 when there is none. Adopted only once, and only when
// flock(LOCK_EX|LOCK_NB) on it succeeds: a no-op for the descriptor that holds the lock, a refusal
// when some other process holds it. Reads the environment itself if main has not.
int AdoptInheritedLock(int fd);

// True while this process holds handed-over locks it has not adopted yet: a clean-up that removes
// idle lock files (ProofCache::Prune) then leaves them all alone, since its try-lock would adopt
// such a lock and drop it.
bool HoldsUnadoptedLocks();

// What the environment would name ("3,7"): for tests, which cannot exec themselves.
void AddInheritedLocks(std::string_view list);

}  // namespace pullguard
