// Go's unicode/utf8 decoding (utf8.go), rewritten for the two uses pullguard has.
#include "base/utf8.h"

#include <cstdint>

namespace pullguard {

DecodedRune DecodeRune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  auto b0 = static_cast<std::uint8_t>(s[0]);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n;
  char32_t r;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, r = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, r = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return {kRuneError, 1};
  }
  if (s.size() < n) return {kRuneError, 1};
  for (std::size_t i = 1; i < n; ++i) {
    auto b = static_cast<std::uint8_t>(s[i]);
    if ((b & 0xC0) != 0x80) return {kRuneError, 1};
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return {kRuneError, 1};
  return {r, n};
}

std::optional<std::size_t> FirstInvalidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    DecodedRune d = DecodeRune(s.substr(i));
    if (IsInvalidRune(d)) return i;
    i += d.width;
  }
  return std::nullopt;
}

}  // namespace pullguard
