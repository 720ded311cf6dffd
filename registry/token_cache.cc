// Token cache files: one small JSON file per key, written atomically (0600) under a per-key
// flock, so concurrent execs either read a finished file or wait for the one process fetching.
#include "registry/token_cache.h"

#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "base/single_flight.h"
#include "registry/token_flow.h"

namespace pullguard::registry {
namespace {

using std::chrono::system_clock;

constexpr std::size_t kMaxTokenFileBytes = 64 * 1024;
constexpr int kFormatVersion = 1;

long long ToUnix(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

system_clock::time_point FromUnix(long long s) {
  return system_clock::time_point(std::chrono::seconds(s));
}

}  // namespace

std::string CredentialKeyHash(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (std::string_view p : parts) {
    joined.append(p);
    joined.push_back('\0');
  }
  std::string hex = Sha256Hex(joined);
  std::fill(joined.begin(), joined.end(), '\0');
  return hex;
}

std::string EncodeCachedToken(const CachedToken& token) {
  nlohmann::json j = {
      {"version", kFormatVersion},
      {"token", token.token.reveal()},
      {"issuedAt", ToUnix(token.issued_at)},
      {"expiresAt", ToUnix(token.expires_at)},
  };
  if (!token.refresh_token.empty()) j["refreshToken"] = token.refresh_token.reveal();
  return j.dump() + "\n";
}

Result<CachedToken> DecodeCachedToken(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [] { return MakeError(ErrorKind::kCorrupt, "token cache file does not decode"); };
  if (j.is_discarded() || !j.is_object()) return bad();
  auto v = j.find("version");
  auto t = j.find("token");
  auto i = j.find("issuedAt");
  auto e = j.find("expiresAt");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != kFormatVersion) return bad();
  if (t == j.end() || !t->is_string() || t->get_ref<const std::string&>().empty()) return bad();
  if (i == j.end() || !i->is_number_integer() || e == j.end() || !e->is_number_integer()) {
    return bad();
  }
  // Times past what system_clock holds (year 2262 in nanoseconds) would overflow: found by
  // token_fuzz (expiresAt 16737626305). A cache file is corrupt beyond 1970..2200.
  constexpr long long kMaxUnix = 7258118400;  // 2200-01-01
  for (auto* n : {&*i, &*e}) {
    if (!n->is_number_unsigned() && n->get<long long>() < 0) return bad();
    if (n->get<unsigned long long>() > static_cast<unsigned long long>(kMaxUnix)) return bad();
  }
  if (HasControlCharacter(t->get_ref<const std::string&>())) return bad();
  if (auto r = j.find("refreshToken");
      r != j.end() && r->is_string() && HasControlCharacter(r->get_ref<const std::string&>())) {
    return bad();
  }
  CachedToken out;
  out.token = Secret(t->get<std::string>());
  out.issued_at = FromUnix(i->get<long long>());
  out.expires_at = FromUnix(e->get<long long>());
  if (auto r = j.find("refreshToken"); r != j.end()) {
    if (!r->is_string()) return bad();
    out.refresh_token = Secret(r->get<std::string>());
  }
  return out;
}

TokenCache::TokenCache(Env& env, std::string dir, TokenCacheOptions options)
    : env_(env), dir_(std::move(dir)), options_(options) {}

std::string TokenCache::PathFor(const TokenCacheKey& key) const {
  return dir_ + "/" +
         CredentialKeyHash(
             {"pullguard-token-cache-v1", key.registry, key.credential_hash, key.scope}) +
         ".json";
}

std::optional<CachedToken> TokenCache::Get(const TokenCacheKey& key,
                                           system_clock::time_point now) const {
  auto hit = Lookup(PathFor(key), now);
  if (!hit.ok()) return std::nullopt;
  return std::move(*hit);
}

Result<std::optional<CachedToken>> TokenCache::Lookup(const std::string& path,
                                                      system_clock::time_point now) const {
  auto text = env_.ReadFile(path, kMaxTokenFileBytes);
  if (!text.ok()) {
    // A token file that is a link, a FIFO, or in a directory others can write is an attack on
    // the credential kubelet receives: fail loudly. Anything else (absent, unreadable) is a miss.
    if (text.error().kind == ErrorKind::kPermission) return text.error();
    return std::optional<CachedToken>();
  }
  auto token = DecodeCachedToken(*text);
  if (!token.ok()) return std::optional<CachedToken>();
  if (token->expires_at < now + options_.min_validity) return std::optional<CachedToken>();
  return std::optional<CachedToken>(std::move(*token));
}

Status TokenCache::Put(const TokenCacheKey& key, const CachedToken& token) {
  const std::string path = PathFor(key);
  PG_TRY(env_.CreateDirs(dir_, 0700));
  return env_.WriteFileAtomic(path, EncodeCachedToken(token), 0600);
}

Status TokenCache::Remove(const TokenCacheKey& key) {
  const std::string path = PathFor(key);
  return env_.RemoveFile(path);
}

Result<CachedToken> TokenCache::StaleOr(const std::string& path, system_clock::time_point now,
                                        const Error& failure) const {
  if (!options_.stale_if_error) return failure;
  if (failure.kind != ErrorKind::kNetwork && failure.kind != ErrorKind::kUnavailable)
    return failure;
  auto text = env_.ReadFile(path, kMaxTokenFileBytes);
  if (!text.ok()) return failure;
  auto token = DecodeCachedToken(*text);
  if (!token.ok() || token->expires_at < now + options_.stale_min_validity) return failure;
  return std::move(*token);
}

Result<CachedToken> TokenCache::GetOrFetch(const TokenCacheKey& key,
                                           const std::function<system_clock::time_point()>& now,
                                           const Fetcher& fetch, bool* fetched) {
  if (fetched != nullptr) *fetched = false;
  const std::string path = PathFor(key);
  auto first = Lookup(path, now());
  if (!first.ok()) return first.error();
  if (*first) return std::move(**first);

  // The cache is an optimisation: a directory that cannot be made (read-only file system) or a
  // lock that cannot be taken still lets the fetch happen. A directory or lock file that is not
  // safe (kPermission: a link, wrong owner, writable by others) fails the call instead.
  std::unique_ptr<FileLock> lock;
  Status dir = env_.CreateDirs(dir_, 0700);
  if (!dir.ok() && dir.error().kind == ErrorKind::kPermission) return dir.error();
  if (dir.ok()) {
    // A token that another process fetched while this one waited is read under a shared lock,
    // by all the waiters at once.
    std::optional<Result<CachedToken>> landed;
    auto l = JoinFlight(env_, path + ".lock", options_.lock_timeout, [&] {
      auto found = Lookup(path, now());
      if (!found.ok()) {
        landed = found.error();
      } else if (*found) {
        landed = std::move(**found);
      }
      return landed.has_value();
    });
    if (landed) return std::move(*landed);
    if (!l.ok() && l.error().kind == ErrorKind::kUnavailable) {
      return StaleOr(path, now(),
                     Error{ErrorKind::kUnavailable,
                           "token cache: another pullguard process is still fetching this token"});
    }
    if (!l.ok() && l.error().kind == ErrorKind::kPermission) return l.error();
    if (l.ok()) lock = std::move(*l);
  }
  // The process that held the lock before us has usually written the token by now.
  if (lock) {
    auto again = Lookup(path, now());
    if (!again.ok()) return again.error();
    if (*again) return std::move(**again);
  }
  if (fetched != nullptr) *fetched = true;
  auto token = fetch();
  if (!token.ok()) return StaleOr(path, now(), token.error());
  // A token that is not valid long enough to be reused is not worth a file.
  if (lock && token->expires_at >= now() + options_.min_validity) {
    (void)env_.WriteFileAtomic(path, EncodeCachedToken(*token), 0600);
    // Only after a network fetch, whose cost dwarfs a directory scan: the cached path stays cheap.
    (void)Prune(now());
  }
  return token;
}

Result<int> TokenCache::Prune(system_clock::time_point now) {
  auto names = env_.ListDir(dir_);
  if (!names.ok()) return names.error();
  int removed = 0;
  for (const std::string& name : *names) {
    // <64 hex>.json only: lock files stay (unlinking one that a waiter holds would let two
    // processes fetch at once), and foreign files are not ours to delete.
    if (name.size() != 69 || name.compare(64, 5, ".json") != 0) continue;
    std::string path = dir_ + "/" + name;
    // ReadFile opens without following links and wants a regular file, so a link or FIFO planted
    // here is never followed; only a file in pullguard's own format, expired, is deleted: a file
    // that does not decode is not known to be ours (the next write of its key replaces it).
    auto text = env_.ReadFile(path, kMaxTokenFileBytes);
    if (!text.ok()) continue;
    auto token = DecodeCachedToken(*text);
    if (!token.ok() || token->expires_at + options_.prune_after > now) continue;
    if (env_.RemoveFile(path).ok()) ++removed;
  }
  return removed;
}

}  // namespace pullguard::registry
