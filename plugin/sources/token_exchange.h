// One RFC 8693 token exchange of the pod's service-account token: the form every exchange-based
// source POSTs (tokenExchange; gcp's Google STS step) and the checks on the answer, written once.
#pragma once

#include <string>

#include "base/result.h"
#include "plugin/sources/exchange_context.h"
#include "registry/http_client.h"
#include "registry/token_cache.h"
#include "registry/transport.h"

namespace pullguard {

inline constexpr const char* kTokenExchangeGrant =
    "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr const char* kJwtTokenType = "urn:ietf:params:oauth:token-type:jwt";
inline constexpr const char* kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

struct TokenExchangeRequest {
  std::string url;                      // where the form is POSTed
  registry::RegistryEndpoint endpoint;  // the transport rules for `url` (EndpointForUrl)
  std::string audience;                 // optional form fields, sent when not empty
  std::string scope;
  std::string requested_token_type;  // Google STS requires it; RFC 8693 makes it optional
  std::string where;                 // message prefix: "tokenExchange: https://sts.example/x"
};

// POSTs grant_type, subject_token (ctx.service_account_token), subject_token_type=jwt and the
// optional fields as application/x-www-form-urlencoded, and reads `access_token` (or `token`) and
// `expires_in` (60 s when absent). 400/401/403 are kUnauthorized "refused the service-account
// token (HTTP n)", followed by the RFC 6749 `error` code when the answer has one (never the
// description or the body); an answer that is the service-account token itself is refused.
Result<registry::CachedToken> ExchangeServiceAccountToken(const TokenExchangeRequest& request,
                                                          const ExchangeContext& ctx);

// The checks every exchange answer gets once its status is not a refusal: a 2xx status (else
// kNetwork "answered HTTP n"), a token response (registry::ParseTokenResponse), and not the
// service-account token itself (RefuseEcho).
Result<registry::CachedToken> ReadExchangedToken(const registry::HttpResponse& response,
                                                 const std::string& where,
                                                 const ExchangeContext& ctx);

// Kubelet discards a response whose password is the service-account token it sent; sources check
// each token they obtain with it before it is cached.
Status RefuseEcho(const Secret& token, const std::string& where, const ExchangeContext& ctx);

}  // namespace pullguard
