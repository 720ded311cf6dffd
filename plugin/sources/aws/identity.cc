// The chain's order and variables are the AWS SDKs' default credential provider chain ("AWS SDKs
// and Tools standardized credential providers"): environment, web identity, container, IMDS.
// Shared config files (~/.aws) are not read: a kubelet credential provider gets its settings from
// the provider's `env` in kubelet's config (docs/sources.md).
#include "plugin/sources/aws/identity.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/quote.h"
#include "plugin/config/config_sources.h"
#include "plugin/sources/aws/imds.h"
#include "plugin/sources/aws/sts.h"
#include "registry/token_cache.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard::aws {
namespace {

constexpr std::size_t kMaxTokenFileBytes = 64 * 1024;

std::string Hash(const std::string& kind, const Secret& s) {
  return registry::CredentialKeyHash({kind, s.reveal()});
}

// A token file (web identity, container authorization): one token, surrounding white space
// dropped. Errors name the variable and the path, never the content.
Result<Secret> ReadTokenFile(const std::string& path, const char* variable, Env& env) {
  auto text = env.ReadFile(path, kMaxTokenFileBytes);
  if (!text.ok()) {
    return MakeError(text.error().kind,
                     std::string(variable) + "=" + path + ": " + text.error().message);
  }
  std::string t = std::move(*text);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  std::size_t start = t.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) {
    return MakeError(ErrorKind::kInvalidArgument, std::string(variable) + "=" + path + " is empty");
  }
  return Secret(t.substr(start));
}

Result<AwsCredentials> ContainerCredentials(const IdentityPlan& plan, const ExchangeContext& ctx,
                                            Env& env) {
  std::string where = "container credentials at " + plan.url;
  Secret token = plan.secret;
  if (!plan.token_file.empty()) {
    auto t = ReadTokenFile(plan.token_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", env);
    if (!t.ok()) return t.error();
    token = std::move(*t);
  }
  if (token.reveal().find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "the container authorization token holds a line break");
  }
  registry::RegistryEndpoint ep = plan.transport;
  ep.transport.connect_timeout = std::chrono::milliseconds(2000);
  ep.transport.attempt_timeout = std::chrono::milliseconds(5000);
  auto client = ctx.new_client(ep);
  registry::HttpRequest req;
  req.url = plan.url;
  req.follow_redirects = false;
  req.headers = {{"Accept", "application/json"}};
  if (!token.empty()) req.authorization = token;
  auto r = client->Send(req);
  if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
  if (r->status == 401 || r->status == 403) {
    return MakeError(ErrorKind::kUnauthorized, where + " refused the authorization token (HTTP " +
                                                   std::to_string(r->status) + ")");
  }
  if (r->status != 200) {
    return MakeError(ErrorKind::kNetwork, where + " answered HTTP " + std::to_string(r->status));
  }
  return ParseCredentialDocument(r->body, where);
}

}  // namespace

std::string_view IdentityLinkName(IdentityLink link) {
  switch (link) {
    case IdentityLink::kEnvironment:
      return "environment";
    case IdentityLink::kWebIdentity:
      return "web identity";
    case IdentityLink::kContainer:
      return "container credentials";
    case IdentityLink::kImds:
      return "IMDSv2";
    case IdentityLink::kPodRole:
      return "pod role";
  }
  return "";
}

Result<IdentityPlan> PlanIdentity(const EcrSourceSpec& spec, const ExchangeContext& ctx,
                                  const EcrHost& host, const std::string& region) {
  auto env = [&](const char* name) { return EnvVar(ctx, name); };
  IdentityPlan plan;

  // KEP-4412: the pod asks for its own role through its service account's annotation.
  if (!ctx.service_account_token.empty() && !spec.service_account_role_annotation.empty()) {
    auto it = ctx.service_account_annotations.find(spec.service_account_role_annotation);
    if (it != ctx.service_account_annotations.end()) {
      if (!IsIamRoleArn(it->second)) {
        return MakeError(ErrorKind::kInvalidArgument,
                         "the service account's annotation " +
                             QuoteForError(spec.service_account_role_annotation) +
                             " is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
      }
      plan.link = IdentityLink::kPodRole;
      plan.role_arn = it->second;
      plan.secret = ctx.service_account_token;
      plan.session_name = "pullguard-pod";
      // A different pod token is a different exchange: STS, not the cache, decides whether this
      // pod may have the role.
      plan.cache_identity = "pod-role\n" + plan.role_arn + "\n" +
                            Hash("service-account-token", ctx.service_account_token);
      return plan;
    }
  }

  auto akid = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  auto role = env("AWS_ROLE_ARN");
  auto token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  auto relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (akid || secret) {
    if (!akid || !secret) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string(akid ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is "
                                          "not"
                                        : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is "
                                          "not") +
                           " (the environment link of the AWS credential chain)");
    }
    plan.link = IdentityLink::kEnvironment;
    plan.access_key_id = *akid;
    plan.secret = Secret(*secret);
    if (auto t = env("AWS_SESSION_TOKEN")) plan.session_token = Secret(*t);
    plan.cache_identity = "environment\n" + *akid;
  } else if (role && token_file) {
    if (!IsIamRoleArn(*role)) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "AWS_ROLE_ARN is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
    }
    plan.link = IdentityLink::kWebIdentity;
    plan.role_arn = *role;
    plan.token_file = *token_file;
    plan.session_name = env("AWS_ROLE_SESSION_NAME").value_or("pullguard-node");
    plan.cache_identity = "web-identity\n" + plan.role_arn + "\n" + plan.session_name;
  } else if (full || relative) {
    const char* var =
        full ? "AWS_CONTAINER_CREDENTIALS_FULL_URI" : "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    plan.link = IdentityLink::kContainer;
    // The relative form is ECS's agent address plus the path (it wins when both are set, as in
    // the SDKs).
    plan.url = relative ? "http://169.254.170.2" + *relative : *full;
    if (relative) var = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    auto t = AwsTransport(plan.url, AwsService::kContainerCredentials, var);
    if (!t.ok()) return t.error();
    plan.transport = *t;
    std::string key;
    if (auto f = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      plan.token_file = *f;
      key = "file:" + *f;
    } else if (auto tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      plan.secret = Secret(*tok);
      key = Hash("container-token", plan.secret);
    }
    plan.cache_identity = "container\n" + plan.url + "\n" + key;
  } else {
    auto disabled = env("AWS_EC2_METADATA_DISABLED");
    if (disabled && AsciiEqualFold(*disabled, "true")) {
      return MakeError(ErrorKind::kNotFound,
                       "no AWS credentials: none of AWS_ACCESS_KEY_ID, AWS_ROLE_ARN + "
                       "AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI is set "
                       "and AWS_EC2_METADATA_DISABLED=true");
    }
    auto imds = ResolveEndpoint(AwsService::kImds, spec, ctx.getenv, host, region);
    if (!imds.ok()) return imds.error();
    plan.link = IdentityLink::kImds;
    plan.url = imds->url;
    plan.transport = imds->transport;
    plan.cache_identity = "imds\n" + plan.url;
  }
  if (!spec.role_arn.empty()) {
    plan.assume_role = spec.role_arn;
    plan.session_name = "pullguard-node";
    plan.cache_identity += "\nassume-role\n" + spec.role_arn;
  }
  return plan;
}

