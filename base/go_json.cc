// Go's encodeState.string (encoding/json/encode.go, Go >= 1.22) rewritten byte for byte.
#include "base/go_json.h"

#include <cstdint>

namespace pullguard {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (Go's utf8.DecodeRune
// returning RuneError with size 1).
std::size_t ValidUtf8Length(std::string_view s, std::size_t i, std::uint32_t* rune) {
  auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xc0) == 0x80 ? (b & 0x3f) : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    int c1 = cont(1);
    if (c1 < 0) return 0;
    *rune = ((b0 & 0x1fu) << 6) | static_cast<std::uint32_t>(c1);
    return 2;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 < 0 || c2 < 0) return 0;
    std::uint32_t r = ((b0 & 0x0fu) << 12) | (static_cast<std::uint32_t>(c1) << 6) |
                      static_cast<std::uint32_t>(c2);
    if (r < 0x800 || (r >= 0xd800 && r <= 0xdfff)) return 0;  // overlong or surrogate
    *rune = r;
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return 0;
    std::uint32_t r = ((b0 & 0x07u) << 18) | (static_cast<std::uint32_t>(c1) << 12) |
                      (static_cast<std::uint32_t>(c2) << 6) | static_cast<std::uint32_t>(c3);
    if (r < 0x10000 || r > 0x10ffff) return 0;
    *rune = r;
    return 4;
  }
  return 0;
}

}  // namespace

void AppendGoJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') {
        out.push_back(static_cast<char>(b));
      } else {
        switch (b) {
          case '"':
          case '\\':
            out.push_back('\\');
            out.push_back(static_cast<char>(b));
            break;
          case '\b':
            out += "\\b";
            break;
          case '\f':
            out += "\\f";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            out += "\\u00";
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0xf]);
        }
      }
      ++i;
      continue;
    }
    std::uint32_t rune = 0;
    std::size_t n = ValidUtf8Length(s, i, &rune);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (rune == 0x2028 || rune == 0x2029) {
      out += rune == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

std::string GoJsonString(std::string_view s) {
  std::string out;
  AppendGoJsonString(out, s);
  return out;
}

}  // namespace pullguard
