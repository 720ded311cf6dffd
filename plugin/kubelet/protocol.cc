// Strict request decoding and response encoding for the three protocol versions; the field rules
// follow staging/src/k8s.io/kubelet/pkg/apis/credentialprovider/*/types.go.
#include "plugin/kubelet/protocol.h"

#include <nlohmann/json.hpp>

#include "base/strict_json.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

Error Bad(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

std::optional<ProtocolVersion> ParseApiVersion(std::string_view s) {
  if (!s.starts_with(kProtocolGroup)) return std::nullopt;
  std::string_view v = s.substr(kProtocolGroup.size());
  if (v == "v1") return ProtocolVersion::kV1;
  if (v == "v1beta1") return ProtocolVersion::kV1beta1;
  if (v == "v1alpha1") return ProtocolVersion::kV1alpha1;
  return std::nullopt;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// A required string field: present, a string, non-empty.
Result<std::string> RequiredString(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return Bad(std::string(name) + " is missing");
  if (!it->is_string()) {
    return Bad(std::string(name) + " must be a string, not " + std::string(JsonTypeName(*it)));
  }
  if (it->get_ref<const std::string&>().empty()) return Bad(std::string(name) + " is empty");
  return it->get<std::string>();
}

}  // namespace

std::string ApiVersionString(ProtocolVersion v) {
  switch (v) {
    case ProtocolVersion::kV1:
      return std::string(kProtocolGroup) + "v1";
    case ProtocolVersion::kV1beta1:
      return std::string(kProtocolGroup) + "v1beta1";
    case ProtocolVersion::kV1alpha1:
      return std::string(kProtocolGroup) + "v1alpha1";
  }
  return std::string(kProtocolGroup) + "v1";
}

Result<CredentialProviderRequest> DecodeRequest(std::string_view text) {
  if (IsBlank(text))
    return Bad("request is empty (want one CredentialProviderRequest JSON object)");
  auto parsed = ParseStrictJson(text, "request");
  if (!parsed.ok()) return parsed.error();
  const json& j = *parsed;
  if (!j.is_object()) {
    return Bad("request must be a JSON object, not " + std::string(JsonTypeName(j)));
  }

  auto api = j.find("apiVersion");
  if (api == j.end() || api->is_null()) return Bad("apiVersion is missing");
  if (!api->is_string()) {
    return Bad("apiVersion must be a string, not " + std::string(JsonTypeName(*api)));
  }
  auto version = ParseApiVersion(api->get_ref<const std::string&>());
  if (!version) {
    return Bad("unsupported apiVersion " + QuoteForError(api->get_ref<const std::string&>()) +
               " (want credentialprovider.kubelet.k8s.io/v1, v1beta1 or v1alpha1)");
  }
  std::string api_name = ApiVersionString(*version);

  auto kind = j.find("kind");
  if (kind == j.end() || kind->is_null()) return Bad("kind is missing");
  if (!kind->is_string()) {
    return Bad("kind must be a string, not " + std::string(JsonTypeName(*kind)));
  }
  if (*kind != "CredentialProviderRequest") {
    return Bad("kind is " + QuoteForError(kind->get_ref<const std::string&>()) +
               ", want \"CredentialProviderRequest\"");
  }

  bool v1 = *version == ProtocolVersion::kV1;
  for (const auto& [key, value] : j.items()) {
    if (key == "apiVersion" || key == "kind" || key == "image") continue;
    if (v1 && (key == "serviceAccountToken" || key == "serviceAccountAnnotations")) continue;
    std::string msg = "unknown field " + QuoteForError(key) + " in " + api_name + " request";
    if (key == "serviceAccountToken" || key == "serviceAccountAnnotations") {
      msg += " (only credentialprovider.kubelet.k8s.io/v1 has it)";
    }
    return Bad(msg);
  }

  CredentialProviderRequest req;
  req.version = *version;
  auto image = RequiredString(j, "image");
  if (!image.ok()) return image.error();
  req.image = std::move(*image);
  for (unsigned char c : req.image) {
    if (c <= 0x20 || c == 0x7f) return Bad("image contains whitespace or control characters");
  }

  if (auto t = j.find("serviceAccountToken"); t != j.end() && !t->is_null()) {
    if (!t->is_string()) {
      return Bad("serviceAccountToken must be a string, not " + std::string(JsonTypeName(*t)));
    }
    req.service_account_token = Secret(t->get<std::string>());
  }
  if (auto a = j.find("serviceAccountAnnotations"); a != j.end() && !a->is_null()) {
    if (!a->is_object()) {
      return Bad("serviceAccountAnnotations must be an object of strings, not " +
                 std::string(JsonTypeName(*a)));
    }
    for (const auto& [key, value] : a->items()) {
      if (!value.is_string()) {
        return Bad("serviceAccountAnnotations[" + QuoteForError(key) + "] must be a string, not " +
                   std::string(JsonTypeName(value)));
      }
      req.service_account_annotations.emplace(key, value.get<std::string>());
    }
  }
  return req;
}

std::string_view CacheKeyTypeName(CacheKeyType t) {
  switch (t) {
    case CacheKeyType::kImage:
      return "Image";
    case CacheKeyType::kRegistry:
      return "Registry";
    case CacheKeyType::kGlobal:
      return "Global";
  }
  return "Registry";
}

std::optional<CacheKeyType> ParseCacheKeyType(std::string_view s) {
  if (s == "Image") return CacheKeyType::kImage;
  if (s == "Registry") return CacheKeyType::kRegistry;
  if (s == "Global") return CacheKeyType::kGlobal;
  return std::nullopt;
}

std::string EncodeResponse(const CredentialProviderResponse& r) {
  // ordered_json keeps kind and apiVersion first, as people expect to read them.
  nlohmann::ordered_json j;
  j["kind"] = "CredentialProviderResponse";
  j["apiVersion"] = ApiVersionString(r.version);
  j["cacheKeyType"] = CacheKeyTypeName(r.cache_key_type);
  if (r.cache_duration) j["cacheDuration"] = FormatCompactDuration(*r.cache_duration);
  nlohmann::ordered_json auth = nlohmann::ordered_json::object();
  for (const KeyedCredential& k : r.auth) {
    if (auth.contains(k.key)) continue;  // first one wins; callers pass most specific first
    auth[k.key] = {{"username", k.credential.username},
                   {"password", k.credential.password.reveal()}};
  }
  j["auth"] = std::move(auth);
  // A password that is not UTF-8 would make dump() throw; replace keeps the exit path clean.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace pullguard
