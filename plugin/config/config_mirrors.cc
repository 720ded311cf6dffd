// Each problem of a `mirrors` block named with its path: the upstream must be a registry host as
// kubelet names it in the image (no scheme, path or wildcard; Docker Hub is docker.io), the mirror
// a registry host[:port] with an optional path prefix, covered by the entry's own `match`.
#include "plugin/config/config_mirrors.h"

#include <nlohmann/json.hpp>

#include "base/quote.h"
#include "base/strict_json.h"
#include "matcher/reference.h"
#include "plugin/config/config_sources.h"
#include "plugin/kubelet/cache_key.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

constexpr std::pair<std::string_view, MirrorCredentialsStrategy> kStrategies[] = {
    {"MirrorCredentialsOnly", MirrorCredentialsStrategy::kMirrorOnly},
    {"MirrorCredentialsFirst", MirrorCredentialsStrategy::kMirrorFirst},
    {"MirrorCredentialsLast", MirrorCredentialsStrategy::kMirrorLast},
};

bool HasScheme(std::string_view s) {
  return s.find("://") != std::string_view::npos;
}

// The problem with `upstream` as a mirrors key, or "" when it is a registry host[:port].
std::string UpstreamProblem(const std::string& upstream) {
  if (upstream.empty()) return "an upstream registry is empty";
  std::string q = QuoteForError(upstream);
  if (HasScheme(upstream)) return q + ": write the registry host[:port] without a scheme";
  if (upstream.find('/') != std::string::npos) {
    return q +
           ": write the registry host[:port] without a path (containerd's hosts.toml mirrors "
           "whole registries)";
  }
  if (upstream.find('*') != std::string::npos) {
    return q + ": a wildcard is not a registry; name each upstream registry";
  }
  if (upstream == "index.docker.io" || upstream == "registry-1.docker.io") {
    return q + ": kubelet names Docker Hub images docker.io/...; write docker.io";
  }
  auto ref = ParseNormalizedReference(upstream + "/x");
  if (!ref.ok() || ref->domain != upstream) {
    return q + " is not a registry host[:port] (a host needs a '.' or a port, or is localhost)";
  }
  return "";
}

}  // namespace

std::string_view MirrorCredentialsStrategyName(MirrorCredentialsStrategy s) {
  for (const auto& [name, value] : kStrategies) {
    if (value == s) return name;
  }
  return "?";
}

void DecodeMirrors(const json& e, const std::string& where, RegistryEntry& out,
                   std::vector<std::string>& problems) {
  auto problem = [&](const std::string& path, const std::string& what) {
    problems.push_back(path + ": " + what);
  };
  auto m = e.find("mirrors");
  bool has_mirrors = m != e.end() && !m->is_null();
  if (has_mirrors) {
    const std::string mw = where + ".mirrors";
    if (!m->is_object()) {
      problem(mw,
              "must be a map {upstream registry: mirror}, not " + std::string(JsonTypeName(*m)));
    } else if (m->empty()) {
      problem(mw, "is empty");
    } else {
      for (const auto& [upstream, value] : m->items()) {
        if (std::string why = UpstreamProblem(upstream); !why.empty()) {
          problem(mw, why);
          continue;
        }
        const std::string vw = mw + "[" + QuoteForError(upstream) + "]";
        if (!value.is_string()) {
          problem(vw, NotAString(value));
          continue;
        }
        const std::string& mirror = value.get_ref<const std::string&>();
        if (mirror.empty()) {
          problem(vw, "is empty");
          continue;
        }
        if (HasScheme(mirror)) {
          problem(vw, QuoteForError(mirror) +
                          ": write the mirror as host[:port][/path] without a scheme (plain HTTP "
                          "or TLS is the entry's insecure/caFile)");
          continue;
        }
        auto ref = ParseNormalizedReference(mirror + "/x");
        if (!ref.ok() || ref->domain.empty() || ref->Name() != mirror + "/x") {
          problem(vw, QuoteForError(mirror) + " is not a registry host[:port][/path]");
          continue;
        }
        if (ref->domain == upstream) {
          problem(vw, "a registry cannot be its own mirror");
          continue;
        }
        bool covered = false;
        for (const std::string& p : out.match)
          covered = covered || PatternCoversRegistry(p, ref->domain);
        if (!out.match.empty() && !covered) {
          problem(vw, "the mirror " + QuoteForError(ref->domain) +
                          " is not covered by this entry's match patterns: the entry's credential "
                          "is the mirror's, so list the mirror in match");
          continue;
        }
        out.mirrors.push_back({upstream, mirror});
      }
    }
  }
  auto s = e.find("mirrorCredentialsStrategy");
  if (s == e.end() || s->is_null()) return;
  const std::string sw = where + ".mirrorCredentialsStrategy";
  if (!s->is_string()) {
    problem(sw, NotAString(*s));
    return;
  }
  const std::string& name = s->get_ref<const std::string&>();
  bool known = false;
  for (const auto& [n, value] : kStrategies) {
    if (n == name) {
      out.mirror_credentials = value;
      known = true;
    }
  }
  if (!known) {
    problem(sw, QuoteForError(name) +
                    " is not one of MirrorCredentialsOnly, MirrorCredentialsFirst, "
                    "MirrorCredentialsLast");
  } else if (!has_mirrors) {
    problem(sw, "has no effect without mirrors");
  }
}

void CheckMirrorUpstreams(const std::vector<RegistryEntry>& entries,
                          std::vector<std::string>& problems) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (const MirrorRoute& r : entries[i].mirrors) {
      for (std::size_t j = 0; j < i; ++j) {
        for (const MirrorRoute& earlier : entries[j].mirrors) {
          if (earlier.upstream != r.upstream) continue;
          problems.push_back("registries[" + std::to_string(i) + "].mirrors[" +
                             QuoteForError(r.upstream) + "]: already mirrored by registries[" +
                             std::to_string(j) + "]; one entry per upstream registry");
        }
      }
    }
  }
}

}  // namespace pullguard
