// The identity-exchange sources in PullguardConfig (tokenExchange, refreshToken, federatedToken,
// gcp, acr, ecr). Kept apart from config.cc so the static and file sources stay readable; the
// checks follow the same rules (every problem, with its path).
#include "plugin/config/config_sources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/strict_json.h"
#include "plugin/kubelet/kubelet_config.h"
#include "plugin/kubelet/protocol.h"
#include "registry/transport.h"
#include "registry/url.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

class SubDecoder {
 public:
  SubDecoder(std::vector<std::string>& problems) : problems_(problems) {}  // NOLINT

  void Problem(const std::string& where, const std::string& what) {
    problems_.push_back(where + ": " + what);
  }

  bool Object(const json& j, const std::string& where, const char* shape) {
    if (j.is_object()) return true;
    Problem(where, std::string("must be a map ") + shape + ", not " + std::string(JsonTypeName(j)));
    return false;
  }

  void Known(const json& obj, const std::string& where,
             std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == key;
      if (!ok) Problem(where, "unknown field " + QuoteForError(key));
    }
  }

  std::string String(const json& obj, const std::string& where, const char* name, bool required,
                     bool duration = false) {
    auto it = obj.find(name);
    std::string path = where + "." + name;
    if (it == obj.end() || it->is_null()) {
      if (required) Problem(path, "is required");
      return {};
    }
    if (!it->is_string()) {
      Problem(path, NotAString(*it, duration));
      return {};
    }
    if (it->get_ref<const std::string&>().empty()) {
      Problem(path, "is empty");
      return {};
    }
    return it->get<std::string>();
  }

  std::string Endpoint(const json& obj, const std::string& where, const char* name) {
    std::string url = String(obj, where, name, true);
    if (url.empty()) return url;
    auto parsed = registry::ParseUrl(url);
    if (!parsed.ok()) {
      Problem(where + "." + name, "not an absolute http(s) URL: " + parsed.error().message);
      return {};
    }
    if (parsed->has_userinfo) {
      Problem(where + "." + name, "must not contain credentials");
      return {};
    }
    return url;
  }

  TokenExchangeSourceSpec TokenExchange(const json& s, const std::string& where) {
    TokenExchangeSourceSpec out;
    if (!Object(s, where, "{endpoint, username, audience, scope, requireServiceAccountToken}")) {
      return out;
    }
    Known(s, where, {"endpoint", "username", "audience", "scope", "requireServiceAccountToken"});
    out.endpoint = Endpoint(s, where, "endpoint");
    out.username = String(s, where, "username", true);
    out.audience = String(s, where, "audience", false);
    out.scope = String(s, where, "scope", false);
    if (auto b = DecodeBool(s, "requireServiceAccountToken", where + ".requireServiceAccountToken",
                            problems_)) {
      out.require_service_account_token = *b;
    }
    return out;
  }

  RefreshTokenSourceSpec RefreshToken(const json& s, const std::string& where) {
    RefreshTokenSourceSpec out;
    if (!Object(s, where, "{username, password | passwordFile, realm, service, lifetime}")) {
      return out;
    }
    Known(s, where, {"username", "password", "passwordFile", "realm", "service", "lifetime"});
    out.login.username = String(s, where, "username", true);
    DecodePassword(s, where, " (the node credential that logs in)", out.login.password,
                   out.login.password_file, problems_);
    if (s.contains("realm")) out.realm = Endpoint(s, where, "realm");
    out.service = String(s, where, "service", false);
    if (std::string l = String(s, where, "lifetime", false, /*duration=*/true); !l.empty()) {
      auto d = ParseGoDuration(l);
      if (!d.ok()) {
        Problem(where + ".lifetime", d.error().message);
      } else if (*d < kMinute) {
        Problem(where + ".lifetime", QuoteForError(l) + " is shorter than 1m");
      } else {
        out.lifetime = *d;
      }
    }
    return out;
  }

  // A base URL (scheme://host[:port]): the API paths are appended as the service defines them.
  // Plain http only to a loopback host (a test server, a local relay): tokens go there.
  std::string BaseUrl(const json& obj, const std::string& where, const char* name) {
    std::string url = String(obj, where, name, false);
    if (url.empty()) return url;
    std::string path = where + "." + name;
    auto parsed = registry::ParseUrl(url);
    if (!parsed.ok()) {
      Problem(path, "not an absolute http(s) URL: " + parsed.error().message);
    } else if (parsed->has_userinfo) {
      Problem(path, "must not contain credentials");
    } else if (parsed->path != "/" || !parsed->query.empty() ||
               url.find('#') != std::string::npos) {
      Problem(path, "must be a base URL (scheme://host[:port]), without a path or query");
    } else if (parsed->scheme == "http" && !registry::IsLoopbackHost(parsed->host)) {
      Problem(path, "plain http is allowed only to a loopback host; use https");
    } else {
      return parsed->Origin();
    }
    return {};
  }

  GcpSourceSpec Gcp(const json& s, const std::string& where) {
    GcpSourceSpec out;
    if (!Object(s, where,
                "{workloadIdentityProvider, serviceAccountAnnotation, stsEndpoint, "
                "iamCredentialsEndpoint, requireServiceAccountToken}")) {
      return out;
    }
    Known(s, where,
          {"workloadIdentityProvider", "serviceAccountAnnotation", "stsEndpoint",
           "iamCredentialsEndpoint", "requireServiceAccountToken"});
    out.workload_identity_provider = String(s, where, "workloadIdentityProvider", false);
    if (!out.workload_identity_provider.empty() &&
        !IsWorkloadIdentityProvider(out.workload_identity_provider)) {
      Problem(where + ".workloadIdentityProvider",
              QuoteForError(out.workload_identity_provider) +
                  " is not a provider name; want //iam.googleapis.com/projects/<project number>/"
                  "locations/global/workloadIdentityPools/<pool>/providers/<provider>");
      out.workload_identity_provider.clear();
    }
    if (s.contains("serviceAccountAnnotation")) {
      std::string key = String(s, where, "serviceAccountAnnotation", true);
      std::vector<std::string> bad =
          key.empty() ? std::vector<std::string>{} : IsQualifiedName(AsciiLower(key));
      if (!bad.empty()) {
        Problem(where + ".serviceAccountAnnotation",
                QuoteForError(key) + " is not an annotation key: " + bad.front());
      } else if (!key.empty()) {
        out.service_account_annotation = key;
      }
    }
    out.sts_endpoint = BaseUrl(s, where, "stsEndpoint");
    out.iam_credentials_endpoint = BaseUrl(s, where, "iamCredentialsEndpoint");
    if (auto b = DecodeBool(s, "requireServiceAccountToken", where + ".requireServiceAccountToken",
                            problems_)) {
      out.require_service_account_token = *b;
    }
    if (out.require_service_account_token && !s.contains("workloadIdentityProvider")) {
      Problem(where + ".requireServiceAccountToken",
              "needs workloadIdentityProvider (without it the pod's token is never used)");
    }
    return out;
  }

  // //iam.googleapis.com/projects/<number>/locations/<location>/workloadIdentityPools/<pool>/
  // providers/<provider>: the form Google STS takes as `audience` (pool and provider IDs are
  // lower-case letters, digits and '-', project numbers digits).
  static bool IsWorkloadIdentityProvider(std::string_view p) {
    constexpr std::string_view kPrefix = "//iam.googleapis.com/";
    if (!p.starts_with(kPrefix)) return false;
    p.remove_prefix(kPrefix.size());
    const char* labels[] = {"projects", "locations", "workloadIdentityPools", "providers"};
    for (int i = 0; i < 4; ++i) {
      std::size_t slash = p.find('/');
      if (slash == std::string_view::npos || p.substr(0, slash) != labels[i]) return false;
      p.remove_prefix(slash + 1);
      std::size_t end = p.find('/');
      std::string_view id = p.substr(0, end);
      bool digits_only = i == 0;
      if (id.empty() || id.size() > 63) return false;
      for (char c : id) {
        bool ok = (c >= '0' && c <= '9') || (!digits_only && ((c >= 'a' && c <= 'z') || c == '-'));
        if (!ok) return false;
      }
      if (i == 3) return end == std::string_view::npos;
      if (end == std::string_view::npos) return false;
      p.remove_prefix(end + 1);
    }
    return false;
  }

  // The Azure-specific rules (GUIDs, tenant names, which hosts may be spoken to over plain HTTP)
  // are the source's, in one place (plugin/sources/acr_endpoints.h): `validate config` reports
  // them through the source's Check().
  AcrSourceSpec Acr(const json& s, const std::string& where) {
    AcrSourceSpec out;
    if (!Object(s, where,
                "{clientId, tenantId, imdsEndpoint, exchangeEndpoint, "
                "requireServiceAccountToken}")) {
      return out;
    }
    Known(
        s, where,
        {"clientId", "tenantId", "imdsEndpoint", "exchangeEndpoint", "requireServiceAccountToken"});
    out.client_id = String(s, where, "clientId", false);
    out.tenant_id = String(s, where, "tenantId", false);
    if (s.contains("imdsEndpoint")) out.imds_endpoint = Endpoint(s, where, "imdsEndpoint");
    if (s.contains("exchangeEndpoint")) {
      out.exchange_endpoint = Endpoint(s, where, "exchangeEndpoint");
    }
    if (auto b = DecodeBool(s, "requireServiceAccountToken", where + ".requireServiceAccountToken",
                            problems_)) {
      out.require_service_account_token = *b;
    }
    return out;
  }

  // The ecr source's endpoint overrides: scheme, host, port and optionally a path prefix (unlike
  // BaseUrl). Which hosts may be plain HTTP is the source's own transport rule (IMDS and container
  // credentials are link-local), checked by Source::Check and validate config.
  std::string AwsBaseUrl(const json& obj, const std::string& where, const char* name) {
    if (!obj.contains(name)) return {};
    std::string url = Endpoint(obj, where, name);
    if (url.empty()) return url;
    auto parsed = registry::ParseUrl(url);
    if (parsed.ok() && !parsed->query.empty()) {
      Problem(where + "." + name, "must not have a query");
      return {};
    }
    return url;
  }

  EcrSourceSpec Ecr(const json& s, const std::string& where) {
    EcrSourceSpec out;
    // `ecr: {}` and a bare `ecr:` (YAML null) both mean "all defaults".
    if (s.is_null()) return out;
    if (!Object(s, where,
                "{region, roleArn, serviceAccountRoleAnnotation, ecrEndpoint, stsEndpoint, "
                "imdsEndpoint}")) {
      return out;
    }
    Known(s, where,
          {"region", "roleArn", "serviceAccountRoleAnnotation", "ecrEndpoint", "stsEndpoint",
           "imdsEndpoint"});
    out.region = String(s, where, "region", false);
    if (!out.region.empty() && !IsAwsRegion(out.region)) {
      Problem(where + ".region",
              QuoteForError(out.region) + " is not an AWS region (e.g. us-west-2)");
      out.region.clear();
    }
    out.role_arn = String(s, where, "roleArn", false);
    if (!out.role_arn.empty() && !IsIamRoleArn(out.role_arn)) {
      Problem(where + ".roleArn",
              QuoteForError(out.role_arn) +
                  " is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
      out.role_arn.clear();
    }
    if (s.contains("serviceAccountRoleAnnotation")) {
      std::string key = String(s, where, "serviceAccountRoleAnnotation", true);
      std::vector<std::string> bad =
          key.empty() ? std::vector<std::string>{} : IsQualifiedName(AsciiLower(key));
      if (!bad.empty()) {
        Problem(where + ".serviceAccountRoleAnnotation",
                QuoteForError(key) + " is not an annotation key: " + bad.front());
      } else if (!key.empty()) {
        out.service_account_role_annotation = key;
      }
    }
    out.ecr_endpoint = AwsBaseUrl(s, where, "ecrEndpoint");
    out.sts_endpoint = AwsBaseUrl(s, where, "stsEndpoint");
    out.imds_endpoint = AwsBaseUrl(s, where, "imdsEndpoint");
    return out;
  }

  FederatedTokenSourceSpec FederatedToken(const json& s, const std::string& where) {
    FederatedTokenSourceSpec out;
    if (!Object(s, where, "{endpoint, robot}")) return out;
    Known(s, where, {"endpoint", "robot"});
    out.endpoint = Endpoint(s, where, "endpoint");
    out.robot = String(s, where, "robot", true);
    if (out.robot.find(':') != std::string::npos) {
      Problem(where + ".robot", "must not contain ':' (it is the Basic auth username)");
    }
    return out;
  }

 private:
  std::vector<std::string>& problems_;
};

}  // namespace

