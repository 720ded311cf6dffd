// UTF-8 as Go reads it: one decoder (Go's utf8.DecodeRuneInString) for every place that walks
// runes to match Go byte for byte (filepath.Match, encoding/json), and whole-document validation
// (configs) before a parser sees them: YAML parsers pass ill-formed bytes through into strings,
// JSON ones do not, and both must refuse the same files.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace pullguard {

inline constexpr char32_t kRuneError = 0xFFFD;

struct DecodedRune {
  char32_t rune;
  std::size_t width;  // bytes consumed
};

// utf8.DecodeRuneInString: the first rune of `s` and its width. Empty input is (RuneError, 0); an
// ill-formed or cut-short sequence (overlong forms, surrogates, code points above U+10FFFF) is
// (RuneError, 1). A well-formed U+FFFD is (RuneError, 3), so width tells the two apart.
DecodedRune DecodeRune(std::string_view s);

// Whether DecodeRune's answer is Go's "invalid" (RuneError of width 1).
constexpr bool IsInvalidRune(DecodedRune d) {
  return d.rune == kRuneError && d.width == 1;
}

// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or nullopt when all of `s` is UTF-8.
std::optional<std::size_t> FirstInvalidUtf8(std::string_view s);

}  // namespace pullguard
