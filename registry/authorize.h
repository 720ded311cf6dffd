// One registry call's authentication: GET /v2/ to learn the challenge, then turn a credential into
// an Authorization value (Basic directly, Bearer through the token flow).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret.h"
#include "registry/challenge.h"
#include "registry/http_client.h"
#include "registry/token_flow.h"
#include "registry/transport.h"

namespace pullguard::registry {

struct PingResult {
  long status = 0;                    // 200: no auth needed; 401: see challenges
  std::vector<Challenge> challenges;  // parsed WWW-Authenticate of a 401
};

// GET <base>/v2/. 200 and 401 are results; anything else (404: not a v2 registry, 5xx after
// retries, transport errors) is an error naming the registry.
Result<PingResult> Ping(HttpClient& client, const RegistryEndpoint& endpoint);

struct AuthorizeInput {
  std::optional<Credential> credential;  // nullopt: anonymous
  std::optional<Secret> refresh_token;   // see TokenRequest
  std::vector<std::string> scopes;       // e.g. {PullScope("team/app")}
  bool offline = false;
  std::string client_id = "pullguard";
  TokenMethod method = TokenMethod::kAuto;
};

struct Authorization {
  std::optional<Secret> header;  // nullopt: send no Authorization (anonymous, no challenge)
  std::optional<Token> token;    // set when a Bearer token was fetched (for the token cache)
};

// From a ping's challenges: Bearer preferred (token flow), else Basic (needs a credential), else
// none when the ping said 200. A 401 with neither is kUnauthorized ("unsupported challenge").
Result<Authorization> Authorize(HttpClient& client, const PingResult& ping,
                                const AuthorizeInput& input,
                                std::chrono::system_clock::time_point now);

}  // namespace pullguard::registry
