// Manifest HEAD/GET and the tags/list probe: the two requests preflight uses to prove that a
// credential may pull from a repository.
#include "registry/manifest.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace pullguard::registry {
namespace {

const char kAccept[] =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws, "
    "application/json";

bool ValidRepository(std::string_view repo) {
  if (repo.empty() || repo.size() > 255 || repo.front() == '/' || repo.back() == '/') return false;
  for (char c : repo) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '/';
    if (!ok) return false;
  }
  return repo.find("//") == std::string_view::npos && repo.find("..") == std::string_view::npos;
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  for (std::size_t i = 0; i < tag.size(); ++i) {
    char c = tag[i];
    bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

// The first `errors[].code` of a distribution error body (e.g. "MANIFEST_UNKNOWN", "DENIED"):
// a fixed identifier, safe to show, unlike free-text messages and details.
std::string RegistryErrorCode(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() || j["errors"].empty()) {
    return {};
  }
  const nlohmann::json& first = j["errors"][0];
  if (!first.is_object() || !first.contains("code") || !first["code"].is_string()) return {};
  std::string code = first["code"].get<std::string>();
  if (code.empty() || code.size() > 40) return {};
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || c == '_')) return {};
  }
  return code;
}

Error StatusError(long status, const std::string& what, const std::string& body = "") {
  std::string msg = what + " answered " + std::to_string(status);
  if (std::string code = RegistryErrorCode(body); !code.empty()) msg += " (" + code + ")";
  if (status == 401 || status == 403) return MakeError(ErrorKind::kUnauthorized, msg);
  if (status == 404) return MakeError(ErrorKind::kNotFound, msg);
  return MakeError(ErrorKind::kNetwork, msg);
}

HttpRequest ManifestRequest(const std::string& url, const std::optional<Secret>& authorization) {
  HttpRequest req;
  req.url = url;
  req.headers.emplace_back("Accept", kAccept);
  req.authorization = authorization;
  return req;
}

std::optional<std::uint64_t> ContentLength(const HttpResponse& r) {
  auto v = r.Header("content-length");
  if (!v.has_value()) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) return std::nullopt;
  return n;
}

}  // namespace

const char* const kManifestAccept = kAccept;

Result<ManifestInfo> ResolveManifest(HttpClient& client, const RegistryEndpoint& endpoint,
                                     std::string_view repository, std::string_view reference,
                                     const std::optional<Secret>& authorization) {
  if (!ValidRepository(repository)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "bad repository name \"" + std::string(repository) + "\"");
  }
  bool by_digest = IsSha256Digest(reference);
  if (!by_digest && !ValidTag(reference)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "bad tag or digest \"" + std::string(reference) + "\"");
  }
  std::string what = "manifest " + endpoint.host + "/" + std::string(repository) +
                     (by_digest ? "@" : ":") + std::string(reference);
  std::string url =
      BaseUrl(endpoint) + "/v2/" + std::string(repository) + "/manifests/" + std::string(reference);
  HttpRequest head = ManifestRequest(url, authorization);
  head.method = "HEAD";
  auto h = client.Send(head);
  if (!h.ok()) return h.error();
  if (h->status != 200) return StatusError(h->status, what);
  ManifestInfo info;
  info.media_type = h->Header("content-type").value_or("");
  info.size = ContentLength(*h);
  std::string digest = h->Header("docker-content-digest").value_or("");
  if (!IsSha256Digest(digest)) {
    auto g = client.Send(ManifestRequest(url, authorization));
    if (!g.ok()) return g.error();
    if (g->status != 200) return StatusError(g->status, what, g->body);
    digest = Sha256Digest(g->body);
    info.digest_from_body = true;
    info.media_type = g->Header("content-type").value_or(info.media_type);
    info.size = g->body.size();
  }
  if (by_digest && digest != reference) {
    return MakeError(ErrorKind::kCorrupt, what + " was served with digest " + digest);
  }
  info.digest = std::move(digest);
  return info;
}

Result<RepositoryAccess> ProbeTagsList(HttpClient& client, const RegistryEndpoint& endpoint,
                                       std::string_view repository,
                                       const std::optional<Secret>& authorization) {
  if (!ValidRepository(repository)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "bad repository name \"" + std::string(repository) + "\"");
  }
  HttpRequest req;
  req.url = BaseUrl(endpoint) + "/v2/" + std::string(repository) + "/tags/list?n=1";
  req.authorization = authorization;
  auto r = client.Send(req);
  if (!r.ok()) return r.error();
  switch (r->status) {
    case 200:
      return RepositoryAccess::kAllowed;
    case 401:
    case 403:
      return RepositoryAccess::kRefused;
    case 404:
      return RepositoryAccess::kUnknownRepository;
    default:
      return StatusError(r->status, "tags list of " + endpoint.host + "/" + std::string(repository),
                         r->body);
  }
}

}  // namespace pullguard::registry
