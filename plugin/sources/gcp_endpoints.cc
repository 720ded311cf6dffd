// The gcp source's endpoints and their transport rules (see the header for the choices).
#include "plugin/sources/gcp_endpoints.h"

#include "base/quote.h"
#include "registry/url.h"

namespace pullguard {
namespace {

constexpr std::string_view kMetadataTokenPath =
    "/computeMetadata/v1/instance/service-accounts/default/token";

// The metadata server speaks plain HTTP only. Nothing secret goes to it (a GET without
// Authorization; redirects are not followed), and only this one call uses this endpoint, so
// `insecure` here opens plain HTTP to the metadata host alone.
registry::RegistryEndpoint MetadataEndpoint(const std::string& host) {
  registry::RegistryEndpoint e;
  e.host = host;
  e.transport.insecure = true;
  e.transport.plain_http = true;
  e.transport.connect_timeout = kMetadataConnectTimeout;
  e.transport.attempt_timeout = kMetadataAttemptTimeout;
  e.transport.call_budget = kMetadataCallBudget;
  return e;
}

Result<registry::RegistryEndpoint> ApiEndpoint(const std::string& base, const char* key) {
  auto e = EndpointForUrl(base);
  if (!e.ok()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string("gcp.") + key + ": " + e.error().message);
  }
  return e;
}

}  // namespace

std::string GcpEndpoints::GenerateAccessTokenUrl(std::string_view account) const {
  return iam_base + "/v1/projects/-/serviceAccounts/" + std::string(account) +
         ":generateAccessToken";
}

Result<GcpEndpoints> ResolveGcpEndpoints(const GcpSourceSpec& spec, const ExchangeContext& ctx) {
  GcpEndpoints out;
  // Google's libraries prepend "http://" to GCE_METADATA_HOST and append the API path, so the
  // value is a host[:port]; anything that would change the URL's meaning is refused.
  out.metadata_host = EnvVar(ctx, "GCE_METADATA_HOST").value_or(std::string(kDefaultMetadataHost));
  auto url = registry::ParseUrl("http://" + out.metadata_host + std::string(kMetadataTokenPath));
  if (out.metadata_host.find_first_of("/?#@\\") != std::string::npos || !url.ok() ||
      url->path != kMetadataTokenPath) {
    return MakeError(
        ErrorKind::kInvalidArgument,
        "gcp: GCE_METADATA_HOST " + QuoteForError(out.metadata_host) + " is not a host[:port]");
  }
  out.metadata_token_url = url->ToString();
  out.metadata = MetadataEndpoint(out.metadata_host);

  std::string sts =
      spec.sts_endpoint.empty() ? std::string(kDefaultStsEndpoint) : spec.sts_endpoint;
  auto sts_endpoint = ApiEndpoint(sts, "stsEndpoint");
  if (!sts_endpoint.ok()) return sts_endpoint.error();
  out.sts = *sts_endpoint;
  out.sts_token_url = sts + "/v1/token";

  out.iam_base = spec.iam_credentials_endpoint.empty() ? std::string(kDefaultIamCredentialsEndpoint)
                                                       : spec.iam_credentials_endpoint;
  auto iam_endpoint = ApiEndpoint(out.iam_base, "iamCredentialsEndpoint");
  if (!iam_endpoint.ok()) return iam_endpoint.error();
  out.iam = *iam_endpoint;
  return out;
}

}  // namespace pullguard
