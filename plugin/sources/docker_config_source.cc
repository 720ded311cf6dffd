// The dockerConfig source: a docker config.json (or legacy .dockercfg) read at use, looked up
// with kubelet's keyring rules; response keys are the file's keys, normalised.
#include <set>
#include <string>
#include <vector>

#include "matcher/docker_config.h"
#include "matcher/keyring.h"
#include "matcher/urls_match.h"
#include "plugin/sources/source.h"

namespace pullguard {
namespace {

constexpr std::size_t kMaxDockerConfigBytes = 1024 * 1024;

class DockerConfigSource : public Source {
 public:
  explicit DockerConfigSource(DockerConfigSourceSpec spec) : spec_(std::move(spec)) {}

  std::string_view kind() const override { return "dockerConfig"; }

  Status Check(Env& env) const override {
    auto entries = Read(env);
    if (!entries.ok()) return entries.error();
    return Status::Ok();
  }

  Result<std::vector<KeyedCredential>> Lookup(const CredentialQuery& q, Env& env) const override {
    auto entries = Read(env);
    if (!entries.ok()) return entries.error();
    Keyring keyring;
    for (const KeyedCredential& e : *entries) keyring.Add(e.key, e.credential);
    // Exact keyring answer first (most specific first, Docker Hub fallback included) ...
    std::vector<KeyedCredential> out = keyring.Lookup(q.image);
    if (q.scope == CacheKeyType::kImage) return out;
    // ... then, for a shared cache key, every other key kubelet may need for a sibling image.
    std::set<std::string> seen;
    for (const KeyedCredential& k : out) seen.insert(k.key);
    std::string_view registry = RegistryOf(q.image);
    for (const KeyedCredential& e : *entries) {
      std::string key = NormalizeKeyringKey(e.key);
      if (seen.count(key) != 0) continue;
      if (q.scope == CacheKeyType::kRegistry && !PatternCoversRegistry(key, registry)) continue;
      seen.insert(key);
      out.push_back(KeyedCredential{key, e.credential});
    }
    return out;
  }

 private:
  Result<std::vector<KeyedCredential>> Read(Env& env) const {
    auto text = ReadPrivateFile(spec_.path, kMaxDockerConfigBytes, env);
    if (!text.ok()) return MakeError(text.error().kind, "dockerConfig: " + text.error().message);
    auto entries = ParseDockerConfig(*text);
    if (!entries.ok()) {
      return MakeError(entries.error().kind,
                       "dockerConfig: " + spec_.path + ": " + entries.error().message);
    }
    return entries;
  }

  DockerConfigSourceSpec spec_;
};

}  // namespace

std::unique_ptr<Source> MakeDockerConfigSource(const DockerConfigSourceSpec& spec) {
  return std::make_unique<DockerConfigSource>(spec);
}

}  // namespace pullguard
