// Quote(): a Go %q-like rendering of arbitrary bytes for error messages.
#include "base/quote.h"

namespace pullguard {

std::string Quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  bool cut = false;
  for (char ch : s) {
    if (out.size() - 1 >= kMaxQuotedChars) {
      cut = true;
      break;
    }
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
        if (c < 0x20 || c >= 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  if (cut) out += "...";
  return out;
}

std::string QuoteForError(std::string_view s) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += '?';
    }
  }
  out += '"';
  if (s.size() > kMax) out += "...";
  return out;
}

std::string CapErrorLine(std::string_view line, std::size_t max_bytes) {
  if (line.size() <= max_bytes) return std::string(line);
  constexpr std::string_view kMark = " ... (cut)";
  std::size_t keep = max_bytes > kMark.size() ? max_bytes - kMark.size() : 0;
  // Never end inside a UTF-8 sequence: back off over continuation bytes and their lead byte.
  while (keep > 0 && (static_cast<unsigned char>(line[keep]) & 0xC0) == 0x80) --keep;
  return std::string(line.substr(0, keep)) + std::string(kMark);
}

}  // namespace pullguard
