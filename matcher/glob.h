// Go's path/filepath.Match (Unix flavour) byte for byte: kubelet matches each host label of a
// matchImages pattern with it, so '*', '?', '[...]' classes and '\' escapes must behave like Go's.
#pragma once

#include <string_view>

#include "base/result.h"

namespace pullguard {

// Go's filepath.Match with Separator '/'. Error (ErrBadPattern) when the pattern is malformed;
// like Go, a malformed tail may go unnoticed when the match already succeeded.
Result<bool> GoFilepathMatch(std::string_view pattern, std::string_view name);

}  // namespace pullguard
