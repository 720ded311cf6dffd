// Where the gcp source sends each of its requests and under which transport rules, decided here
// and nowhere else: the metadata server (GCE_METADATA_HOST as Google's client libraries read it,
// else metadata.google.internal; plain HTTP, the only way it is served, and for the metadata call
// only), Google STS and IAM Credentials (verified TLS; the config's stsEndpoint and
// iamCredentialsEndpoint replace the base URL, plain HTTP only to loopback).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"
#include "plugin/config/config.h"
#include "plugin/sources/exchange_context.h"
#include "registry/transport.h"

namespace pullguard {

inline constexpr std::string_view kDefaultMetadataHost = "metadata.google.internal";
inline constexpr std::string_view kDefaultStsEndpoint = "https://sts.googleapis.com";
inline constexpr std::string_view kDefaultIamCredentialsEndpoint =
    "https://iamcredentials.googleapis.com";

// The metadata server answers on the node's link-local network within milliseconds; a server that
// does not answer in these bounds is absent, and the exec says so long before kubelet gives up.
inline constexpr std::chrono::milliseconds kMetadataConnectTimeout{2000};
inline constexpr std::chrono::milliseconds kMetadataAttemptTimeout{4000};
inline constexpr std::chrono::milliseconds kMetadataCallBudget{8000};

struct GcpEndpoints {
  std::string metadata_host;  // host[:port], as GCE_METADATA_HOST gives it
  std::string
      metadata_token_url;  // http://<host>/computeMetadata/v1/instance/service-accounts/default/token
  registry::RegistryEndpoint metadata;
  std::string sts_token_url;  // <sts base>/v1/token
  registry::RegistryEndpoint sts;
  std::string iam_base;  // <iam base>, without a trailing slash
  registry::RegistryEndpoint iam;

  // <iam base>/v1/projects/-/serviceAccounts/<account>:generateAccessToken
  std::string GenerateAccessTokenUrl(std::string_view account) const;
};

// The endpoints for one exec: GCE_METADATA_HOST from the context's environment (checked: a
// host[:port], nothing else), the base URLs from the spec (checked when the config was decoded).
Result<GcpEndpoints> ResolveGcpEndpoints(const GcpSourceSpec& spec, const ExchangeContext& ctx);

}  // namespace pullguard