std::string NotAString(const json& v, bool duration) {
  std::string type(JsonTypeName(v));
  std::string want = duration ? "must be a duration string such as \"5m\"" : "must be a string";
  // YAML reads an unquoted 1234, 1e3 or true as kubelet does: a number or a boolean.
  if (v.is_number() || v.is_boolean()) return want + ", not " + type + "; quote it";
  return want + ", not " + type;
}

std::optional<bool> DecodeBool(const json& obj, const char* name, const std::string& path,
                               std::vector<std::string>& problems) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  // The quoted strings "true" and "false" too: accepted when every YAML scalar was a string, and
  // a config that worked keeps working (docs/config.md, "Typing").
  if (it->is_string() && *it == "true") return true;
  if (it->is_string() && *it == "false") return false;
  problems.push_back(path + ": must be true or false");
  return std::nullopt;
}

void DecodePassword(const json& s, const std::string& where, const std::string& hint,
                    std::optional<Secret>& password, std::string& password_file,
                    std::vector<std::string>& problems) {
  SubDecoder d(problems);
  bool has_pw = s.contains("password") && !s["password"].is_null();
  bool has_file = s.contains("passwordFile") && !s["passwordFile"].is_null();
  if (has_pw && has_file) {
    d.Problem(where, "has both password and passwordFile; keep one");
  } else if (!has_pw && !has_file) {
    d.Problem(where, "needs password or passwordFile" + hint);
  } else if (has_pw) {
    const json& p = s["password"];
    if (!p.is_string()) {
      d.Problem(where + ".password", NotAString(p));
    } else if (p.get_ref<const std::string&>().empty()) {
      d.Problem(where + ".password", "is empty");
    } else {
      password = Secret(p.get<std::string>());
    }
  } else {
    password_file = d.String(s, where, "passwordFile", true);
    if (!password_file.empty() && password_file[0] != '/') {
      d.Problem(where + ".passwordFile", "must be an absolute path");
    }
  }
}

