// What every fuzz target over a cloud service's answers checks (azure_answers_fuzz,
// google_answers_fuzz): an error is one line of at most 1 KiB that never carries the token the
// answer held.
#pragma once

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/quote.h"
#include "base/result.h"

namespace pullguard::fuzz {

inline void Check(bool ok) {
  if (!ok) std::abort();
}

// The string a lax reader finds under `name` (what a careless parser would take as the token).
inline std::string Field(std::string_view in, const char* name) {
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return {};
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline void CheckError(const Error& e, const std::string& token) {
  Check(e.message.find_first_of("\r\n") == std::string::npos);
  Check(e.message.size() <= kMaxErrorLineBytes);
  // Short values can occur in any message by chance; a real token is long.
  if (token.size() >= 8) Check(e.message.find(token) == std::string::npos);
}

}  // namespace pullguard::fuzz
