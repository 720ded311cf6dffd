// Credential sources: where a registry entry's credentials come from. One implementation per
// file (<kind>_source.cc); a new source plugs in here (docs/ARCHITECTURE.md says where else).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "matcher/keyring.h"
#include "plugin/config/config.h"
#include "plugin/kubelet/cache_key.h"

namespace pullguard {

// What the response is for: the image (tag and digest already stripped) and how kubelet will
// cache the answer. A wider scope asks for every credential that applies to images sharing the
// cache key, because kubelet reuses the cached auth map for them and matches its keys itself.
struct ExchangeContext;  // plugin/sources/exchange_context.h

struct CredentialQuery {
  std::string image;
  CacheKeyType scope = CacheKeyType::kImage;
  // The request's identity, clock, state dir and network, for the sources that exchange an
  // identity for a credential. Null: those sources fail with a clear message.
  const ExchangeContext* exchange = nullptr;
};

// Lookup's credentials plus what kubelet's cache and a preflight proof need to know about them.
struct SourceAnswer {
  std::vector<KeyedCredential> auth;
  // Short-lived credentials: when they were issued and when they stop working.
  std::optional<std::chrono::system_clock::time_point> issued_at, expires_at;
  bool from_service_account = false;  // bought with the pod's service-account token
  // Whose credential it is, when the source can say (cloud identities: "node (...)", "pod ns/name
  // as account"), for doctor and the logs; never a secret.
  std::string identity;
};

class Source {
 public:
  virtual ~Source() = default;
  // Field name in messages ("static", "dockerConfig").
  virtual std::string_view kind() const = 0;
  // Files exist, are private and decode. Messages start with the field ("static.passwordFile").
  virtual Status Check(Env& env) const = 0;
  // Credentials keyed by response auth key (matchImages syntax), most specific first.
  virtual Result<std::vector<KeyedCredential>> Lookup(const CredentialQuery& q, Env& env) const = 0;
  // Lookup plus expiry and origin; the default is Lookup with no expiry (files).
  virtual Result<SourceAnswer> Answer(const CredentialQuery& q, Env& env) const;
};

std::unique_ptr<Source> MakeSource(const RegistryEntry& entry);
std::unique_ptr<Source> MakeStaticSource(const StaticSourceSpec& spec,
                                         const std::vector<std::string>& patterns);
std::unique_ptr<Source> MakeDockerConfigSource(const DockerConfigSourceSpec& spec);
std::unique_ptr<Source> MakeTokenExchangeSource(const TokenExchangeSourceSpec& spec,
                                                const std::vector<std::string>& patterns);
std::unique_ptr<Source> MakeRefreshTokenSource(const RefreshTokenSourceSpec& spec,
                                               const std::vector<std::string>& patterns);
std::unique_ptr<Source> MakeFederatedTokenSource(const FederatedTokenSourceSpec& spec,
                                                 const std::vector<std::string>& patterns);
std::unique_ptr<Source> MakeGcpSource(const GcpSourceSpec& spec,
                                      const std::vector<std::string>& patterns);
std::unique_ptr<Source> MakeAcrSource(const AcrSourceSpec& spec,
                                      const std::vector<std::string>& patterns);
std::unique_ptr<Source> MakeEcrSource(const EcrSourceSpec& spec,
                                      const std::vector<std::string>& patterns);

// Reads a file that holds a secret: regular file, not readable by group or others, at most
// max_bytes. Errors name the path and the mode, never the content.
Result<std::string> ReadPrivateFile(const std::string& path, std::size_t max_bytes, Env& env);

// The password of a login ({username, password | passwordFile}: static, refreshToken): the inline
// one, or the one line of a private file (a trailing newline is not part of it). `field` names
// the source in messages ("static" -> "static.passwordFile: ...").
Result<Secret> LoginPassword(const StaticSourceSpec& login, std::string_view field, Env& env);

}  // namespace pullguard