int DecodeExchangeSources(const json& e, const std::string& where, bool source_taken,
                          RegistryEntry& out, std::vector<std::string>& problems) {
  SubDecoder d(problems);
  if (auto v = DecodeBool(e, "verify", where + ".verify", problems)) out.verify = *v;
  if (auto v = DecodeBool(e, "insecure", where + ".insecure", problems)) {
    out.transport.insecure = *v;
  }
  std::string* files[] = {&out.transport.ca_file, &out.transport.client_cert_file,
                          &out.transport.client_key_file};
  const char* names[] = {"caFile", "clientCert", "clientKey"};
  for (int i = 0; i < 3; ++i) {
    *files[i] = d.String(e, where, names[i], false);
    if (!files[i]->empty() && (*files[i])[0] != '/') {
      problems.push_back(where + "." + names[i] + ": must be an absolute path");
    }
  }
  if (out.transport.client_cert_file.empty() != out.transport.client_key_file.empty()) {
    problems.push_back(where + ": clientCert and clientKey go together");
  }
  if (out.transport.insecure == std::optional<bool>(true) && !out.transport.ca_file.empty()) {
    problems.push_back(where + ": caFile has no effect with insecure: true (TLS is not verified)");
  }
  int found = 0;
  auto take = [&](const char* key, auto decode) {
    auto it = e.find(key);
    if (it == e.end()) return;
    auto spec = decode(*it, where + "." + key);
    if (!source_taken && found == 0) out.source = std::move(spec);
    ++found;
  };
  take("tokenExchange", [&](const json& j, const std::string& w) { return d.TokenExchange(j, w); });
  take("refreshToken", [&](const json& j, const std::string& w) { return d.RefreshToken(j, w); });
  take("federatedToken",
       [&](const json& j, const std::string& w) { return d.FederatedToken(j, w); });
  take("gcp", [&](const json& j, const std::string& w) { return d.Gcp(j, w); });
  take("acr", [&](const json& j, const std::string& w) { return d.Acr(j, w); });
  take("ecr", [&](const json& j, const std::string& w) { return d.Ecr(j, w); });
  return found;
}

