// AWS Signature Version 4 for one HTTP request (the Authorization-header form): the canonical
// request, the string to sign and the Authorization value, with HMAC-SHA-256 on the built-in
// SHA-256 (base/sha256.h). Written here rather than taken from an SDK (no vendor SDKs); checked
// against AWS's published test suite (tests/plugin/sources/aws/sigv4_test.cc) and, end to end, by
// botocore recomputing every signature the test servers receive.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/secret.h"

namespace pullguard::aws {

// What signs a call: an access key pair and, for temporary credentials, the session token.
struct AwsCredentials {
  std::string access_key_id;  // not a secret (AWS prints it in errors and CloudTrail)
  Secret secret_access_key;
  Secret session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

// A credential's Expiration (STS, IMDS, container endpoints): RFC 3339, from 1970 to before 2200
// so that the nanosecond system_clock (1677..2262) holds it. nullopt: not such a time.
std::optional<std::chrono::system_clock::time_point> ParseCredentialExpiration(
    std::string_view rfc3339);

struct SigV4Request {
  std::string method;  // "POST"
  std::string path;    // the URL's path as sent ("/", "/ecr/"); normalised and encoded here
  std::string query;   // the URL's query without '?', may be empty
  // Every header to sign, Host included, in the order sent. SignV4 adds X-Amz-Date and
  // X-Amz-Security-Token (temporary credentials) unless present; the caller sends them all.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;  // the body
};

struct SigV4Signature {
  Secret canonical_request;  // holds the session token: never logged
  std::string string_to_sign;
  Secret authorization;  // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
};

// "20150830T123600Z": the X-Amz-Date form of `t` (UTC, whole seconds).
std::string AmzDate(std::chrono::system_clock::time_point t);

// Signs `request` for `region`/`service` at `now`; adds the date (and token) headers to it.
SigV4Signature SignV4(SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service,
                      std::chrono::system_clock::time_point now);

// HMAC-SHA-256 (RFC 2104): the 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace pullguard::aws
