// libFuzzer target for registry/'s untrusted-input parsers: WWW-Authenticate challenges, token
// responses, URLs and Retry-After; checks their invariants, not just the absence of a crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "registry/challenge.h"
#include "registry/retry.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard::registry;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto challenges = ParseChallenges(in);
  Check(challenges.size() <= kMaxChallenges);
  for (const Challenge& c : challenges) {
    Check(!c.scheme.empty());
    Check(c.params.size() <= kMaxParams);
    for (char ch : c.scheme) Check(!(ch >= 'A' && ch <= 'Z'));
  }

  auto now = std::chrono::system_clock::from_time_t(1700000000);
  auto token = ParseTokenResponse(in, now);
  if (token.ok()) {
    Check(!token->token.empty());
    Check(token->expires_in.count() >= 1);
    Check(token->issued_at <= now);
    Check(token->expires_at == token->issued_at + token->expires_in);
  }

  auto url = ParseUrl(in);
  if (url.ok()) {
    Check(url->scheme == "http" || url->scheme == "https");
    Check(!url->host.empty());
    Check(url->port >= 1 && url->port <= 65535);
    Check(!url->path.empty() && url->path.front() == '/');
    // What is printed or sent re-parses to the same origin.
    auto again = ParseUrl(url->ToString());
    Check(again.ok() && again->SameOrigin(*url) && !again->has_userinfo);
    auto next = ResolveReference(*url, in);
    if (next.ok()) Check(next->scheme == "http" || next->scheme == "https");
  }

  auto wait = ParseRetryAfter(in, now);
  if (wait.has_value()) Check(wait->count() >= 0);
  return 0;
}
