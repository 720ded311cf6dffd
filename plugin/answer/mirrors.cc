// Mirrored images. Facts this file stands on (read in the upstream sources, cited in
// docs/sources.md "Mirrors"):
// - kubelet looks credentials up for the normalised upstream name (kuberuntime_image.go:
//   keyring.Lookup(repoToPull)) and tries every match in turn, most specific key first
//   (keyring.go: the index sorted in reverse lexical order), passing each to the CRI PullImage
//   without a ServerAddress;
// - containerd's CRI hands that auth to every host it tries for the image (image_pull.go:
//   ParseAuth ignores the host when ServerAddress is empty): the hosts.toml mirror first, then the
//   upstream server. Whichever credential kubelet tries is seen by both.
#include "plugin/answer/mirrors.h"

#include <algorithm>
#include <optional>

#include "cache/proof_sink.h"

#include "matcher/reference.h"
#include "plugin/config/config_mirrors.h"
#include "plugin/kubelet/cache_key.h"
#include "plugin/ops/log.h"

namespace pullguard {
namespace {

// Every label of the host replaced by '*' from the left, one more each time; the port kept.
// "*" sorts below every character a registry host starts with, so each key sorts below the one
// before it and below the registry itself. IPv6 literals have no labels to glob.
std::vector<std::string> GlobbedRegistries(std::string_view registry) {
  std::vector<std::string> out;
  if (registry.empty() || registry.front() == '[') return out;
  std::size_t colon = registry.find(':');
  std::string_view host = registry.substr(0, colon);
  std::string_view port = colon == std::string_view::npos ? "" : registry.substr(colon);
  std::vector<std::string_view> labels;
  for (std::size_t start = 0;;) {
    std::size_t dot = host.find('.', start);
    labels.push_back(host.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (std::size_t k = 0; k < labels.size(); ++k) {
    std::string key;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) key += '.';
      key += i <= k ? std::string_view("*") : labels[i];
    }
    out.push_back(key + std::string(port));
  }
  return out;
}

std::vector<Credential> LookupAll(const std::vector<KeyedCredential>& auth, std::string_view name) {
  Keyring ring;
  for (const KeyedCredential& k : auth) ring.Add(k.key, k.credential);
  std::vector<Credential> out;
  for (KeyedCredential& k : ring.Lookup(name)) out.push_back(std::move(k.credential));
  return out;
}

// Kubelet records a pull under the image the pod names, the upstream one, so a proof made at the
// mirror (same manifest digest, the credential kubelet will pass for the upstream name) is recorded
// under that name: a record under the mirror's name would never be looked up.
class UpstreamNamedSink : public ProofSink {
 public:
  UpstreamNamedSink(ProofSink& inner, const MirrorMatch& route) : inner_(inner), route_(route) {}
  Status RecordProof(const PullProof& proof) override {
    PullProof renamed = proof;
    if (renamed.image.rfind(route_.mirror_name, 0) == 0) {
      renamed.image = route_.upstream_name + renamed.image.substr(route_.mirror_name.size());
    }
    return inner_.RecordProof(renamed);
  }

