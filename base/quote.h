// Quoting user input inside one-line error messages: control bytes and quotes escaped, so an
// input can never break the "one line on stderr" rule or be confused with the message around it.
#pragma once

#include <string>
#include <string_view>

namespace pullguard {

// "\"" + s + "\"" with '\\', '"', control and non-ASCII bytes escaped (\n, \t, \xNN).
std::string Quote(std::string_view s);

// A name or key shown in an error: printable ASCII only (others become ?), at most 64 characters.
std::string QuoteForError(std::string_view s);

}  // namespace pullguard
