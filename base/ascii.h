// ASCII-only case handling for protocol text (host names, header and parameter names, URL
// schemes): these are case-insensitive in ASCII only, and the C locale functions are not what
// HTTP or Go's strings.EqualFold-on-ASCII mean.
#pragma once

#include <string>
#include <string_view>

namespace pullguard {

constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

constexpr bool AsciiEqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

constexpr bool AsciiStartsWithFold(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && AsciiEqualFold(s.substr(0, prefix.size()), prefix);
}

}  // namespace pullguard
