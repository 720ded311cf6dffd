// Entry selection and merging. Kubelet caches a response under the image, its registry or one
// global key and re-matches the auth keys itself, so the answer for a wider cache key must carry
// every credential that any image sharing that key could need.
#include "plugin/answer/resolve.h"

#include <algorithm>
#include <string>
#include <vector>

#include "plugin/answer/mirrors.h"
#include "plugin/answer/preflight.h"
#include "plugin/kubelet/cache_key.h"
#include "plugin/ops/log.h"
#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"

namespace pullguard {
namespace {

int Width(CacheKeyType t) {
  switch (t) {
    case CacheKeyType::kImage:
      return 0;
    case CacheKeyType::kRegistry:
      return 1;
    case CacheKeyType::kGlobal:
      return 2;
  }
  return 0;
}

// Does the entry apply to some image that shares the cache key of `image` under `scope`?
Result<bool> Relevant(const RegistryEntry& e, std::string_view image, CacheKeyType scope) {
  for (const std::string& p : e.match) {
    auto in = PatternInScope(p, image, scope);
    if (!in.ok()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "image cannot be matched: " + in.error().message);
    }
    if (*in) return true;
  }
  return false;
}

}  // namespace

Result<CredentialProviderResponse> Resolve(const Config& config,
                                           const CredentialProviderRequest& request, Env& env) {
  return Resolve(config, request, env, ResolveOptions{});
}

Result<CredentialProviderResponse> Resolve(const Config& config,
                                           const CredentialProviderRequest& request, Env& env,
                                           const ResolveOptions& options) {
  CredentialProviderResponse resp;
  resp.version = request.version;
  std::string image = StripTagAndDigest(request.image);
  // An image of a registry some entry mirrors is answered with the mirror's credential
  // (plugin/answer/mirrors.h).
  if (auto route = FindMirror(config, request.image)) {
    return ResolveThroughMirror(config, request, *route, env, options);
  }

  // The narrowest cache key any applicable entry asks for; widening the set of entries for a
  // wider key may bring in an entry that wants a narrower one, so repeat until stable.
  std::vector<std::size_t> chosen;
  std::optional<CacheKeyType> scope;
  for (std::size_t i = 0; i < config.registries.size(); ++i) {
    auto r = Relevant(config.registries[i], image, CacheKeyType::kImage);
    if (!r.ok()) return r.error();
    if (!*r) continue;
    CacheKeyType t = config.registries[i].cache_key_type;
    if (!scope || Width(t) < Width(*scope)) scope = t;
  }
  // A Global answer would be reused for a mirrored registry's images without asking pullguard.
  if (scope == CacheKeyType::kGlobal && HasMirrors(config)) scope = CacheKeyType::kRegistry;
  if (!scope) {
    resp.cache_key_type = CacheKeyType::kImage;
    resp.cache_duration = 0;
    return resp;
  }
  for (;;) {
    chosen.clear();
    CacheKeyType narrowest = *scope;
    for (std::size_t i = 0; i < config.registries.size(); ++i) {
      auto r = Relevant(config.registries[i], image, *scope);
      if (!r.ok()) return r.error();
      if (!*r) continue;
      chosen.push_back(i);
      CacheKeyType t = config.registries[i].cache_key_type;
      if (Width(t) < Width(narrowest)) narrowest = t;
    }
    if (narrowest == *scope) break;
    scope = narrowest;
  }

  resp.cache_key_type = *scope;
  GoDuration duration = config.registries[chosen.front()].cache_duration;
  for (std::size_t i : chosen) {
    const RegistryEntry& e = config.registries[i];
    // Each entry reaches its registry under its own transport rules.
    std::optional<ExchangeContext> entry_ctx;
    if (options.exchange != nullptr) {
      entry_ctx = *options.exchange;
      entry_ctx->transport = e.transport;
    }
    const ExchangeContext* ctx = entry_ctx ? &*entry_ctx : nullptr;
    CredentialQuery q{image, *scope, ctx};
    duration = std::min(duration, e.cache_duration);
    auto source = MakeSource(e);
    auto creds = source->Answer(q, env);
    if (!creds.ok()) {
      return MakeError(creds.error().kind,
                       "registries[" + std::to_string(i) + "]." + creds.error().message);
    }
    // Short-lived credentials must leave kubelet's cache before they stop working.
    if (creds->expires_at && options.exchange != nullptr) {
      duration =
          std::min(duration, CacheDurationUntil(creds->issued_at.value_or(options.exchange->now()),
                                                *creds->expires_at, options.exchange->now()));
    }
    if (e.verify) {
      if (options.exchange == nullptr || options.proofs == nullptr) {
        return MakeError(ErrorKind::kInternal,
                         "registries[" + std::to_string(i) + "].verify: no preflight context");
      }
      Status st = VerifyAnswer(request.image, *creds, *ctx, *options.proofs, env);
      if (!st.ok()) {
        ++CurrentRunCounters().preflight_refusals;
        Log(LogLevel::kInfo, "preflight.refused",
            {{"entry", i}, {"image", request.image}, {"error", st.error().message}});
        return MakeError(st.error().kind,
                         "registries[" + std::to_string(i) + "]: " + st.error().message);
      }
    }
    Log(LogLevel::kDebug, "entry.answered",
        {{"entry", i},
         {"source", source->kind()},
         {"credentials", creds->auth.size()},
         {"identity", creds->identity},
         {"verified", e.verify}});
    // Config order decides between entries; EncodeResponse keeps the first of a repeated key.
    for (KeyedCredential& k : creds->auth) resp.auth.push_back(std::move(k));
  }
  resp.cache_duration = duration;
  return resp;
}

}  // namespace pullguard
