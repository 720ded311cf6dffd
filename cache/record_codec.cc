// Decoding mirrors Kubernetes' strict serializer (case-sensitive field names, null = zero
// value); encoding mirrors encoding/json so kubelet reads our files and we can diff its files.
#include "cache/record_codec.h"

#include <nlohmann/json.hpp>

#include "base/go_json.h"
#include "base/rfc3339.h"
#include "base/strict_json.h"
#include "cache/record_fast_path.h"

namespace pullguard {
namespace {

using nlohmann::json;

Error Corrupt(const std::string& msg) {
  return MakeError(ErrorKind::kCorrupt, msg);
}

Status GetString(const json& obj, const char* field, std::string* out, const std::string& where) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) {
    return Corrupt(where + ": field \"" + field + "\" must be a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status CheckFields(const json& obj, std::initializer_list<std::string_view> allowed,
                   const std::string& where) {
  auto st = CheckKnownFields(obj, allowed, where);
  if (!st.ok()) return Corrupt(st.error().message);
  return Status::Ok();
}

Status CheckTypeMeta(const json& j, const char* kind, std::string_view* api_version) {
  if (!j.is_object()) return Corrupt(std::string(kind) + ": not a JSON object");
  std::string k, v;
  PG_TRY(GetString(j, "kind", &k, kind));
  PG_TRY(GetString(j, "apiVersion", &v, kind));
  if (k.empty()) return Corrupt(std::string("Object 'Kind' is missing (want ") + kind + ")");
  if (k != kind) {
    std::string shown = k.size() > 40 ? k.substr(0, 40) + "..." : k;
    return Corrupt(std::string("kind is \"") + shown + "\", want " + kind);
  }
  if (v != kApiV1Beta1 && v != kApiV1Alpha1) {
    std::string shown = v.size() > 60 ? v.substr(0, 60) + "..." : v;
    return Corrupt(std::string(kind) + ": unsupported apiVersion \"" + shown + "\"");
  }
  *api_version = v == kApiV1Beta1 ? kApiV1Beta1 : kApiV1Alpha1;
  return Status::Ok();
}

Result<ImagePullCredentials> DecodeCredentials(const json& j, const std::string& where) {
  ImagePullCredentials c;
  if (j.is_null()) return c;
  PG_TRY(CheckFields(j, {"kubernetesSecrets", "kubernetesServiceAccounts", "nodePodsAccessible"},
                     where));
  if (auto it = j.find("kubernetesSecrets"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Corrupt(where + ": kubernetesSecrets must be a list");
    for (const auto& s : *it) {
      std::string w = where + ".kubernetesSecrets[]";
      if (!s.is_object()) return Corrupt(w + ": not an object");
      PG_TRY(CheckFields(s, {"uid", "namespace", "name", "credentialHash"}, w));
      ImagePullSecret sec;
      PG_TRY(GetString(s, "uid", &sec.uid, w));
      PG_TRY(GetString(s, "namespace", &sec.ns, w));
      PG_TRY(GetString(s, "name", &sec.name, w));
      PG_TRY(GetString(s, "credentialHash", &sec.credential_hash, w));
      c.kubernetes_secrets.push_back(std::move(sec));
    }
  }
  if (auto it = j.find("kubernetesServiceAccounts"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Corrupt(where + ": kubernetesServiceAccounts must be a list");
    for (const auto& s : *it) {
      std::string w = where + ".kubernetesServiceAccounts[]";
      if (!s.is_object()) return Corrupt(w + ": not an object");
      PG_TRY(CheckFields(s, {"uid", "namespace", "name"}, w));
      ImagePullServiceAccount sa;
      PG_TRY(GetString(s, "uid", &sa.uid, w));
      PG_TRY(GetString(s, "namespace", &sa.ns, w));
      PG_TRY(GetString(s, "name", &sa.name, w));
      c.kubernetes_service_accounts.push_back(std::move(sa));
    }
  }
  if (auto it = j.find("nodePodsAccessible"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Corrupt(where + ": nodePodsAccessible must be a boolean");
    c.node_pods_accessible = it->get<bool>();
  }
  return c;
}

void AppendKey(std::string& out, const char* key) {
  out.push_back('"');
  out += key;
  out += "\":";
}

// `{"uid":…,"namespace":…,"name":…` (no closing brace): the coordinates every secret and service
// account entry starts with, in Go's field order.
void AppendCoordinates(std::string& out, const std::string& uid, const std::string& ns,
                       const std::string& name) {
  out += "{\"uid\":";
  AppendGoJsonString(out, uid);
  out += ",\"namespace\":";
  AppendGoJsonString(out, ns);
  out += ",\"name\":";
  AppendGoJsonString(out, name);
}

}  // namespace

Result<ImagePulledRecord> DecodePulledRecord(std::string_view text) {
  ImagePulledRecord r;
  if (DecodePlainPulledRecord(text, &r)) return r;
  return DecodePulledRecordStrict(text);
}

Result<ImagePulledRecord> DecodePulledRecordStrict(std::string_view text) {
  auto parsed = ParseStrictJson(text, "record");
  if (!parsed.ok()) return Corrupt("ImagePulledRecord: " + parsed.error().message);
  const json& j = *parsed;
  ImagePulledRecord r;
  PG_TRY(CheckTypeMeta(j, "ImagePulledRecord", &r.api_version));
  PG_TRY(CheckFields(j, {"kind", "apiVersion", "lastUpdatedTime", "imageRef", "credentialMapping"},
                     "ImagePulledRecord"));
  if (auto it = j.find("lastUpdatedTime"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return Corrupt("ImagePulledRecord: lastUpdatedTime must be a string");
    auto t = ParseRfc3339(it->get<std::string>());
    if (!t.ok()) return Corrupt("ImagePulledRecord: " + t.error().message);
    r.last_updated_time = *t;
  }
  PG_TRY(GetString(j, "imageRef", &r.image_ref, "ImagePulledRecord"));
  if (auto it = j.find("credentialMapping"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Corrupt("ImagePulledRecord: credentialMapping must be an object");
    for (const auto& [image, creds] : it->items()) {
      auto c = DecodeCredentials(creds, "credentialMapping entry");
      if (!c.ok()) return c.error();
      r.credential_mapping.emplace(image, std::move(*c));
    }
  }
  return r;
}

Result<ImagePullIntent> DecodePullIntent(std::string_view text) {
  auto parsed = ParseStrictJson(text, "pull intent");
  if (!parsed.ok()) return Corrupt("ImagePullIntent: " + parsed.error().message);
  const json& j = *parsed;
  ImagePullIntent i;
  PG_TRY(CheckTypeMeta(j, "ImagePullIntent", &i.api_version));
  PG_TRY(CheckFields(j, {"kind", "apiVersion", "image"}, "ImagePullIntent"));
  PG_TRY(GetString(j, "image", &i.image, "ImagePullIntent"));
  return i;
}

std::string EncodeCredentials(const ImagePullCredentials& c) {
  std::string out = "{";
  bool first = true;
  if (!c.kubernetes_secrets.empty()) {
    AppendKey(out, "kubernetesSecrets");
    out.push_back('[');
    for (std::size_t i = 0; i < c.kubernetes_secrets.size(); ++i) {
      const auto& s = c.kubernetes_secrets[i];
      if (i) out.push_back(',');
      AppendCoordinates(out, s.uid, s.ns, s.name);
      out += ",\"credentialHash\":";
      AppendGoJsonString(out, s.credential_hash);
      out.push_back('}');
    }
    out.push_back(']');
    first = false;
  }
  if (!c.kubernetes_service_accounts.empty()) {
    if (!first) out.push_back(',');
    AppendKey(out, "kubernetesServiceAccounts");
    out.push_back('[');
    for (std::size_t i = 0; i < c.kubernetes_service_accounts.size(); ++i) {
      const auto& s = c.kubernetes_service_accounts[i];
      if (i) out.push_back(',');
      AppendCoordinates(out, s.uid, s.ns, s.name);
      out.push_back('}');
    }
    out.push_back(']');
    first = false;
  }
  if (c.node_pods_accessible) {
    if (!first) out.push_back(',');
    out += "\"nodePodsAccessible\":true";
  }
  out.push_back('}');
  return out;
}

std::string EncodePulledRecord(const ImagePulledRecord& r) {
  std::string out = "{\"kind\":\"ImagePulledRecord\",\"apiVersion\":\"";
  out += kApiV1Beta1;
  out += "\",\"lastUpdatedTime\":";
  if (r.last_updated_time) {
    out += "\"" + FormatRfc3339(*r.last_updated_time) + "\"";
  } else {
    out += "null";
  }
  out += ",\"imageRef\":";
  AppendGoJsonString(out, r.image_ref);
  if (!r.credential_mapping.empty()) {
    out += ",\"credentialMapping\":{";
    bool first = true;
    for (const auto& [image, creds] : r.credential_mapping) {
      if (!first) out.push_back(',');
      first = false;
      AppendGoJsonString(out, image);
      out.push_back(':');
      out += EncodeCredentials(creds);
    }
    out.push_back('}');
  }
  out += "}\n";
  return out;
}

std::string EncodePullIntent(const ImagePullIntent& i) {
  std::string out = "{\"kind\":\"ImagePullIntent\",\"apiVersion\":\"";
  out += kApiV1Beta1;
  out += "\",\"image\":";
  AppendGoJsonString(out, i.image);
  out += "}\n";
  return out;
}

}  // namespace pullguard
