// metav1.Time's text form: RFC 3339 in UTC with whole seconds when written
// ("2024-10-21T12:26:40Z"); any RFC 3339 offset and fraction accepted when read, as Go's
// time.Parse(time.RFC3339) does.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard {

std::string FormatRfc3339(std::chrono::sys_seconds t);
// Fractions are truncated (metav1.Time keeps whole seconds on the wire anyway).
Result<std::chrono::sys_seconds> ParseRfc3339(std::string_view s);

}  // namespace pullguard
