// Messages name fields, never values: an auth object may hold a password.
#include "plugin/cli/records_json.h"

#include <algorithm>

#include "base/go_json.h"
#include "base/rfc3339.h"
#include "base/strict_json.h"
#include "cache/credential_hash.h"
#include "cache/shared_digest.h"

namespace pullguard {

Result<std::string> ReadAllInput(Io& io, std::size_t max_bytes) {
  std::string data;
  char buf[65536];
  for (;;) {
    long n = io.in.Read(buf, sizeof buf);
    if (n < 0) return MakeError(ErrorKind::kIo, "cannot read stdin");
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max_bytes) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "input is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return data;
}

Result<std::string> JsonString(const nlohmann::json& obj, const char* field, bool required,
                               const std::string& what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      return MakeError(ErrorKind::kInvalidArgument,
                       what + ": missing field \"" + std::string(field) + "\"");
    }
    return std::string();
  }
  if (!it->is_string()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     what + ": field \"" + std::string(field) + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<std::optional<bool>> JsonBool(const nlohmann::json& obj, const char* field,
                                     const std::string& what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     what + ": field \"" + std::string(field) + "\" must be true or false");
  }
  return std::optional<bool>(it->get<bool>());
}

namespace {

// uid, namespace and name: strings, present (they may be empty where kubelet allows it).
Status ReadCoordinates(const nlohmann::json& j, const std::string& what, std::string& uid,
                       std::string& ns, std::string& name) {
  auto u = JsonString(j, "uid", true, what);
  if (!u.ok()) return u.error();
  auto n = JsonString(j, "namespace", true, what);
  if (!n.ok()) return n.error();
  auto m = JsonString(j, "name", true, what);
  if (!m.ok()) return m.error();
  uid = std::move(*u);
  ns = std::move(*n);
  name = std::move(*m);
  return Status::Ok();
}

}  // namespace

Result<ImagePullSecret> SecretFromJson(const nlohmann::json& j, const std::string& what) {
  PG_TRY(CheckKnownFields(j, {"uid", "namespace", "name", "auth", "credentialHash"}, what));
  ImagePullSecret s;
  PG_TRY(ReadCoordinates(j, what, s.uid, s.ns, s.name));
  bool has_auth = j.contains("auth") && !j["auth"].is_null();
  bool has_hash = j.contains("credentialHash") && !j["credentialHash"].is_null();
  if (has_auth == has_hash) {
    return MakeError(ErrorKind::kInvalidArgument,
                     what + ": give exactly one of \"auth\" and \"credentialHash\"");
  }
  if (has_auth) {
    auto a = AuthConfigFromJson(j["auth"]);
    if (!a.ok()) return MakeError(ErrorKind::kInvalidArgument, what + ": " + a.error().message);
    s.credential_hash = CredentialHash(*a);
  } else {
    auto h = JsonString(j, "credentialHash", true, what);
    if (!h.ok()) return h.error();
    s.credential_hash = *h;
  }
  return s;
}

Result<ImagePullServiceAccount> ServiceAccountFromJson(const nlohmann::json& j,
                                                       const std::string& what) {
  PG_TRY(CheckKnownFields(j, {"uid", "namespace", "name"}, what));
  ImagePullServiceAccount sa;
  PG_TRY(ReadCoordinates(j, what, sa.uid, sa.ns, sa.name));
  if (sa.uid.empty() || sa.ns.empty() || sa.name.empty()) {
    return MakeError(ErrorKind::kInvalidArgument, what + ": uid, namespace and name must be set");
  }
  return sa;
}

std::string SharedDigestFinding(const ImagePulledRecord& record,
                                const std::vector<std::string>* runtime_names) {
  std::vector<std::string> repos = MappedRepositories(record);
  std::vector<std::string> unmapped;
  if (runtime_names) unmapped = UnmappedRepositories(record, *runtime_names);
  if (repos.size() + unmapped.size() < 2) return "";
  auto list = [](std::string& out, std::vector<std::string> items) {
    std::sort(items.begin(), items.end());
    out += "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ",";
      AppendGoJsonString(out, items[i]);
    }
    out += "]";
  };
  std::string out = "{\"imageRef\":";
  AppendGoJsonString(out, record.image_ref);
  out += ",\"finding\":\"shared-digest\",\"repositories\":";
  std::vector<std::string> all = repos;
  all.insert(all.end(), unmapped.begin(), unmapped.end());
  list(out, all);
  if (runtime_names) {
    out += ",\"unmapped\":";
    list(out, unmapped);
  }
  out += ",\"lastUpdatedTime\":";
  out += record.last_updated_time ? "\"" + FormatRfc3339(*record.last_updated_time) + "\"" : "null";
  out += "}\n";
  return out;
}

}  // namespace pullguard
