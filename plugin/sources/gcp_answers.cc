// Google's token answers (see the header), moved out of gcp_source.cc unchanged so that they can
// be fuzzed.
#include "plugin/sources/gcp_answers.h"

#include <algorithm>

#include "base/rfc3339.h"
#include "base/strict_json.h"
#include "registry/token_flow.h"

namespace pullguard {

using std::chrono::system_clock;

bool IsGoogleTokenText(std::string_view s) {
  return !s.empty() && s.size() <= kMaxGoogleAccessTokenBytes &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<registry::CachedToken> ParseMetadataTokenAnswer(std::string_view body,
                                                       system_clock::time_point now) {
  auto t = registry::ParseTokenResponse(body, now);
  if (!t.ok()) return t.error();
  if (!IsGoogleTokenText(t->token.reveal())) {
    return MakeError(ErrorKind::kCorrupt, "the access token is not printable text");
  }
  return registry::CachedToken{t->token, Secret(), t->issued_at, t->expires_at};
}

Result<registry::CachedToken> ParseGenerateAccessTokenAnswer(std::string_view body,
                                                             system_clock::time_point now) {
  auto j = ParseStrictJson(body, "generateAccessToken answer");
  if (!j.ok()) return MakeError(ErrorKind::kCorrupt, j.error().message);
  auto token = j->is_object() ? j->find("accessToken") : j->end();
  auto expire = j->is_object() ? j->find("expireTime") : j->end();
  if (token == j->end() || !token->is_string() ||
      !IsGoogleTokenText(token->get_ref<const std::string&>())) {
    return MakeError(ErrorKind::kCorrupt, "the answer holds no usable accessToken");
  }
  auto expires =
      expire != j->end() && expire->is_string()
          ? ParseRfc3339(expire->get_ref<const std::string&>())
          : Result<std::chrono::sys_seconds>(MakeError(ErrorKind::kCorrupt, "no expireTime"));
  if (!expires.ok()) {
    return MakeError(ErrorKind::kCorrupt, "the answer holds no RFC 3339 expireTime");
  }
  registry::CachedToken out;
  out.token = Secret(token->get<std::string>());
  out.issued_at = now;
  // Bounded in seconds before the conversion to system_clock's 64-bit nanoseconds (years
  // 1678..2262): an RFC 3339 year 9999 or 0001 would overflow it (found by google_answers_fuzz).
  // A time before 1970 is as expired as 1970 itself.
  const auto cap = std::chrono::ceil<std::chrono::seconds>(now) + kImpersonatedLifetime;
  out.expires_at = std::min<system_clock::time_point>(
      std::clamp(*expires, std::chrono::sys_seconds{}, cap), now + kImpersonatedLifetime);
  return out;
}

std::string GoogleErrorStatus(std::string_view body) {
  auto j = ParseStrictJson(body, "error answer");
  if (!j.ok() || !j->is_object()) return {};
  auto e = j->find("error");
  if (e == j->end() || !e->is_object()) return {};
  auto s = e->find("status");
  if (s == e->end() || !s->is_string()) return {};
  const std::string& v = s->get_ref<const std::string&>();
  bool plain = !v.empty() && v.size() <= 40 && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '_';
  });
  return plain ? " " + v : std::string();
}

}  // namespace pullguard
