// CredentialProviderConfig decoding and validation ported from kubelet's
// pkg/credentialprovider/plugin/config.go; messages keep kubelet's wording after the field path.
#include "plugin/kubelet/kubelet_config.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/strict_json.h"
#include "base/utf8.h"
#include "matcher/urls_match.h"
#include "plugin/kubelet/kube_yaml.h"
#include "plugin/kubelet/protocol.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

constexpr std::string_view kConfigGroup = "kubelet.config.k8s.io/";
constexpr std::string_view kConfigKind = "CredentialProviderConfig";
constexpr std::string_view kProviderV1 = "credentialprovider.kubelet.k8s.io/v1";
// Sorted, as kubelet prints them in its NotSupported message.
const std::vector<std::string> kProviderApiVersions = {"credentialprovider.kubelet.k8s.io/v1",
                                                       "credentialprovider.kubelet.k8s.io/v1alpha1",
                                                       "credentialprovider.kubelet.k8s.io/v1beta1"};
const std::vector<std::string> kCacheTypes = {"ServiceAccount", "Token"};

std::string JoinQuoted(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += QuoteForError(s);
  }
  return out;
}

// The "<file>: provider \"x\": " prefix every provider message starts with.
std::string ProviderPrefix(const std::string& file, const std::string& name) {
  std::string p = file + ": ";
  if (name.empty()) return p + "unnamed provider: ";
  return p + "provider " + QuoteForError(name) + ": ";
}

// Decodes one file into `check`, collecting every structural problem.
class FileDecoder {
 public:
  FileDecoder(const std::string& file, KubeletConfigCheck& check) : file_(file), check_(check) {}

  void Decode(std::string_view text) {
    auto doc = ParseKubeDocument(text, "the file");
    if (!doc.ok()) return Fatal(doc.error().message);
    const json& root = *doc;
    if (root.is_null()) return Fatal("the file is empty (want a CredentialProviderConfig)");
    if (!root.is_object()) {
      std::string type(JsonTypeName(root));
      return Fatal("the document is " +
                   std::string(type[0] == 'a' || type[0] == 'o' ? "an " : "a ") + type +
                   ", not a CredentialProviderConfig object");
    }
    std::string kind, api_version;
    bool bad = false;
    bad |= !TopString(root, "kind", kind);
    bad |= !TopString(root, "apiVersion", api_version);
    if (bad) return Incomplete();
    bool known_version = api_version == std::string(kConfigGroup) + "v1" ||
                         api_version == std::string(kConfigGroup) + "v1beta1" ||
                         api_version == std::string(kConfigGroup) + "v1alpha1";
    if (!known_version || kind != kConfigKind) {
      return Fatal("no kind " + QuoteForError(kind) + " is registered for version " +
                   QuoteForError(api_version) +
                   " (want kind CredentialProviderConfig, apiVersion kubelet.config.k8s.io/v1, "
                   "v1beta1 or v1alpha1)");
    }
    // tokenAttributes exists only in the v1 schema; older ones reject it as an unknown field.
    v1_ = api_version == std::string(kConfigGroup) + "v1";
    for (auto& [key, value] : root.items()) {
      if (key == "kind" || key == "apiVersion") continue;
      if (key == "providers") {
        Providers(value);
      } else {
        Unknown("", key);
      }
    }
  }

 private:
  void Fatal(const std::string& msg) {
    check_.problems.push_back(file_ + ": " + msg);
    Incomplete();
  }
  void Incomplete() { check_.incomplete = true; }

  void Unknown(const std::string& prefix, const std::string& path) {
    check_.problems.push_back((prefix.empty() ? file_ + ": " : prefix) +
                              "strict decoding error: unknown field " + QuoteForError(path));
  }

  void WrongType(const std::string& prefix, const std::string& path, const json& v,
                 std::string_view want) {
    check_.problems.push_back(prefix + path + ": must be " + std::string(want) + ", not " +
                              std::string(JsonTypeName(v)));
  }

