// Decoding of PullguardConfig: every field checked, every problem collected with its path, so
// `validate config` can list them all and get-credentials can name the first.
#include "plugin/config/config.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/strict_json.h"
#include "base/utf8.h"
#include "matcher/urls_match.h"
#include "plugin/config/config_mirrors.h"
#include "plugin/config/config_sources.h"
#include "plugin/kubelet/kube_yaml.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

// Keys a later version decodes. Until then they fail with a message that says so, rather than
// being mistaken for typos (or, worse, silently ignored). None at present.
constexpr std::string_view kLaterEntryKeys[] = {"clientCertPassword"};

class Decoder {
 public:
  std::vector<std::string> problems;

  void Problem(const std::string& where, const std::string& what) {
    problems.push_back(where.empty() ? what : where + ": " + what);
  }

  // Present, a string (a Go duration string when `duration`), non-empty.
  std::optional<std::string> String(const json& obj, const std::string& where, const char* name,
                                    bool required, bool duration = false) {
    auto it = obj.find(name);
    std::string path = where.empty() ? name : where + "." + name;
    if (it == obj.end() || it->is_null()) {
      if (required) Problem(path, "is required");
      return std::nullopt;
    }
    if (!it->is_string()) {
      Problem(path, NotAString(*it, duration));
      return std::nullopt;
    }
    if (it->get_ref<const std::string&>().empty()) {
      Problem(path, "is empty");
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  void UnknownKeys(const json& obj, const std::string& where,
                   std::initializer_list<std::string_view> known, bool entry_level = false) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == key;
      if (ok) continue;
      bool later = false;
      for (std::string_view k : kLaterEntryKeys) later = later || (entry_level && k == key);
      if (later) {
        Problem(where + "." + key, "not supported yet (a later pullguard version adds it)");
      } else {
        Problem(where, "unknown field " + QuoteForError(key));
      }
    }
  }

  void Absolute(const std::string& path, const std::string& where) {
    if (path.empty() || path[0] != '/') Problem(where, "must be an absolute path");
  }

  void Entry(const json& e, const std::string& where, RegistryEntry& out) {
    if (!e.is_object()) {
      Problem(where, "must be a map, not " + std::string(JsonTypeName(e)));
      return;
    }
    UnknownKeys(
        e, where,
        {"match", "cacheKeyType", "cacheDuration", "static", "dockerConfig", "tokenExchange",
         "refreshToken", "federatedToken", "gcp", "acr", "ecr", "verify", "insecure", "caFile",
         "clientCert", "clientKey", "mirrors", "mirrorCredentialsStrategy"},
        /*entry_level=*/true);

    auto m = e.find("match");
    if (m == e.end() || m->is_null()) {
      Problem(where + ".match", "is required (a list of matchImages patterns)");
    } else if (!m->is_array()) {
      Problem(where + ".match", "must be a list of strings, not " + std::string(JsonTypeName(*m)));
    } else if (m->empty()) {
      Problem(where + ".match", "is empty");
    } else {
      for (std::size_t i = 0; i < m->size(); ++i) {
        const json& p = (*m)[i];
        std::string pw = where + ".match[" + std::to_string(i) + "]";
        if (!p.is_string()) {
          Problem(pw, NotAString(p));
          continue;
        }
        const std::string& s = p.get_ref<const std::string&>();
        if (s.empty()) {
          Problem(pw, "is empty");
          continue;
        }
        auto parsed = ParseSchemelessUrl(s);
        if (!parsed.ok()) {
          Problem(pw,
                  QuoteForError(s) + " is not a matchImages pattern: " + parsed.error().message);
          continue;
        }
        out.match.push_back(s);
      }
    }

    DecodeMirrors(e, where, out, problems);
    if (auto t = String(e, where, "cacheKeyType", false)) {
      auto k = ParseCacheKeyType(*t);
      if (!k) {
        Problem(where + ".cacheKeyType",
                QuoteForError(*t) + " is not one of Image, Registry, Global");
      } else {
        out.cache_key_type = *k;
      }
    }
    if (auto d = String(e, where, "cacheDuration", false, /*duration=*/true)) {
      auto parsed = ParseGoDuration(*d);
      if (!parsed.ok()) {
        Problem(where + ".cacheDuration", parsed.error().message);
      } else if (*parsed < 0) {
        Problem(where + ".cacheDuration", QuoteForError(*d) + " is negative");
      } else if (*parsed % kSecond != 0) {
        // Kubelet's clock works in seconds and the response must be whole units.
        Problem(where + ".cacheDuration", QuoteForError(*d) + " is not a whole number of seconds");
      } else {
        out.cache_duration = *parsed;
      }
    }

    int sources = 0;
    if (auto s = e.find("static"); s != e.end()) {
      ++sources;
      out.source = Static(*s, where + ".static");
    }
    if (e.contains("dockerConfig")) {
      ++sources;
      DockerConfigSourceSpec d;
      if (auto p = String(e, where, "dockerConfig", true)) {
        Absolute(*p, where + ".dockerConfig");
        d.path = *p;
      }
      if (sources == 1) out.source = d;
    }
    sources += DecodeExchangeSources(e, where, sources > 0, out, problems);
    if (sources == 0) {
      Problem(where,
              "no credential source (want one of: static, dockerConfig, tokenExchange, "
              "refreshToken, federatedToken, gcp, acr, ecr)");
    } else if (sources > 1) {
      Problem(where, "more than one credential source; keep one");
    }
    // An ECR token lives 12 hours and the answer's cacheDuration follows its expiresAt (minus
    // the safety margin); the 5-minute default would only make kubelet exec again for nothing.
    if (!e.contains("cacheDuration") && std::holds_alternative<EcrSourceSpec>(out.source)) {
      out.cache_duration = kEcrDefaultCacheDuration;
    }
  }

