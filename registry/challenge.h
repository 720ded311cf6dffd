// WWW-Authenticate parsing (RFC 7235 section 4.1, RFC 6750 section 3): Basic and Bearer challenges,
// several per header and across headers. Pure, bounded, never throws.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pullguard::registry {

struct Challenge {
  std::string scheme;  // lower-cased auth-scheme: "basic", "bearer", ...
  // auth-params, names lower-cased, quoted-string values unescaped. A repeated name keeps the
  // first value here and is named in `duplicate_param`.
  std::map<std::string, std::string> params;
  // The first parameter name given twice (case-insensitively), "" when none. RFC 7235 allows each
  // name once per challenge; containerd and Docker take the last value, so a challenge with two
  // realms could send the runtime and pullguard to different servers: it is refused
  // (TokenRequestFromChallenge).
  std::string duplicate_param;
  std::string token68;  // the token68 form (e.g. "Negotiate abc=="), when used instead of params

  // params[name] or "" when absent.
  std::string Param(std::string_view name) const;
};

// Limits that keep hostile headers cheap: longer header values are cut at kMaxHeaderValue bytes
// (a challenge cut in half is dropped), at most kMaxChallenges challenges and kMaxParams params
// per challenge are kept.
inline constexpr std::size_t kMaxHeaderValue = 16 * 1024;
inline constexpr std::size_t kMaxChallenges = 16;
inline constexpr std::size_t kMaxParams = 32;

// Parses one WWW-Authenticate value. Malformed syntax ends parsing: the challenges that were
// complete before it are returned, the broken one is not.
std::vector<Challenge> ParseChallenges(std::string_view header_value);

// Parses every WWW-Authenticate value of a response, in order (at most kMaxChallenges in total).
std::vector<Challenge> ParseChallenges(std::span<const std::string> header_values);

// The first challenge with this scheme (lower-case), or nullptr.
const Challenge* FindChallenge(const std::vector<Challenge>& challenges, std::string_view scheme);

}  // namespace pullguard::registry