 private:
  ProofSink& inner_;
  const MirrorMatch& route_;
};

// A copy of the config where only the entries `keep` says may answer, and no mirrors: the two
// questions a mirrored image splits into are plain ones.
template <typename Keep>
Config PlainConfig(const Config& config, Keep keep) {
  Config c = config;
  for (std::size_t i = 0; i < c.registries.size(); ++i) {
    if (!keep(i)) c.registries[i].match.clear();  // an entry without patterns never applies
    c.registries[i].mirrors.clear();
  }
  return c;
}

}  // namespace

bool HasMirrors(const Config& config) {
  return std::any_of(config.registries.begin(), config.registries.end(),
                     [](const RegistryEntry& e) { return !e.mirrors.empty(); });
}

std::optional<MirrorMatch> FindMirror(const Config& config, std::string_view image) {
  if (!HasMirrors(config)) return std::nullopt;
  auto ref = ParseNormalizedReference(image);
  if (!ref.ok() || ref->domain.empty()) return std::nullopt;
  for (std::size_t i = 0; i < config.registries.size(); ++i) {
    for (const MirrorRoute& r : config.registries[i].mirrors) {
      if (r.upstream != ref->domain) continue;
      MirrorMatch m;
      m.entry = i;
      m.upstream_name = ref->Name();
      m.mirror_name = r.mirror + "/" + ref->path;
      std::string suffix;
      if (!ref->tag.empty()) suffix += ":" + ref->tag;
      if (!ref->digest.empty()) suffix += "@" + ref->digest;
      m.mirror_reference = m.mirror_name + suffix;
      // Normalised, so entries match as they do for kubelet's request ("busybox" by hand is
      // docker.io/library/busybox).
      m.upstream_reference = m.upstream_name + suffix;
      return m;
    }
  }
  return std::nullopt;
}

std::vector<std::string> OrderedKeysFor(std::string_view name) {
  std::string_view registry = RegistryOf(name);
  std::vector<std::string> keys;
  auto add = [&](std::string key) {
    // Kubelet drops a leading /v1/ or /v2/ from a key's path; such a key would match otherwise.
    if (NormalizeKeyringKey(key) == key) keys.push_back(std::move(key));
  };
  std::string path(name.size() > registry.size() ? name.substr(registry.size() + 1) : "");
  add(std::string(name));
  for (std::size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0;
       slash = path.rfind('/', slash - 1)) {
    add(std::string(registry) + "/" + path.substr(0, slash));
  }
  if (!path.empty()) add(std::string(registry));
  for (std::string& g : GlobbedRegistries(registry)) add(std::move(g));
  return keys;
}

std::vector<KeyedCredential> MirroredAuth(MirrorCredentialsStrategy strategy,
                                          std::string_view upstream_name,
                                          std::vector<Credential> mirror,
                                          std::vector<Credential> upstream) {
  std::vector<Credential> order;
  auto append = [&](std::vector<Credential>& v) {
    for (Credential& c : v) {
      // The same credential twice would only make kubelet pull twice with it.
      if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(std::move(c));
    }
  };
  switch (strategy) {
    case MirrorCredentialsStrategy::kMirrorOnly:
      append(mirror);
      break;
    case MirrorCredentialsStrategy::kMirrorFirst:
      append(mirror);
      append(upstream);
      break;
    case MirrorCredentialsStrategy::kMirrorLast:
      append(upstream);
      append(mirror);
      break;
  }
  std::vector<std::string> keys = OrderedKeysFor(upstream_name);
  if (order.size() > keys.size()) {
    Log(LogLevel::kInfo, "mirror.credentials_dropped",
        {{"image", upstream_name}, {"dropped", order.size() - keys.size()}});
  }
  std::vector<KeyedCredential> auth;
  for (std::size_t i = 0; i < order.size() && i < keys.size(); ++i) {
    auth.push_back({keys[i], std::move(order[i])});
  }
  return auth;
}

Result<CredentialProviderResponse> ResolveThroughMirror(const Config& config,
                                                        const CredentialProviderRequest& request,
                                                        const MirrorMatch& route, Env& env,
                                                        const ResolveOptions& options) {
  const std::string where = "registries[" + std::to_string(route.entry) + "]";
  // The mirror's credential: the mirroring entry alone, asked for the repository on the mirror
  // (so refreshToken, ecr and `verify` talk to the mirror, as containerd will).
  CredentialProviderRequest mirror_request = request;
  mirror_request.image = route.mirror_reference;
  ResolveOptions mirror_options = options;
  std::optional<UpstreamNamedSink> renamed;
  if (options.proofs != nullptr) mirror_options.proofs = &renamed.emplace(*options.proofs, route);
  auto mirror = Resolve(PlainConfig(config, [&](std::size_t i) { return i == route.entry; }),
                        mirror_request, env, mirror_options);
  if (!mirror.ok()) return mirror.error();
  std::vector<Credential> mirror_creds = LookupAll(mirror->auth, route.mirror_name);
  if (mirror_creds.empty()) {
    return MakeError(ErrorKind::kNotFound, where + ": the entry has no credential for " +
                                               route.mirror_name + " (the mirror of " +
                                               route.upstream_name + ")");
  }
  CredentialProviderResponse resp;
  resp.version = request.version;
  resp.cache_key_type = CacheKeyType::kImage;
  resp.cache_duration = mirror->cache_duration;

  // The upstream's credentials, from the other entries, only when the strategy hands them out:
  // whatever kubelet tries reaches the mirror too.
  std::vector<Credential> upstream_creds;
  const MirrorCredentialsStrategy strategy = config.registries[route.entry].mirror_credentials;
  if (strategy != MirrorCredentialsStrategy::kMirrorOnly) {
    CredentialProviderRequest upstream_request = request;
    upstream_request.image = route.upstream_reference;
    auto upstream = Resolve(PlainConfig(config, [&](std::size_t i) { return i != route.entry; }),
                            upstream_request, env, options);
    if (!upstream.ok()) return upstream.error();
    upstream_creds = LookupAll(upstream->auth, route.upstream_name);
    if (!upstream_creds.empty() && upstream->cache_duration && resp.cache_duration) {
      resp.cache_duration = std::min(*resp.cache_duration, *upstream->cache_duration);
    }
  }
  Log(LogLevel::kDebug, "mirror.answered",
      {{"entry", route.entry},
       {"mirror", route.mirror_name},
       {"strategy", MirrorCredentialsStrategyName(strategy)},
       {"mirror_credentials", mirror_creds.size()},
       {"upstream_credentials", upstream_creds.size()}});
  resp.auth = MirroredAuth(strategy, route.upstream_name, std::move(mirror_creds),
                           std::move(upstream_creds));
  return resp;
}

}  // namespace pullguard