  bool TopString(const json& root, const char* key, std::string& out) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null() ||
        (it->is_string() && it->get_ref<const std::string&>().empty())) {
      // kubelet's own words ("Object 'Kind' is missing in ..."), without the payload it quotes.
      check_.problems.push_back(file_ + ": Object '" +
                                (std::string_view(key) == "kind" ? "Kind" : key) +
                                "' is missing (want kind: CredentialProviderConfig, apiVersion: "
                                "kubelet.config.k8s.io/v1)");
      return false;
    }
    if (!it->is_string()) {
      WrongType(file_ + ": ", key, *it, "a string");
      return false;
    }
    out = it->get<std::string>();
    return true;
  }

  // Go's json: null leaves a string empty; anything but a string is a type error.
  bool String(const std::string& prefix, const std::string& path, const json& v, std::string& out) {
    if (v.is_null()) return true;
    if (!v.is_string()) {
      WrongType(prefix, path, v, "a string");
      return false;
    }
    out = v.get<std::string>();
    return true;
  }

  bool StringList(const std::string& prefix, const std::string& path, const json& v,
                  std::vector<std::string>& out) {
    if (v.is_null()) return true;
    if (!v.is_array()) {
      WrongType(prefix, path, v, "a list of strings");
      return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string s;
      ok &= String(prefix, path + "[" + std::to_string(i) + "]", v[i], s);
      out.push_back(std::move(s));
    }
    return ok;
  }

  void Providers(const json& v) {
    if (v.is_null()) return;
    if (!v.is_array()) {
      WrongType(file_ + ": ", "providers", v, "a list");
      return Incomplete();
    }
    for (std::size_t i = 0; i < v.size(); ++i) Provider(v[i], i);
  }

  void Provider(const json& v, std::size_t index) {
    const std::string path = "providers[" + std::to_string(index) + "]";
    KubeletCredentialProvider p;
    p.file = file_;
    p.index = index;
    if (!v.is_null() && !v.is_object()) {
      WrongType(file_ + ": ", path, v, "an object");
      return Incomplete();
    }
    if (v.is_object()) {
      // The name first, so that every later message can say which provider it is about.
      if (auto it = v.find("name"); it != v.end()) {
        if (!String(file_ + ": ", path + ".name", *it, p.name)) p.undecodable.push_back("name");
      }
      const std::string prefix = ProviderPrefix(file_, p.name);
      for (auto& [key, value] : v.items()) {
        const std::string fpath = path + "." + key;
        bool ok = true;
        if (key == "name") {
          continue;
        } else if (key == "matchImages") {
          ok = StringList(prefix, fpath, value, p.match_images);
        } else if (key == "apiVersion") {
          ok = String(prefix, fpath, value, p.api_version);
        } else if (key == "args") {
          ok = StringList(prefix, fpath, value, p.args);
        } else if (key == "defaultCacheDuration") {
          ok = Duration(prefix, fpath, value, p.default_cache_duration);
        } else if (key == "env") {
          ok = Env(prefix, fpath, value, p.env);
        } else if (key == "tokenAttributes" && v1_) {
          ok = TokenAttributes(prefix, fpath, value, p.token_attributes);
        } else {
          Unknown(prefix, fpath);
        }
        if (!ok) p.undecodable.push_back(key);
      }
    }
    check_.config.providers.push_back(std::move(p));
  }

  // metav1.Duration: a Go duration string; null means absent.
  bool Duration(const std::string& prefix, const std::string& path, const json& v,
                std::optional<GoDuration>& out) {
    if (v.is_null()) return true;
    if (!v.is_string()) {
      WrongType(prefix, path, v, "a duration string such as \"5m\"");
      return false;
    }
    const std::string& s = v.get_ref<const std::string&>();
    auto d = ParseGoDuration(s);
    if (!d.ok()) {
      check_.problems.push_back(prefix + path + ": invalid duration " + QuoteForError(s) +
                                " (want a Go duration such as \"90s\", \"5m\" or \"1h30m\")");
      return false;
    }
    out = *d;
    return true;
  }

  bool Env(const std::string& prefix, const std::string& path, const json& v,
           std::vector<KubeletExecEnvVar>& out) {
    if (v.is_null()) return true;
    if (!v.is_array()) {
      WrongType(prefix, path, v, "a list of {name, value} objects");
      return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string epath = path + "[" + std::to_string(i) + "]";
      const json& e = v[i];
      KubeletExecEnvVar var;
      if (!e.is_null() && !e.is_object()) {
        WrongType(prefix, epath, e, "an object with name and value");
        ok = false;
        continue;
      }
      if (e.is_object()) {
        for (auto& [key, value] : e.items()) {
          if (key == "name") {
            ok &= String(prefix, epath + ".name", value, var.name);
          } else if (key == "value") {
            std::string s;
            ok &= String(prefix, epath + ".value", value, s);
            var.value = Secret(std::move(s));
          } else {
            Unknown(prefix, epath + "." + key);
          }
        }
      }
      out.push_back(std::move(var));
    }
    return ok;
  }

  bool TokenAttributes(const std::string& prefix, const std::string& path, const json& v,
                       std::optional<KubeletTokenAttributes>& out) {
    if (v.is_null()) return true;
    if (!v.is_object()) {
      WrongType(prefix, path, v, "an object");
      return false;
    }
    KubeletTokenAttributes t;
    bool ok = true;
    for (auto& [key, value] : v.items()) {
      const std::string fpath = path + "." + key;
      if (key == "serviceAccountTokenAudience") {
        ok &= String(prefix, fpath, value, t.service_account_token_audience);
      } else if (key == "cacheType") {
        ok &= String(prefix, fpath, value, t.cache_type);
      } else if (key == "requireServiceAccount") {
        if (value.is_boolean()) {
          t.require_service_account = value.get<bool>();
        } else if (!value.is_null()) {
          WrongType(prefix, fpath, value, "a boolean");
          ok = false;
        }
      } else if (key == "requiredServiceAccountAnnotationKeys") {
        ok &= StringList(prefix, fpath, value, t.required_service_account_annotation_keys);
      } else if (key == "optionalServiceAccountAnnotationKeys") {
        ok &= StringList(prefix, fpath, value, t.optional_service_account_annotation_keys);
      } else {
        Unknown(prefix, fpath);
      }
    }
    out = std::move(t);
    return ok;
  }

  const std::string& file_;
  KubeletConfigCheck& check_;
  bool v1_ = false;
};

}  // namespace

