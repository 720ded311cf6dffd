// pullguard's own config (apiVersion pullguard.io/v1alpha1, kind PullguardConfig), YAML or JSON:
// where state lives and, per registry entry, which images it covers and where credentials come
// from.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "base/secret.h"
#include "plugin/kubelet/duration.h"
#include "plugin/kubelet/protocol.h"
#include "registry/transport.h"

namespace pullguard {

inline constexpr std::string_view kConfigApiVersion = "pullguard.io/v1alpha1";
inline constexpr std::string_view kConfigKind = "PullguardConfig";
inline constexpr std::string_view kDefaultStateDir = "/var/lib/pullguard";
inline constexpr GoDuration kDefaultCacheDuration = 5 * kMinute;
// An ecr entry without cacheDuration: the token decides (expiresAt less the safety margin).
inline constexpr GoDuration kEcrDefaultCacheDuration = 12 * kHour;
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

// static: {username, password | passwordFile}.
struct StaticSourceSpec {
  std::string username;
  std::optional<Secret> password;  // inline in the config
  std::string password_file;       // or read at use, must not be group/other readable
};

// dockerConfig: path of a config.json (kubernetes.io/dockerconfigjson) or legacy .dockercfg.
struct DockerConfigSourceSpec {
  std::string path;
};

// tokenExchange (KEP-4412, RFC 8693): the pod's service-account token exchanged for an access
// token, returned as the password under `username` (plugin/sources/token_exchange_source.cc).
struct TokenExchangeSourceSpec {
  std::string endpoint;  // absolute http(s) URL of the exchange endpoint
  std::string username;  // what kubelet receives as the username
  std::string audience;  // optional RFC 8693 audience
  std::string scope;     // optional RFC 8693 scope
  // false: a request without a token gets nothing from this entry, so later entries (node
  // credentials) answer for the image.
  bool require_service_account_token = true;
};

// refreshToken (ACR convention): a node credential buys a refresh token once; kubelet receives
// the refresh token under the fixed username (plugin/sources/refresh_token_source.cc).
struct RefreshTokenSourceSpec {
  StaticSourceSpec login;       // the node credential (username, password | passwordFile)
  std::string realm;            // token endpoint; default: the registry's Bearer challenge
  std::string service;          // default: the challenge's service
  GoDuration lifetime = kHour;  // refresh-token lifetime when the token does not carry `exp`
};

// federatedToken (Quay robot federation): GET endpoint with Basic <robot>:<service-account token>
// (plugin/sources/federated_token_source.cc).
struct FederatedTokenSourceSpec {
  std::string endpoint;
  std::string robot;
};

// gcp (Artifact Registry, Container Registry): the node's service account through the metadata
// server, or per pod (KEP-4412) the pod's token exchanged at Google STS for a workload identity
// federation token, impersonating the Google service account the pod's service account is
// annotated with (plugin/sources/gcp_source.cc, endpoints in plugin/sources/gcp_endpoints.h).
struct GcpSourceSpec {
  // "//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/
  // providers/<provider>"; empty: node identity only.
  std::string workload_identity_provider;
  std::string service_account_annotation = "iam.gke.io/gcp-service-account";
  // Base URLs (scheme://host[:port]); empty: Google's. The API paths stay Google's.
  std::string sts_endpoint;
  std::string iam_credentials_endpoint;
  // true: with a workloadIdentityProvider, a request without the pod's token is an error instead
  // of being answered with the node's identity.
  bool require_service_account_token = false;
};

// acr (Azure Container Registry): an Entra ID token for the node's managed identity (Azure IMDS)
// or the pod's workload identity (KEP-4412 client assertion), exchanged at the registry for an
// ACR refresh token (plugin/sources/acr_source.cc, docs/sources.md).
struct AcrSourceSpec {
  std::string client_id;      // clientId: a user-assigned managed identity; empty: the system one
  std::string tenant_id;      // tenantId: the ACR exchange's tenant; per-pod default tenant
  std::string imds_endpoint;  // imdsEndpoint (origin only); empty: http://169.254.169.254
  std::string exchange_endpoint;  // exchangeEndpoint; empty: https://<registry>/oauth2/exchange
  // true: a request without a workload identity (token + client-id annotation) is an error
  // instead of being answered with the node's managed identity.
  bool require_service_account_token = false;
};

// ecr (Amazon ECR): the node's AWS identity, or the pod's IAM role (KEP-4412), signs ECR's
// GetAuthorizationToken; kubelet receives AWS and the registry password
// (plugin/sources/ecr_source.cc, docs/sources.md).
struct EcrSourceSpec {
  std::string region;    // default: the region in the image's registry host
  std::string role_arn;  // assumed with STS AssumeRole from the node identity first
  // The service-account annotation naming the pod's role (KEP-4412 serviceAccountAnnotations).
  std::string service_account_role_annotation = "eks.amazonaws.com/ecr-role-arn";
  // Base URLs overriding AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_STS and
  // AWS_EC2_METADATA_SERVICE_ENDPOINT (private endpoints, isolated regions, tests).
  std::string ecr_endpoint, sts_endpoint, imds_endpoint;
};

using SourceSpec = std::variant<StaticSourceSpec, DockerConfigSourceSpec, TokenExchangeSourceSpec,
                                RefreshTokenSourceSpec, FederatedTokenSourceSpec, GcpSourceSpec,
                                AcrSourceSpec, EcrSourceSpec>;

// mirrors: images of an upstream registry are pulled through a mirror (pull-through cache) whose
// credentials this entry's source holds (plugin/answer/mirrors.h, docs/sources.md "Mirrors").
struct MirrorRoute {
  std::string upstream;  // the registry host[:port] of the images kubelet asks for ("docker.io")
  std::string mirror;    // host[:port][/path prefix] containerd pulls them from
};
// Which credentials kubelet tries for a mirrored image, and in which order; the names are those of
// mesosphere's dynamic-credential-provider (MirrorCredentialsLast: the upstream's first).
enum class MirrorCredentialsStrategy { kMirrorOnly, kMirrorFirst, kMirrorLast };

struct RegistryEntry {
  std::vector<std::string> match;  // kubelet matchImages syntax, each one parses
  CacheKeyType cache_key_type = CacheKeyType::kRegistry;
  GoDuration cache_duration = kDefaultCacheDuration;  // whole seconds, >= 0
  SourceSpec source;
  bool verify = false;  // preflight: prove the credential pulls from the repository first
  // insecure / caFile / clientCert / clientKey: how this entry's registry is reached (TLS files,
  // plain HTTP). Timeouts, retries and caps keep the transport's defaults.
  registry::TransportOptions transport;
  std::vector<MirrorRoute> mirrors;  // mirrors: {upstream: mirror}; each upstream in one entry only
  MirrorCredentialsStrategy mirror_credentials = MirrorCredentialsStrategy::kMirrorOnly;
};

struct Config {
  std::string path;  // where it was read from, for messages
  std::string state_dir = std::string(kDefaultStateDir);
  std::vector<RegistryEntry> registries;
  // metrics.textfile: Prometheus textfile get-credentials adds each run to; empty: none.
  std::string metrics_textfile;
  // staleIfError: serve a still-valid cached token when the server that renews it fails.
  bool stale_if_error = false;
};

// Every problem found, each one line naming the field ("registries[1].cacheDuration: ...").
// Decoding stops early only when the document itself does not parse.
struct ConfigDecode {
  Config config;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Structure only: no files are touched. JSON is read strictly (duplicate keys fail); anything
// else is read as YAML.
ConfigDecode DecodeConfig(std::string_view text);

// Reads the file (at most kMaxConfigBytes), decodes it, and checks that a config holding an
// inline password is not readable by group or others.
ConfigDecode LoadConfig(const std::string& path, Env& env);

// --config=PATH / --config PATH, else $PULLGUARD_CONFIG; error when neither is given.
Result<std::string> ConfigPathFrom(const std::optional<std::string>& flag,
                                   const std::optional<std::string>& env_value);

}  // namespace pullguard
