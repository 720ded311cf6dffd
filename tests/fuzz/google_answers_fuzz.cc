// libFuzzer target for what Google hands the gcp source: the metadata server's token answer
// (ParseMetadataTokenAnswer), Google STS's RFC 8693 answer (registry::ParseTokenResponse, what
// ReadExchangedToken reads), IAM Credentials' generateAccessToken answer
// (ParseGenerateAccessTokenAnswer) and google.rpc.Status errors (GoogleErrorStatus), all in
// plugin/sources/gcp_answers.h. Invariants: an accepted answer has a non-empty token without
// control characters and an expiry in range; an error is one line of at most 1 KiB that never
// holds the token.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/quote.h"
#include "base/result.h"
#include "plugin/sources/gcp_answers.h"
#include "registry/token_flow.h"
#include "tests/fuzz/answer_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  using fuzz::Check;
  using fuzz::CheckError;
  using fuzz::Field;
  using std::chrono::system_clock;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const system_clock::time_point now{std::chrono::seconds(1764633600)};  // 2025-12-02
  const auto ten_years = std::chrono::seconds(315360000);

  std::string access = Field(in, "access_token");
  if (auto t = ParseMetadataTokenAnswer(in, now); t.ok()) {
    Check(IsGoogleTokenText(t->token.reveal()));
    Check(t->issued_at <= now && t->expires_at > t->issued_at && t->expires_at <= now + ten_years);
  } else {
    CheckError(t.error(), access);
  }

  if (auto t = registry::ParseTokenResponse(in, now); t.ok()) {
    Check(!t->token.empty() && !registry::HasControlCharacter(t->token.reveal()));
    Check(t->issued_at <= now && t->expires_at > t->issued_at && t->expires_at <= now + ten_years);
  } else {
    CheckError(t.error(), access);
    CheckError(t.error(), Field(in, "token"));
  }

  std::string impersonated = Field(in, "accessToken");
  if (auto t = ParseGenerateAccessTokenAnswer(in, now); t.ok()) {
    Check(IsGoogleTokenText(t->token.reveal()));
    Check(t->issued_at == now && t->expires_at <= now + kImpersonatedLifetime);
  } else {
    CheckError(t.error(), impersonated);
  }

  std::string status = GoogleErrorStatus(in);
  if (!status.empty()) {
    Check(status.size() >= 2 && status.size() <= 41 && status[0] == ' ');
    Check(std::all_of(status.begin() + 1, status.end(),
                      [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }));
  }
  return 0;
}
