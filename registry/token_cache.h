// The token cache in <stateDir>/tokens/: registry tokens (and refresh tokens) shared by concurrent
// pullguard processes, so that N execs for the same key make one token request between them.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "base/secret.h"

namespace pullguard::registry {

// What a token is for. Only FileName() reaches the disk, and it is a hash: neither the
// credential hash nor the scope can be read back from a file name.
struct TokenCacheKey {
  std::string registry;         // host[:port] or token endpoint URL
  std::string credential_hash;  // CredentialKeyHash() of what the token was bought with
  std::string scope;            // "repository:team/app:pull", "refresh", "exchange aud scope"
};

struct CachedToken {
  Secret token;
  Secret refresh_token;  // may be empty
  std::chrono::system_clock::time_point issued_at;
  std::chrono::system_clock::time_point expires_at;
};

// sha256 hex of the NUL-joined parts (64 characters). For credentials the parts are e.g.
// {kind, username, password}; the result is safe to store and log.
std::string CredentialKeyHash(std::initializer_list<std::string_view> parts);

struct TokenCacheOptions {
  // A cached token is handed out only while it stays valid for at least this long.
  std::chrono::seconds min_validity{30};
  // How long a process waits for another one fetching the same key.
  std::chrono::milliseconds lock_timeout{20000};
  // Stale-if-error: when the fetch fails for want of a server (kNetwork: down, slow, TLS;
  // kUnavailable: 429/5xx storms, a busy lock), a cached token that min_validity already retired
  // is still handed out while it stays valid for at least stale_min_validity. Never after a
  // refusal (kUnauthorized) or a malformed answer.
  bool stale_if_error = false;
  std::chrono::seconds stale_min_validity{10};
  // Token files expired for longer than this are deleted by Prune().
  std::chrono::seconds prune_after{3600};
};

class TokenCache {
 public:
  // `dir` is <stateDir>/tokens; created 0700 on first write.
  TokenCache(Env& env, std::string dir, TokenCacheOptions options = {});

  // A valid cached token, or nullopt (absent, expired, unreadable: a corrupt file is a miss).
  std::optional<CachedToken> Get(const TokenCacheKey& key,
                                 std::chrono::system_clock::time_point now) const;
  Status Put(const TokenCacheKey& key, const CachedToken& token);
  Status Remove(const TokenCacheKey& key);

  using Fetcher = std::function<Result<CachedToken>()>;
  // Single-flight across processes: a valid cached token is returned without locking; otherwise
  // lock the key, look again (another process may have fetched it meanwhile), fetch, write, unlock.
  // When the cache directory cannot be used the fetch still happens (the cache is an
  // optimisation); a lock that stays busy past lock_timeout is kUnavailable; a cache file, lock or
  // directory that is not safe (a link, a FIFO, writable by others: kPermission) is an error.
  // `fetched`, when given, says whether this call ran the fetcher.
  Result<CachedToken> GetOrFetch(const TokenCacheKey& key,
                                 const std::function<std::chrono::system_clock::time_point()>& now,
                                 const Fetcher& fetch, bool* fetched = nullptr);

  // Deletes token files expired for longer than prune_after; returns how many. Files that do not
  // decode as a token file are left alone (not known to be pullguard's).
  // GetOrFetch calls it after each fetch it stores, so the directory does not grow without bound.
  Result<int> Prune(std::chrono::system_clock::time_point now);

  // "<dir>/<sha256 of the key>.json"
  std::string PathFor(const TokenCacheKey& key) const;

 private:
  // The cached token at `path` if valid for min_validity; an unsafe file or directory
  // (kPermission from the Env) is an error, anything else unusable a miss.
  Result<std::optional<CachedToken>> Lookup(const std::string& path,
                                            std::chrono::system_clock::time_point now) const;
  // The stale-if-error answer to a failed fetch: the cached token, or `failure` itself.
  Result<CachedToken> StaleOr(const std::string& path, std::chrono::system_clock::time_point now,
                              const Error& failure) const;

  Env& env_;
  std::string dir_;
  TokenCacheOptions options_;
};

// The token file's JSON (exposed for tests). Decoding rejects anything malformed.
std::string EncodeCachedToken(const CachedToken& token);
Result<CachedToken> DecodeCachedToken(std::string_view text);

}  // namespace pullguard::registry