Result<AwsIdentity> ResolveIdentity(const IdentityPlan& plan, const AwsEndpoint& sts,
                                    const std::string& region, const ExchangeContext& ctx,
                                    Env& env) {
  AwsIdentity out;
  out.link = plan.link;
  switch (plan.link) {
    case IdentityLink::kEnvironment:
      out.credentials =
          AwsCredentials{plan.access_key_id, plan.secret, plan.session_token, std::nullopt};
      out.principal = "access key " + plan.access_key_id;
      break;
    case IdentityLink::kWebIdentity:
    case IdentityLink::kPodRole: {
      Secret token = plan.secret;
      if (plan.link == IdentityLink::kWebIdentity) {
        auto t = ReadTokenFile(plan.token_file, "AWS_WEB_IDENTITY_TOKEN_FILE", env);
        if (!t.ok()) return t.error();
        token = std::move(*t);
      }
      auto c = AssumeRoleWithWebIdentity(ctx, sts, plan.role_arn, plan.session_name, token);
      if (!c.ok()) return c.error();
      out.credentials = std::move(c->credentials);
      out.principal = "role " + plan.role_arn;
      break;
    }
    case IdentityLink::kContainer: {
      auto c = ContainerCredentials(plan, ctx, env);
      if (!c.ok()) return c.error();
      out.credentials = std::move(*c);
      out.principal = "container credentials at " + plan.url;
      break;
    }
    case IdentityLink::kImds: {
      auto c = ImdsRoleCredentials(ctx, plan.url, plan.transport);
      if (!c.ok()) return c.error();
      out.credentials = std::move(c->credentials);
      out.principal = "instance role " + c->role_name;
      break;
    }
  }
  if (!plan.assume_role.empty()) {
    auto c = AssumeRole(ctx, sts, region, plan.assume_role, plan.session_name, out.credentials);
    if (!c.ok()) return c.error();
    out.credentials = std::move(c->credentials);
    out.principal = "role " + plan.assume_role + " (assumed by " + out.principal + ")";
  }
  return out;
}

Result<AwsCredentials> ParseCredentialDocument(std::string_view json, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorKind::kCorrupt, std::string(what) + ": the credential document " + why);
  };
  if (json.size() > 64 * 1024) return bad("is larger than 64 KiB");
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("is not a JSON object");
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  if (auto code = str("Code");
      j.contains("Code") && code != std::optional<std::string>("Success")) {
    return bad("says Code " + QuoteForError(code.value_or("?")) + ", not Success");
  }
  AwsCredentials c;
  auto akid = str("AccessKeyId");
  auto secret = str("SecretAccessKey");
  if (!akid || akid->empty() || akid->size() > 128 || !secret || secret->empty()) {
    return bad("lacks AccessKeyId or SecretAccessKey");
  }
  for (char ch : *akid) {
    if (std::isalnum(static_cast<unsigned char>(ch)) == 0)
      return bad("has a malformed AccessKeyId");
  }
  c.access_key_id = *akid;
  c.secret_access_key = Secret(*secret);
  if (auto t = str("Token")) c.session_token = Secret(*t);
  // The session token travels as a header and the secret keys HMACs: control characters in
  // either are no real credential (the shared rule, registry/token_flow.h).
  if (registry::HasControlCharacter(c.secret_access_key.reveal()) ||
      registry::HasControlCharacter(c.session_token.reveal())) {
    return bad("has a control character in its keys");
  }
  if (j.contains("Expiration")) {
    auto e = str("Expiration");
    auto when = e ? ParseCredentialExpiration(*e) : std::nullopt;
    if (!when) return bad("has an Expiration that is not an RFC 3339 time from 1970 to 2200");
    c.expires_at = *when;
  }
  return c;
}

}  // namespace pullguard::aws
