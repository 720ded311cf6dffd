// libFuzzer target for what token endpoints and the token cache hand back: token responses
// (registry/token_flow.h), token cache files (registry/token_cache.h) and the JWT claims peeked
// from tokens (plugin/sources/exchange_context.h). All are untrusted bytes from a server or the
// disk.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugin/sources/exchange_context.h"
#include "registry/token_cache.h"
#include "registry/token_flow.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto now = std::chrono::system_clock::from_time_t(1700000000);

  if (auto t = registry::ParseTokenResponse(in, now); t.ok()) {
    Check(!t->token.empty());
    Check(t->expires_at > t->issued_at);
  }
  if (auto c = registry::DecodeCachedToken(in); c.ok()) {
    // A cache file read back and written again is the same token with the same times.
    auto again = registry::DecodeCachedToken(registry::EncodeCachedToken(*c));
    Check(again.ok());
    Check(again->token == c->token && again->refresh_token == c->refresh_token);
    Check(again->issued_at == c->issued_at && again->expires_at == c->expires_at);
  }
  JwtClaims claims = PeekJwtClaims(Secret(std::string(in)));
  Check(claims.ns.size() <= size && claims.name.size() <= size && claims.uid.size() <= size);
  return 0;
}