  StaticSourceSpec Static(const json& s, const std::string& where) {
    StaticSourceSpec out;
    if (!s.is_object()) {
      Problem(where, "must be a map {username, password | passwordFile}, not " +
                         std::string(JsonTypeName(s)));
      return out;
    }
    UnknownKeys(s, where, {"username", "password", "passwordFile"});
    if (auto u = String(s, where, "username", true)) out.username = *u;
    DecodePassword(s, where, "", out.password, out.password_file, problems);
    return out;
  }

  void Top(const json& j, Config& out) {
    if (!j.is_object()) {
      Problem("", "config must be a map, not " + std::string(JsonTypeName(j)));
      return;
    }
    UnknownKeys(j, "", {"apiVersion", "kind", "stateDir", "registries", "metrics", "staleIfError"});
    if (auto a = String(j, "", "apiVersion", true); a && *a != kConfigApiVersion) {
      Problem("apiVersion", QuoteForError(*a) + " is not supported (want " +
                                std::string(kConfigApiVersion) + ")");
    }
    if (auto k = String(j, "", "kind", true); k && *k != kConfigKind) {
      Problem("kind", QuoteForError(*k) + ", want " + std::string(kConfigKind));
    }
    if (auto s = String(j, "", "stateDir", false)) {
      Absolute(*s, "stateDir");
      out.state_dir = *s;
    }
    if (auto m = j.find("metrics"); m != j.end() && !m->is_null()) {
      if (!m->is_object()) {
        Problem("metrics", "must be a map {textfile}, not " + std::string(JsonTypeName(*m)));
      } else {
        UnknownKeys(*m, "metrics", {"textfile"});
        if (auto t = String(*m, "metrics", "textfile", true)) {
          Absolute(*t, "metrics.textfile");
          out.metrics_textfile = *t;
        }
      }
    }
    if (auto s = DecodeBool(j, "staleIfError", "staleIfError", problems)) out.stale_if_error = *s;
    auto r = j.find("registries");
    if (r == j.end() || r->is_null()) {
      Problem("registries", "is required (a list of registry entries)");
    } else if (!r->is_array()) {
      Problem("registries", "must be a list, not " + std::string(JsonTypeName(*r)));
    } else if (r->empty()) {
      Problem("registries", "is empty");
    } else {
      for (std::size_t i = 0; i < r->size(); ++i) {
        RegistryEntry e;
        Entry((*r)[i], "registries[" + std::to_string(i) + "]", e);
        out.registries.push_back(std::move(e));
      }
      CheckMirrorUpstreams(out.registries, problems);
    }
  }
};

// JSON when it starts with '{', otherwise YAML typed as kubelet types its own config
// (docs/config.md, "Typing"), in exactly one document.
Result<json> ReadConfigDocument(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidArgument, "config is empty");
  }
  return ParseKubeDocument(text, "config",
                           {.documents = KubeYamlOptions::Documents::kExactlyOne,
                            .booleans = KubeYamlOptions::Booleans::kTrueFalse});
}

}  // namespace

ConfigDecode DecodeConfig(std::string_view text) {
  ConfigDecode d;
  auto doc = ReadConfigDocument(text);
  if (!doc.ok()) {
    d.problems.push_back(doc.error().message);
    return d;
  }
  Decoder dec;
  dec.Top(*doc, d.config);
  d.problems = std::move(dec.problems);
  return d;
}

ConfigDecode LoadConfig(const std::string& path, Env& env) {
  // Links followed (a ConfigMap volume), then every check is on the file actually read: a regular
  // file owned by the effective user or root (base/env.h), and its mode below.
  auto file = env.ReadOperatorFile(path, kMaxConfigBytes);
  if (!file.ok()) {
    ConfigDecode d;
    d.problems.push_back("config " + file.error().message);
    return d;
  }
  const std::string& text = file->data;
  if (auto bad = FirstInvalidUtf8(text)) {
    // YAML would carry ill-formed bytes into names and passwords; JSON configs refuse them anyway.
    ConfigDecode d;
    d.problems.push_back("config is not UTF-8 (ill-formed byte at offset " + std::to_string(*bad) +
                         ")");
    return d;
  }
  ConfigDecode d = DecodeConfig(text);
  d.config.path = path;
  bool inline_password = false;
  for (const RegistryEntry& e : d.config.registries) inline_password |= HoldsInlinePassword(e);
  const mode_t mode = file->info.mode;
  char m[8];
  std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode & 07777));
  // Whoever can write the config decides where credentials and service-account tokens are sent.
  if ((mode & 022) != 0) {
    d.problems.push_back("config " + path + " is writable by group or others (mode " + m +
                         "); chmod go-w it");
  }
  if (inline_password && (mode & 044) != 0) {
    d.problems.push_back("config " + path +
                         " holds an inline password but is readable by group or others (mode " + m +
                         "); chmod 600 it or use passwordFile");
  }
  return d;
}

Result<std::string> ConfigPathFrom(const std::optional<std::string>& flag,
                                   const std::optional<std::string>& env_value) {
  if (flag) {
    if (flag->empty()) return MakeError(ErrorKind::kInvalidArgument, "--config is empty");
    return *flag;
  }
  if (env_value && !env_value->empty()) return *env_value;
  return MakeError(ErrorKind::kInvalidArgument,
                   "no config given (pass --config=PATH or set PULLGUARD_CONFIG)");
}

}  // namespace pullguard
