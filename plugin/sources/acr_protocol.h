// The three requests the acr source makes and the answers it reads, as values: Azure IMDS's
// managed-identity token, Entra ID's client-credentials grant with a client assertion (Azure
// workload identity), and ACR's exchange of an Entra ID token for an ACR refresh token. Written
// from Azure's public docs and checked against cloud-provider-azure's credential provider
// (docs/sources.md "acr"); no Azure SDK.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret.h"
#include "registry/http_client.h"

namespace pullguard {

inline constexpr std::string_view kImdsApiVersion = "2018-02-01";
inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// GET <token_url>?api-version=2018-02-01&resource=<kAcrResource>[&client_id=<id>] with
// `Metadata: true` (IMDS refuses a request without it, which keeps browsers and SSRF out).
registry::HttpRequest ImdsTokenRequest(const std::string& token_url, const std::string& client_id);

// POST <token_url> form: grant_type=client_credentials, client_id, client_assertion_type
// (jwt-bearer), client_assertion=<the pod's service-account token>, scope=<kAcrScope>.
registry::HttpRequest EntraAssertionRequest(const std::string& token_url,
                                            const std::string& client_id, const Secret& assertion);

// POST <exchange_url> form: grant_type=access_token, service=<registry>, tenant (when known),
// access_token=<Entra ID token>.
registry::HttpRequest AcrExchangeRequest(const std::string& exchange_url,
                                         const std::string& service, const std::string& tenant,
                                         const Secret& access_token);

// An Entra ID access token (from IMDS or from the token endpoint).
struct AzureToken {
  Secret token;
  std::chrono::system_clock::time_point issued_at, expires_at;
};

// IMDS and Entra ID answers: `access_token` (required), expiry from `expires_in` (IMDS sends it
// as a string, Entra ID as a number), else `expires_on` (epoch seconds), else the token's JWT
// `exp`, else 60 s. Strict JSON; errors never quote the body.
Result<AzureToken> ParseAzureToken(std::string_view body,
                                   std::chrono::system_clock::time_point now);

// ACR's exchange answer: {"refresh_token": "..."} (required, non-empty).
Result<Secret> ParseAcrRefreshToken(std::string_view body);

// What an Azure error answer says, for one stderr line: Entra ID's and IMDS's
// `error` + `error_description` (first line: AADSTS code and text, no trace ids), or ACR's
// `errors[0].code` + `message`. Printable ASCII only, at most 300 characters; any of `secrets`
// and anything shaped like a JWT is replaced by <redacted>. Empty when the body says nothing
// usable.
std::string AzureErrorSummary(std::string_view body, const std::vector<const Secret*>& secrets);

}  // namespace pullguard