namespace {

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";

// apimachinery's RegexError, double spaces included.
std::string RegexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  out += " (e.g. ";
  bool first = true;
  for (std::string_view e : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'" + std::string(e) + "', ";
  }
  out += "regex used for validation is '" + std::string(fmt) + "')";
  return out;
}

bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool MatchesQualifiedName(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool MatchesDns1123Subdomain(std::string_view s) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

// apimachinery's validation.IsQualifiedName.
std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t slash = value.find('/', start);
    parts.push_back(value.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string_view name;
  if (parts.size() == 1) {
    name = parts[0];
  } else if (parts.size() == 2) {
    std::string_view prefix = parts[0];
    name = parts[1];
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > 253) errs.push_back("prefix part must be no more than 253 characters");
      if (!MatchesDns1123Subdomain(prefix)) {
        errs.push_back("prefix part " +
                       RegexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
      }
    }
  } else {
    errs.push_back(
        "a qualified name " +
        RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part must be no more than 63 characters");
  }
  if (!MatchesQualifiedName(name)) {
    errs.push_back("name part " + RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                             {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class ProviderValidator {
 public:
  ProviderValidator(const KubeletCredentialProvider& p, std::vector<std::string>& problems)
      : p_(p),
        problems_(problems),
        prefix_(ProviderPrefix(p.file, p.name)),
        path_("providers[" + std::to_string(p.index) + "]") {}

  void Add(const std::string& field, const std::string& body) {
    problems_.push_back(prefix_ + path_ + (field.empty() ? "" : "." + field) + ": " + body);
  }
  bool Skip(std::string_view field) const { return Contains(p_.undecodable, field); }

  void Name() {
    if (Skip("name")) return;
    const std::string& n = p_.name;
    const std::string q = QuoteForError(n);
    // kubelet runs <bin-dir>/<name>; an empty name only fails later, at plugin lookup.
    if (n.empty())
      Add("name", "Required value: kubelet runs <image-credential-provider-bin-dir>/<name>");
    if (n.find('/') != std::string::npos) {
      Add("name", "Invalid value: " + q + ": provider name cannot contain '/'");
    }
    if (n.find(' ') != std::string::npos) {
      Add("name", "Invalid value: " + q + ": provider name cannot contain spaces");
    }
    if (n == ".") Add("name", "Invalid value: " + q + ": provider name cannot be '.'");
    if (n == "..") Add("name", "Invalid value: " + q + ": provider name cannot be '..'");
  }

  void ApiVersion() {
    if (Skip("apiVersion")) return;
    if (p_.api_version.empty()) {
      Add("apiVersion", "Required value");
    } else if (!Contains(kProviderApiVersions, p_.api_version)) {
      Add("apiVersion", "Unsupported value: " + QuoteForError(p_.api_version) +
                            ": supported values: " + JoinQuoted(kProviderApiVersions));
    }
  }

  void MatchImages() {
    if (Skip("matchImages")) return;
    if (p_.match_images.empty()) {
      Add("matchImages", "Required value: at least 1 item in matchImages is required");
    }
    for (std::size_t i = 0; i < p_.match_images.size(); ++i) {
      const std::string& m = p_.match_images[i];
      const std::string field = "matchImages[" + std::to_string(i) + "]";
      if (m.empty()) {
        // kubelet parses "" fine, but the entry can never match an image.
        Add(field, "Invalid value: \"\": match image is invalid: it is empty and matches nothing");
        continue;
      }
      auto parsed = ParseSchemelessUrl(m);
      if (!parsed.ok()) {
        Add(field, "Invalid value: " + QuoteForError(m) +
                       ": match image is invalid: " + parsed.error().message);
      }
    }
  }

  void DefaultCacheDuration() {
    if (Skip("defaultCacheDuration")) return;
    if (!p_.default_cache_duration) {
      Add("defaultCacheDuration", "Required value");
    } else if (*p_.default_cache_duration < 0) {
      Add("defaultCacheDuration", "Invalid value: " + FormatGoDuration(*p_.default_cache_duration) +
                                      ": defaultCacheDuration must be greater than or equal to 0");
    }
  }

  void TokenAttributes() {
    if (!p_.token_attributes || Skip("tokenAttributes")) return;
    const KubeletTokenAttributes& t = *p_.token_attributes;
    if (t.service_account_token_audience.empty()) {
      Add("tokenAttributes.serviceAccountTokenAudience", "Required value");
    }
    if (!t.require_service_account) Add("tokenAttributes.requireServiceAccount", "Required value");
    if (p_.api_version != kProviderV1) {
      Add("tokenAttributes", "Forbidden: tokenAttributes is only supported for " +
                                 std::string(kProviderV1) + " API version");
    }
    if (t.require_service_account == false && !t.required_service_account_annotation_keys.empty()) {
      Add("tokenAttributes.requiredServiceAccountAnnotationKeys",
          "Forbidden: requireServiceAccount cannot be false when "
          "requiredServiceAccountAnnotationKeys is set");
    }
    AnnotationKeys("tokenAttributes.requiredServiceAccountAnnotationKeys",
                   t.required_service_account_annotation_keys);
    AnnotationKeys("tokenAttributes.optionalServiceAccountAnnotationKeys",
                   t.optional_service_account_annotation_keys);
    std::set<std::string> both;
    for (const std::string& k : t.required_service_account_annotation_keys) {
      if (Contains(t.optional_service_account_annotation_keys, k)) both.insert(k);
    }
    if (!both.empty()) {
      std::string list;
      for (const std::string& k : both) list += (list.empty() ? "" : ", ") + QuoteForError(k);
      Add("tokenAttributes", "Invalid value: []string{" + list +
                                 "}: annotation keys cannot be both required and optional");
    }
    if (t.cache_type.empty()) {
      Add("tokenAttributes.cacheType",
          "Required value: cacheType is required to be set when tokenAttributes is specified. "
          "Supported values are: ServiceAccount, Token");
    } else if (!Contains(kCacheTypes, t.cache_type)) {
      Add("tokenAttributes.cacheType", "Unsupported value: " + QuoteForError(t.cache_type) +
                                           ": supported values: " + JoinQuoted(kCacheTypes));
    }
  }

 private:
  void AnnotationKeys(const std::string& field, const std::vector<std::string>& keys) {
    std::set<std::string> seen;
    for (const std::string& k : keys) {
      // A qualified name, except that case does not matter (annotation key rules).
      std::string lower = AsciiLower(k);
      for (const std::string& msg : IsQualifiedName(lower)) {
        Add(field, "Invalid value: " + QuoteForError(k) + ": " + msg);
      }
      if (!seen.insert(k).second) Add(field, "Duplicate value: " + QuoteForError(k));
    }
  }

  const KubeletCredentialProvider& p_;
  std::vector<std::string>& problems_;
  std::string prefix_;
  std::string path_;
};

}  // namespace

void DecodeKubeletConfigFile(std::string_view text, const std::string& file,
                             KubeletConfigCheck& into) {
  into.config.files.push_back(file);
  FileDecoder(file, into).Decode(text);
}

void ValidateKubeletConfig(const std::string& origin, KubeletConfigCheck& check) {
  const std::vector<KubeletCredentialProvider>& providers = check.config.providers;
  if (providers.empty() && !check.incomplete) {
    check.problems.push_back(origin +
                             ": providers: Required value: at least 1 item in plugins is required");
  }
  // Names are unique across the merged files, as kubelet's reader insists.
  std::map<std::string, const KubeletCredentialProvider*> seen;
  for (const KubeletCredentialProvider& p : providers) {
    ProviderValidator v(p, check.problems);
    v.Name();
    if (!v.Skip("name")) {
      auto [it, fresh] = seen.emplace(p.name, &p);
      if (!fresh && it->second->file == p.file) {
        v.Add("name", "Duplicate value: " + QuoteForError(p.name));
      } else if (!fresh) {
        v.Add("name", "duplicate provider name " + QuoteForError(p.name) +
                          " found in configuration file(s): first defined in " + it->second->file +
                          " as providers[" + std::to_string(it->second->index) + "]");
      }
    }
    v.ApiVersion();
    v.MatchImages();
    v.DefaultCacheDuration();
    v.TokenAttributes();
  }
}

KubeletConfigCheck CheckKubeletConfig(const std::string& path, Env& env) {
  KubeletConfigCheck check;
  if (path.empty()) {
    check.problems.push_back("credential provider config path is empty");
    return check;
  }
  auto info = env.Stat(path);
  if (!info.ok()) {
    check.problems.push_back(info.error().message);
    return check;
  }
  if (!info->exists) {
    check.problems.push_back(path + ": no such file or directory");
    return check;
  }
  std::vector<std::string> files;
  if (info->is_dir) {
    auto names = env.ListDir(path);
    if (!names.ok()) {
      check.problems.push_back(names.error().message);
      return check;
    }
    std::string dir = path.back() == '/' ? path : path + "/";
    for (const std::string& name : *names) {
      // filepath.Ext: the suffix from the last dot, so ".yaml" itself counts.
      std::size_t dot = name.rfind('.');
      std::string ext = dot == std::string::npos ? "" : name.substr(dot);
      if (ext != ".json" && ext != ".yaml" && ext != ".yml") continue;
      auto st = env.Stat(dir + name);
      if (st.ok() && st->is_dir) continue;
      files.push_back(dir + name);
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      check.problems.push_back(path +
                               ": no configuration files found in directory (want *.json, "
                               "*.yaml or *.yml)");
      return check;
    }
  } else {
    files.push_back(path);
  }
  for (const std::string& file : files) {
    // kubelet's own file: links followed, the opened file checked (base/env.h).
    auto read = env.ReadOperatorFile(file, kMaxKubeletConfigBytes);
    if (!read.ok()) {
      check.problems.push_back(read.error().message);
      check.incomplete = true;
      continue;
    }
    const std::string* data = &read->data;
    if (auto bad = FirstInvalidUtf8(*data)) {
      // kubelet's YAML and JSON decoders refuse ill-formed UTF-8; checked for the whole file first,
      // so the message is the same for both.
      check.problems.push_back(file + ": the file is not UTF-8 (ill-formed byte at offset " +
                               std::to_string(*bad) + ")");
      check.incomplete = true;
      continue;
    }
    DecodeKubeletConfigFile(*data, file, check);
  }
  ValidateKubeletConfig(path, check);
  return check;
}

}  // namespace pullguard
