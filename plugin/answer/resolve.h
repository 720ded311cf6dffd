// From a decoded request and config to the response: which entries apply, how kubelet may cache
// the answer, and the merged auth map.
#pragma once

#include "base/env.h"
#include "base/result.h"
#include "plugin/config/config.h"
#include "plugin/kubelet/protocol.h"

namespace pullguard {

// No entry matching the image is not an error: the response has an empty auth (kubelet pulls
// anonymously), cacheKeyType Image and cacheDuration 0s, so a config fix applies at once.
// Errors name the entry ("registries[1].static.passwordFile: ...") and never a secret.
Result<CredentialProviderResponse> Resolve(const Config& config,
                                           const CredentialProviderRequest& request, Env& env);

// What the exchange sources and `verify` need (plugin/sources/exchange_context.h,
// plugin/answer/preflight.h). Without them those entries fail with a clear message.
struct ExchangeContext;
class ProofSink;
struct ResolveOptions {
  const ExchangeContext* exchange = nullptr;
  ProofSink* proofs = nullptr;
};
Result<CredentialProviderResponse> Resolve(const Config& config,
                                           const CredentialProviderRequest& request, Env& env,
                                           const ResolveOptions& options);

}  // namespace pullguard
