// The IMDSv2 flow as the EC2 user guide ("Use the Instance Metadata Service to access instance
// metadata", "Retrieve security credentials from instance metadata") describes it. Timeouts are
// short, as in the AWS SDKs (1 s connect): on a node without IMDS the chain must fail quickly.
#include "plugin/sources/aws/imds.h"

#include <algorithm>
#include <cctype>

#include "plugin/sources/aws/identity.h"

namespace pullguard::aws {
namespace {

bool Printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

}  // namespace

Result<ImdsCredentials> ImdsRoleCredentials(const ExchangeContext& ctx, const std::string& base,
                                            const registry::RegistryEndpoint& transport) {
  registry::RegistryEndpoint ep = transport;
  ep.transport.connect_timeout = std::chrono::milliseconds(1000);
  ep.transport.attempt_timeout = std::chrono::milliseconds(2000);
  ep.transport.call_budget = std::chrono::milliseconds(6000);
  ep.transport.max_attempts = 2;
  auto client = ctx.new_client(ep);
  std::string where = "IMDSv2 at " + base;

  registry::HttpRequest put;
  put.method = "PUT";
  put.url = base + "/latest/api/token";
  put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(kImdsTokenTtlSeconds)}};
  put.follow_redirects = false;
  auto t = client->Send(put);
  if (!t.ok()) {
    bool silent = t.error().message.find("timed out") != std::string::npos ||
                  t.error().message.find("time budget") != std::string::npos;
    std::string hint =
        silent ? "; with pullguard in a container the instance's metadata hop limit must be at "
                 "least 2 (HttpPutResponseHopLimit), or give the node credentials another way"
               : "; is this an EC2 instance? (set AWS_* credentials in the kubelet provider's "
                 "env, or AWS_EC2_METADATA_DISABLED=true to skip IMDS)";
    return MakeError(ErrorKind::kNetwork, where + ": no session token (PUT /latest/api/token): " +
                                              t.error().message + hint);
  }
  if (t->status == 403) {
    return MakeError(ErrorKind::kUnauthorized,
                     where +
                         ": the session token request was refused (HTTP 403): IMDS is "
                         "disabled on this instance, or a proxy added X-Forwarded-For");
  }
  if (t->status != 200 || t->body.empty() || t->body.size() > 1024 || !Printable(t->body)) {
    return MakeError(ErrorKind::kNetwork, where + ": PUT /latest/api/token answered HTTP " +
                                              std::to_string(t->status) +
                                              (t->status == 200 ? " without a usable token" : ""));
  }
  const Secret session(std::move(t->body));

  auto get = [&](const std::string& path) {
    registry::HttpRequest r;
    r.url = base + path;
    r.headers = {{"X-aws-ec2-metadata-token", session.reveal()}};
    r.follow_redirects = false;
    return client->Send(r);
  };
  constexpr const char* kList = "/latest/meta-data/iam/security-credentials/";
  auto list = get(kList);
  if (!list.ok()) return MakeError(list.error().kind, where + ": " + list.error().message);
  if (list->status == 404) {
    return MakeError(ErrorKind::kNotFound,
                     where + ": the instance has no IAM role (no instance profile attached)");
  }
  if (list->status != 200) {
    return MakeError(list->status == 401 ? ErrorKind::kUnauthorized : ErrorKind::kNetwork,
                     where + ": GET " + kList + " answered HTTP " + std::to_string(list->status));
  }
  std::string role = list->body.substr(0, list->body.find('\n'));
  if (!role.empty() && role.back() == '\r') role.pop_back();
  bool role_ok =
      !role.empty() && role.size() <= 128 && std::all_of(role.begin(), role.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
               std::string_view("+=,.@_-").find(c) != std::string_view::npos;
      });
  if (!role_ok) return MakeError(ErrorKind::kCorrupt, where + ": no usable role name in " + kList);
  auto doc = get(kList + role);
  if (!doc.ok()) return MakeError(doc.error().kind, where + ": " + doc.error().message);
  if (doc->status != 200) {
    return MakeError(
        doc->status == 401 ? ErrorKind::kUnauthorized : ErrorKind::kNetwork,
        where + ": GET " + kList + role + " answered HTTP " + std::to_string(doc->status));
  }
  auto creds = ParseCredentialDocument(doc->body, where + " role " + role);
  if (!creds.ok()) return creds.error();
  return ImdsCredentials{std::move(*creds), role};
}

}  // namespace pullguard::aws
