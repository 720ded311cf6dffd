// Go's encodeState.string (encoding/json/encode.go, Go >= 1.22) rewritten byte for byte.
#include "base/go_json.h"

#include <cstdint>

#include "base/utf8.h"

namespace pullguard {
namespace {

constexpr char kHex[] = "0123456789abcdef";

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
    DecodedRune d = DecodeRune(s.substr(i));
    if (IsInvalidRune(d)) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (d.rune == 0x2028 || d.rune == 0x2029) {
      out += d.rune == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, d.width));
    }
    i += d.width;
  }
  out.push_back('"');
}

std::string GoJsonString(std::string_view s) {
  std::string out;
  AppendGoJsonString(out, s);
  return out;
}

}  // namespace pullguard
