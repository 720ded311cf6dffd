// The field order and omitempty rules follow kubelet's AuthConfig struct tags.
#include "cache/credential_hash.h"

#include <nlohmann/json.hpp>

#include "base/go_json.h"
#include "base/sha256.h"
#include "base/strict_json.h"

namespace pullguard {
namespace {

void Field(std::string& out, bool& first, const char* name, const std::string& value) {
  if (value.empty()) return;
  if (!first) out.push_back(',');
  first = false;
  out.push_back('"');
  out += name;
  out += "\":";
  AppendGoJsonString(out, value);
}

Result<std::string> StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string("auth field \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

}  // namespace

Result<AuthConfig> AuthConfigFromJson(const nlohmann::json& j) {
  PG_TRY(CheckKnownFields(
      j,
      {"username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken"},
      "auth"));
  AuthConfig a;
  const char* names[] = {"username",      "password",      "auth",         "email",
                         "serveraddress", "identitytoken", "registrytoken"};
  std::string values[7];
  for (int i = 0; i < 7; ++i) {
    auto v = StringField(j, names[i]);
    if (!v.ok()) return v.error();
    values[i] = std::move(*v);
  }
  a.username = std::move(values[0]);
  a.password = Secret(std::move(values[1]));
  a.auth = Secret(std::move(values[2]));
  a.email = std::move(values[3]);
  a.server_address = std::move(values[4]);
  a.identity_token = Secret(std::move(values[5]));
  a.registry_token = Secret(std::move(values[6]));
  return a;
}

std::string MarshalAuthConfigLikeGo(const AuthConfig& a) {
  std::string out = "{";
  bool first = true;
  Field(out, first, "username", a.username);
  Field(out, first, "password", a.password.reveal());
  Field(out, first, "auth", a.auth.reveal());
  Field(out, first, "email", a.email);
  Field(out, first, "serveraddress", a.server_address);
  Field(out, first, "identitytoken", a.identity_token.reveal());
  Field(out, first, "registrytoken", a.registry_token.reveal());
  out.push_back('}');
  return out;
}

std::string CredentialHash(const AuthConfig& a) {
  return Sha256Hex(MarshalAuthConfigLikeGo(a));
}

}  // namespace pullguard
