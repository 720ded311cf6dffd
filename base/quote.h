// Quoting user input inside one-line error messages: control bytes and quotes escaped, so an
// input can never break the "one line on stderr" rule or be confused with the message around it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pullguard {

// Every error line is at most 1 KiB (docs/RELIABILITY.md) whatever the input: quoted input is cut
// after this many characters of its rendering, and the cut is marked with "...".
inline constexpr std::size_t kMaxQuotedChars = 160;
// The whole error line, newline included.
inline constexpr std::size_t kMaxErrorLineBytes = 1024;

// "\"" + s + "\"" with '\\', '"', control and non-ASCII bytes escaped (\n, \t, \xNN); a rendering
// longer than kMaxQuotedChars is cut there and followed by "..." (after the closing quote).
std::string Quote(std::string_view s);

// A name or key shown in an error: printable ASCII only (others become ?), at most 64 characters.
std::string QuoteForError(std::string_view s);

// The last guard of the one-line error (used by the process shell): `line` cut to at most
// `max_bytes` bytes at a UTF-8 character boundary, with " ... (cut)" at the end when it was cut.
std::string CapErrorLine(std::string_view line, std::size_t max_bytes);

}  // namespace pullguard
