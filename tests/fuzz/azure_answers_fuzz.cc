// libFuzzer target for what Azure hands the acr source (plugin/sources/acr_protocol.h): IMDS's and
// Entra ID's token answers (ParseAzureToken), ACR's exchange answer (ParseAcrRefreshToken) and
// their error answers (AzureErrorSummary). All are untrusted bytes from a server. Invariants: an
// accepted answer has a non-empty token without control characters and an expiry no later than
// 24 h from now; an error is one line of at most 1 KiB that never holds the token.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/quote.h"
#include "base/result.h"
#include "plugin/sources/acr_protocol.h"
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

  std::string access = Field(in, "access_token");
  if (auto t = ParseAzureToken(in, now); t.ok()) {
    Check(!t->token.empty() && !registry::HasControlCharacter(t->token.reveal()));
    Check(t->issued_at == now);
    Check(t->expires_at <= now + std::chrono::hours(24));
  } else {
    CheckError(t.error(), access);
  }

  std::string refresh = Field(in, "refresh_token");
  if (auto r = ParseAcrRefreshToken(in); r.ok()) {
    Check(!r->empty() && !registry::HasControlCharacter(r->reveal()));
  } else {
    CheckError(r.error(), refresh);
  }

  // The secrets the acr source passes: the tokens it sent. Here the values the answer itself
  // names, so that an answer quoting them back is the case tried.
  Secret s1(access), s2(refresh), s3(Field(in, "error"));
  std::string summary = AzureErrorSummary(in, {&s1, &s2, &s3});
  Check(summary.size() <= 300);
  for (char c : summary) Check(c >= 0x20 && c < 0x7f);
  for (const Secret* s : {&s1, &s2, &s3}) {
    if (s->reveal().size() >= 8) Check(summary.find(s->reveal()) == std::string::npos);
  }
  return 0;
}
