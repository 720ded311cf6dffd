// The distribution token flows: GET <realm> with Basic auth (token.md) and the OAuth2 POST
// (oauth.md) with containerd's fall-back to GET; token responses parsed into expiring Secrets.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret.h"
#include "registry/challenge.h"
#include "registry/http_client.h"

namespace pullguard::registry {

enum class TokenMethod {
  kAuto,  // containerd's rule: POST when a password or refresh token is given (falling back to
          // GET on 400/401/404, and on 405 with a username), plain GET when anonymous
  kGet,   // GET only (token.md), Basic auth when a credential is given
  kPost,  // OAuth2 POST only (oauth.md), no fall-back
};

struct TokenRequest {
  std::string realm;                // absolute URL from the Bearer challenge; its query is kept
  std::string service;              // may be empty (then not sent)
  std::vector<std::string> scopes;  // GET: one scope parameter each; POST: joined by spaces
  // Username/password (grant_type=password, or Basic on GET). nullopt and no refresh_token:
  // anonymous token.
  std::optional<Credential> credential;
  // grant_type=refresh_token (POST) or Basic "<username or empty>:<refresh token>" on GET. When set
  // it wins over credential->password; credential->username is still used on GET.
  std::optional<Secret> refresh_token;
  bool offline = false;  // ask for a refresh token: offline_token=true / access_type=offline
  std::string client_id = "pullguard";
  TokenMethod method = TokenMethod::kAuto;
};

struct Token {
  Secret token;          // `token`, or `access_token` when `token` is absent
  Secret refresh_token;  // empty when the server sent none
  std::chrono::system_clock::time_point issued_at;   // min(server issued_at, local now)
  std::chrono::seconds expires_in{60};               // server value, 60 when absent or <= 0
  std::chrono::system_clock::time_point expires_at;  // issued_at + expires_in
  std::string scope;                                 // granted scope when the server says it
};

// Whether `s` holds a C0 control character (NUL included) or DEL: never in a token, refresh token
// or password that comes from the network (ParseTokenResponse refuses them).
bool HasControlCharacter(std::string_view s);

// Decodes a token endpoint's JSON answer. `now` is the local time the answer arrived. Bad JSON,
// a non-object, no usable token, or a token / access_token / refresh_token holding a control
// character is kCorrupt (message without the body). Never throws.
Result<Token> ParseTokenResponse(std::string_view body, std::chrono::system_clock::time_point now);

// Builds the request for a Bearer challenge: realm, service and the challenge's scope (split on
// spaces) followed by extra_scopes not already present. No realm, or a parameter given twice
// (Challenge::duplicate_param), is kInvalidArgument.
Result<TokenRequest> TokenRequestFromChallenge(const Challenge& bearer,
                                               const std::vector<std::string>& extra_scopes);

// Runs the flow. The realm must be http(s) without userinfo; http only when the client's endpoint
// allows plain HTTP (HttpClient enforces it). 401/403 from the token server is kUnauthorized,
// other non-2xx statuses kNetwork, naming the realm (redacted) and the status.
Result<Token> FetchToken(HttpClient& client, const TokenRequest& request,
                         std::chrono::system_clock::time_point now);

// "repository:<path>:pull"
std::string PullScope(std::string_view repository);

// Authorization header values.
Secret BasicAuthorization(std::string_view username, const Secret& password);
Secret BearerAuthorization(const Secret& token);

}  // namespace pullguard::registry
