// Where the acr source sends each of its three requests (Azure IMDS, Entra ID's token endpoint,
// ACR's /oauth2/exchange) and over what transport: the one place these decisions are made, so the
// transport policy (verified TLS everywhere; plain HTTP only to loopback, and to the link-local
// IMDS address for the IMDS call only) can be read and tested in one file (docs/sources.md "acr").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "plugin/config/config.h"
#include "registry/transport.h"

namespace pullguard {

// The resource (IMDS) and scope (Entra ID) of a token ACR accepts, in every Azure cloud.
inline constexpr std::string_view kAcrResource = "https://containerregistry.azure.net";
inline constexpr std::string_view kAcrScope = "https://containerregistry.azure.net/.default";
// Azure's Instance Metadata Service: a link-local address every Azure VM reaches without a route.
inline constexpr std::string_view kImdsAddress = "169.254.169.254";
inline constexpr std::string_view kDefaultImdsEndpoint = "http://169.254.169.254";
// AZURE_AUTHORITY_HOST's default, as the Azure SDKs and azure-workload-identity read it.
inline constexpr std::string_view kDefaultAuthorityHost = "https://login.microsoftonline.com";

// One request's destination: the full URL (without a query) and the endpoint its client is made
// for (the transport rules the client enforces on every byte it sends).
struct AcrTarget {
  std::string url;
  registry::RegistryEndpoint endpoint;
};

// A registry host (host[:port]) that is an ACR login server by its name: one DNS label under
// azurecr.io, azurecr.cn, azurecr.de or azurecr.us (the suffixes cloud-provider-azure's
// credential provider knows), no port. Only such hosts get the default exchange endpoint, so an
// Entra ID token never goes to a host outside Microsoft's registry domains unless the operator
// named it (`exchangeEndpoint`).
bool IsAcrLoginServer(std::string_view host);

// 8-4-4-4-12 hex digits: what Azure client ids (and tenant ids) look like.
bool IsAzureGuid(std::string_view s);
// A tenant as Entra ID's authority path takes it: a GUID or a domain name
// (contoso.onmicrosoft.com). It becomes a URL path segment, so nothing else is accepted.
bool IsAzureTenant(std::string_view s);

// What the spec itself must satisfy (clientId a GUID, tenantId a tenant, both endpoints
// allowed); messages start with the field ("acr.imdsEndpoint: ...").
Status CheckAcrSpec(const AcrSourceSpec& spec);

// GET <imdsEndpoint>/metadata/identity/oauth2/token. imdsEndpoint is an origin (scheme, host,
// port); plain HTTP only to 169.254.169.254 on port 80 or a loopback host, and never a redirect.
Result<AcrTarget> ImdsTarget(const AcrSourceSpec& spec);

// POST <authority>/<tenant>/oauth2/v2.0/token. `authority_host` is AZURE_AUTHORITY_HOST (unset:
// login.microsoftonline.com), with or without a trailing slash; https, or http to loopback only.
Result<AcrTarget> EntraTarget(const std::optional<std::string>& authority_host,
                              std::string_view tenant);

// POST https://<registry>/oauth2/exchange, or the spec's exchangeEndpoint (https, or http to
// loopback only). Without exchangeEndpoint the registry must be an ACR login server.
Result<AcrTarget> ExchangeTarget(const AcrSourceSpec& spec, std::string_view registry);

}  // namespace pullguard
