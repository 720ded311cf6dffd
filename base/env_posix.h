// The POSIX Env: real files, atomic writes and flock (base/env_posix.cc). The process shell hands
// it to the libraries, which see only the Env interface (base/env.h).
#pragma once

#include "base/env.h"

namespace pullguard {

// The process-wide POSIX Env.
Env& DefaultEnv();

}  // namespace pullguard
