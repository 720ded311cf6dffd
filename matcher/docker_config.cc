// Decodes docker config.json and legacy dockercfg the way kubelet's credentialprovider/config.go
// does: field names case-insensitive (Go's encoding/json), `auth` overriding username/password.
#include "matcher/docker_config.h"

#include <cctype>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/strict_json.h"

namespace pullguard {
namespace {

using Json = nlohmann::ordered_json;

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

Error Bad(const std::string& key, const std::string& what) {
  return MakeError(ErrorKind::kInvalidArgument, "auths[\"" + key + "\"]" + what);
}

Result<KeyedCredential> DecodeEntry(const std::string& key, const Json& value) {
  KeyedCredential entry{key, {}};
  if (value.is_null()) return entry;
  if (!value.is_object()) return Bad(key, ": must be an object");
  std::string username;
  std::string password;
  std::string auth;
  for (auto it = value.begin(); it != value.end(); ++it) {
    std::string* field = nullptr;
    std::string_view name;
    for (auto [n, f] : {std::pair<std::string_view, std::string*>{"username", &username},
                        {"password", &password},
                        {"auth", &auth}}) {
      if (EqualFold(it.key(), n)) field = f, name = n;
    }
    if (field == nullptr) continue;  // email, identitytoken, ...: not used by kubelet
    if (it->is_null()) continue;
    if (!it->is_string()) return Bad(key, "." + std::string(name) + ": must be a string");
    *field = it->get<std::string>();
  }
  if (!auth.empty()) {
    // kubelet picks the decoder by a trailing '=' (StdEncoding) or its absence (RawStdEncoding).
    std::string_view trimmed = auth;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.remove_suffix(1);
    }
    auto decoded = GoBase64Decode(auth, trimmed.ends_with('='));
    if (!decoded) return Bad(key, ".auth: not valid base64");
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) {
      return Bad(key, ".auth: decoded value is not in username:password form");
    }
    username = decoded->substr(0, colon);
    password = decoded->substr(colon + 1);
  }
  entry.credential.username = std::move(username);
  entry.credential.password = Secret(std::move(password));
  return entry;
}

}  // namespace

Result<std::vector<KeyedCredential>> ParseDockerConfig(std::string_view json) {
  // The strict reading refuses duplicate keys (which credential would win?), deep nesting, NUL
  // bytes and trailing data; the ordered parse below keeps the file's order of entries.
  if (auto strict = ParseStrictJson(json, "docker config"); !strict.ok()) return strict.error();
  Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return MakeError(ErrorKind::kInvalidArgument, "docker config: not valid JSON");
  }
  if (!doc.is_object()) {
    return MakeError(ErrorKind::kInvalidArgument, "docker config: must be a JSON object");
  }
  // config.json wraps the map in "auths"; the legacy dockercfg form is the bare map.
  const Json* auths = &doc;
  bool wrapped = false;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (EqualFold(it.key(), "auths")) auths = &*it, wrapped = true;
  }
  std::vector<KeyedCredential> out;
  if (wrapped && auths->is_null()) return out;
  if (!auths->is_object()) {
    return MakeError(ErrorKind::kInvalidArgument, "docker config: \"auths\" must be an object");
  }
  for (auto it = auths->begin(); it != auths->end(); ++it) {
    auto entry = DecodeEntry(it.key(), it.value());
    if (!entry.ok()) return entry.error();
    out.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace pullguard
