// Default hosts follow botocore's endpoint rule sets for ECR (api.ecr, ecr-fips) and STS
// (regional sts., sts-fips.), with the partition's DNS suffixes (ecr_host.cc). Environment
// variable names and precedence are the AWS SDKs' ("Service-specific endpoints" in the AWS SDKs
// and Tools reference guide; IMDS: "IMDS client" settings).
#include "plugin/sources/aws/endpoints.h"

#include <arpa/inet.h>

#include "base/ascii.h"
#include "registry/url.h"

namespace pullguard::aws {
namespace {

std::optional<std::string> Env(const Getenv& getenv, const std::string& name) {
  if (!getenv) return std::nullopt;
  auto v = getenv(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// The canonical text of an IP literal (so "169.254.169.254" and "[fd00:ec2:0::254]" compare
// equal to the list), or the host unchanged.
std::string CanonicalIp(const std::string& host) {
  char buf[INET6_ADDRSTRLEN] = {0};
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    inet_ntop(AF_INET, &v4, buf, sizeof buf);
    return buf;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    inet_ntop(AF_INET6, &v6, buf, sizeof buf);
    return buf;
  }
  return host;
}

bool LinkLocalCredentialHost(const std::string& host, AwsService service) {
  std::string ip = CanonicalIp(host);
  if (service == AwsService::kImds) return ip == "169.254.169.254" || ip == "fd00:ec2::254";
  if (service == AwsService::kContainerCredentials) {
    return ip == "169.254.170.2" || ip == "169.254.170.23" || ip == "fd00:ec2::23";
  }
  return false;
}

std::string Trimmed(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Result<registry::RegistryEndpoint> AwsTransport(std::string_view url, AwsService service,
                                                std::string_view what) {
  auto u = registry::ParseUrl(url);
  if (!u.ok()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + ": not an absolute http(s) URL: " + u.error().message);
  }
  if (u->has_userinfo) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + ": must not contain credentials");
  }
  registry::RegistryEndpoint e;
  std::string origin = u->Origin();
  e.host = origin.substr(origin.find("://") + 3);
  if (u->scheme == "https") return e;  // insecure unset: verified TLS, system store
  e.transport.plain_http = true;
  if (registry::IsLoopbackHost(e.host)) return e;  // the transport's own loopback rule
  if (LinkLocalCredentialHost(u->host, service)) {
    // Plain HTTP to this one link-local host: today's transport expresses it as an insecure
    // endpoint. Nothing is verified on http anyway, and these calls never follow redirects, so
    // no other URL is reached through it.
    e.transport.insecure = true;
    return e;
  }
  return MakeError(ErrorKind::kInvalidArgument,
                   std::string(what) + ": plain HTTP to " + u->Redacted() +
                       " is refused: use https (plain HTTP only to loopback" +
                       (service == AwsService::kImds ? " or 169.254.169.254 / [fd00:ec2::254]"
                        : service == AwsService::kContainerCredentials
                            ? " or 169.254.170.2, 169.254.170.23, [fd00:ec2::23]"
                            : "") +
                       ")");
}

Result<AwsEndpoint> ResolveEndpoint(AwsService service, const EcrSourceSpec& spec,
                                    const Getenv& getenv, const EcrHost& host,
                                    const std::string& region) {
  AwsEndpoint out;
  const AwsPartition& p = *host.partition;
  bool classic = p.dns_suffix == "amazonaws.com";  // aws and aws-us-gov: ecr-fips., sts-fips.
  std::string suffix(host.dual_stack ? p.dual_stack_dns_suffix : p.dns_suffix);
  auto pick = [&](const std::string& key, const std::string& key_name,
                  std::initializer_list<const char*> vars) -> bool {
    if (!key.empty()) {
      out.url = key;
      out.from = "ecr." + key_name;
      return true;
    }
    for (const char* v : vars) {
      if (auto e = Env(getenv, v)) {
        out.url = *e;
        out.from = v;
        return true;
      }
    }
    return false;
  };
  switch (service) {
    case AwsService::kEcr:
      if (!pick(spec.ecr_endpoint, "ecrEndpoint", {"AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL"})) {
        out.from = "default";
        if (host.fips && classic && !host.dual_stack) {
          out.url = "https://ecr-fips." + region + "." + suffix;
        } else {
          out.url =
              std::string("https://api.ecr") + (host.fips ? "-fips." : ".") + region + "." + suffix;
        }
      }
      break;
    case AwsService::kSts:
      if (!pick(spec.sts_endpoint, "stsEndpoint", {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"})) {
        out.from = "default";
        // GovCloud's STS endpoints are FIPS already and have no sts-fips. name.
        bool fips = host.fips && p.id != "aws-us-gov";
        out.url = std::string("https://sts") + (fips ? "-fips." : ".") + region + "." + suffix;
      }
      break;
    case AwsService::kImds:
      if (!pick(spec.imds_endpoint, "imdsEndpoint", {"AWS_EC2_METADATA_SERVICE_ENDPOINT"})) {
        out.from = "default";
        auto mode = Env(getenv, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
        out.url = mode && AsciiEqualFold(*mode, "ipv6") ? "http://[fd00:ec2::254]"
                                                        : "http://169.254.169.254";
      }
      break;
    case AwsService::kContainerCredentials:
      return MakeError(ErrorKind::kInternal, "no default container credentials endpoint");
  }
  out.url = Trimmed(out.url);
  auto t = AwsTransport(out.url, service, out.from);
  if (!t.ok()) return t.error();
  out.transport = *t;
  return out;
}

}  // namespace pullguard::aws
