// What Google's metadata server and IAM Credentials' generateAccessToken answer, read as pure
// functions of the body (no request, no cache): the gcp source calls them, and the fuzz target
// tests/fuzz/google_answers_fuzz.cc feeds them hostile bytes. (Google STS answers go through the
// shared RFC 8693 reader, registry::ParseTokenResponse.)
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"
#include "registry/token_cache.h"

namespace pullguard {

// A Google access token must be printable ASCII without spaces and at most this long: it becomes
// an HTTP Basic password, and anything else would break the runtime's Authorization header.
inline constexpr std::size_t kMaxGoogleAccessTokenBytes = 16 * 1024;
// generateAccessToken's default lifetime (we ask for no other): a longer expireTime can only come
// from clock skew, and skew may shorten a cached token's life, never lengthen it.
inline constexpr std::chrono::seconds kImpersonatedLifetime{3600};

bool IsGoogleTokenText(std::string_view s);

// The metadata server's .../service-accounts/default/token answer ({"access_token", "expires_in",
// "token_type"}): registry::ParseTokenResponse, then the token must be IsGoogleTokenText.
// Messages never hold the body.
Result<registry::CachedToken> ParseMetadataTokenAnswer(std::string_view body,
                                                       std::chrono::system_clock::time_point now);

// generateAccessToken's answer {"accessToken": ..., "expireTime": RFC 3339}: a usable
// accessToken and an expiry no later than now + kImpersonatedLifetime. kCorrupt otherwise; the
// messages never hold the body.
Result<registry::CachedToken> ParseGenerateAccessTokenAnswer(
    std::string_view body, std::chrono::system_clock::time_point now);

// google.rpc.Status's `status` ("PERMISSION_DENIED") from an error answer as " PERMISSION_DENIED",
// or "" when the body is not such an answer (only capitals and '_', at most 40).
std::string GoogleErrorStatus(std::string_view body);

}  // namespace pullguard