bool IsIamRoleArn(std::string_view arn) {
  // arn:<partition>:iam::<account>:role/<path/name>; IAM allows [\w+=,.@-] and '/' in the rest.
  constexpr std::string_view kHead = "arn:";
  if (arn.size() > 2048 || !arn.starts_with(kHead)) return false;
  std::string_view rest = arn.substr(kHead.size());
  std::size_t colon = rest.find(':');
  std::string_view partition = rest.substr(0, colon);
  if (colon == std::string_view::npos || !partition.starts_with("aws")) return false;
  rest = rest.substr(colon + 1);
  if (!rest.starts_with("iam::")) return false;
  rest = rest.substr(5);
  if (rest.size() < 18 || rest.substr(12, 6) != ":role/") return false;
  for (char c : rest.substr(0, 12)) {
    if (c < '0' || c > '9') return false;
  }
  std::string_view name = rest.substr(18);
  if (name.empty() || name.back() == '/') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("_+=,.@-/").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool IsAwsRegion(std::string_view region) {
  // words: [a-z]+ ... then digits; at least one word before the number.
  if (region.empty() || region.size() > 32) return false;
  std::size_t dash = region.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == region.size()) return false;
  for (char c : region.substr(dash + 1)) {
    if (c < '0' || c > '9') return false;
  }
  std::string_view words = region.substr(0, dash);
  if (words.front() == '-' || words.back() == '-' || words.find("--") != std::string_view::npos) {
    return false;
  }
  for (char c : words) {
    if ((c < 'a' || c > 'z') && c != '-') return false;
  }
  return true;
}

bool HoldsInlinePassword(const RegistryEntry& e) {
  if (auto* s = std::get_if<StaticSourceSpec>(&e.source)) return s->password.has_value();
  if (auto* r = std::get_if<RefreshTokenSourceSpec>(&e.source)) {
    return r->login.password.has_value();
  }
  return false;
}

}  // namespace pullguard
