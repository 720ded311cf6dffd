// Proof outcome files: one small JSON file per key, replaced by rename under a per-key flock.
// Each flight writes a fresh random id, so a waiter tells "a flight ended while I waited" from
// "an older outcome" without trusting clocks; only a token-backed proof outlives its flight.
#include "plugin/answer/proof_cache.h"

#include <array>
#include <nlohmann/json.hpp>
#include <random>

#include "base/lock_handoff.h"
#include "base/sha256.h"
#include "base/single_flight.h"

namespace pullguard {
namespace {

using std::chrono::system_clock;

constexpr int kFormatVersion = 1;
constexpr std::size_t kMaxProofFileBytes = 64 * 1024;

constexpr std::array<std::pair<ErrorKind, const char*>, 9> kKinds{{
    {ErrorKind::kInvalidArgument, "invalidArgument"},
    {ErrorKind::kNotFound, "notFound"},
    {ErrorKind::kPermission, "permission"},
    {ErrorKind::kCorrupt, "corrupt"},
    {ErrorKind::kIo, "io"},
    {ErrorKind::kNetwork, "network"},
    {ErrorKind::kUnauthorized, "unauthorized"},
    {ErrorKind::kUnavailable, "unavailable"},
    {ErrorKind::kInternal, "internal"},
}};

long long ToUnixNanos(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

system_clock::time_point FromUnixNanos(long long ns) {
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(ns)));
}

std::string NewFlightId() {
  std::random_device rd;
  std::string id;
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t v = rd();
    for (int b = 0; b < 8; ++b) id.push_back(kHex[(v >> (4 * b)) & 0xf]);
  }
  return id;
}

nlohmann::json KeyJson(const ProofKey& k) {
  nlohmann::json source = {
      {"kind", k.source.kind == ProofSource::Kind::kNode ? "node" : "serviceAccount"}};
  if (k.source.kind == ProofSource::Kind::kServiceAccount) {
    source["namespace"] = k.source.ns;
    source["name"] = k.source.name;
    source["uid"] = k.source.uid;
  }
  return {{"endpoint", k.endpoint},
          {"repository", k.repository},
          {"reference", k.reference},
          {"credentialHash", k.credential_hash},
          {"source", source}};
}

const std::string* StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool IntField(const nlohmann::json& j, const char* name, long long* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return false;
  *out = it->get<long long>();
  return true;
}

bool IsKeyHashName(const std::string& name, const char* suffix) {
  std::size_t n = std::char_traits<char>::length(suffix);
  if (name.size() != 64 + n || name.compare(64, n, suffix) != 0) return false;
  for (std::size_t i = 0; i < 64; ++i) {
    char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Does a stored outcome answer an exec now without a flight of its own?
bool Reusable(const ProofOutcome& o, system_clock::time_point now) {
  // decided_at <= now: an outcome stamped in the future (the clock was set back) is not trusted.
  return o.status.ok() && o.reusable_until && o.decided_at <= now && now < *o.reusable_until;
}

}  // namespace

std::string EncodeStoredProof(const StoredProof& s) {
  nlohmann::json j = {{"version", kFormatVersion},
                      {"flight", s.flight},
                      {"key", KeyJson(s.key)},
                      {"decidedAt", ToUnixNanos(s.outcome.decided_at)},
                      {"proven", s.outcome.status.ok()}};
  if (s.outcome.status.ok()) {
    if (!s.outcome.digest.empty()) j["digest"] = s.outcome.digest;
    if (s.outcome.reusable_until) j["reusableUntil"] = ToUnixNanos(*s.outcome.reusable_until);
  } else {
    const Error& e = s.outcome.status.error();
    for (const auto& [kind, name] : kKinds) {
      if (kind == e.kind) j["errorKind"] = name;
    }
    j["error"] = e.message;
  }
  return j.dump() + "\n";
}

Result<StoredProof> DecodeStoredProof(std::string_view text) {
  auto bad = [] { return MakeError(ErrorKind::kCorrupt, "proof cache file does not decode"); };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad();
  long long version = 0, decided = 0;
  if (!IntField(j, "version", &version) || version != kFormatVersion) return bad();
  if (!IntField(j, "decidedAt", &decided)) return bad();
  const std::string* flight = StringField(j, "flight");
  if (flight == nullptr || flight->empty()) return bad();
  auto key = j.find("key");
  if (key == j.end() || !key->is_object()) return bad();
  StoredProof s;
  s.flight = *flight;
  const std::string* fields[4] = {StringField(*key, "endpoint"), StringField(*key, "repository"),
                                  StringField(*key, "reference"),
                                  StringField(*key, "credentialHash")};
  for (const std::string* f : fields) {
    if (f == nullptr) return bad();
  }
  s.key.endpoint = *fields[0];
  s.key.repository = *fields[1];
  s.key.reference = *fields[2];
  s.key.credential_hash = *fields[3];
  auto source = key->find("source");
  if (source == key->end() || !source->is_object()) return bad();
  const std::string* kind = StringField(*source, "kind");
  if (kind == nullptr) return bad();
  if (*kind == "node") {
    s.key.source.kind = ProofSource::Kind::kNode;
  } else if (*kind == "serviceAccount") {
    s.key.source.kind = ProofSource::Kind::kServiceAccount;
    const std::string* ns = StringField(*source, "namespace");
    const std::string* name = StringField(*source, "name");
    const std::string* uid = StringField(*source, "uid");
    if (ns == nullptr || name == nullptr || uid == nullptr) return bad();
    s.key.source.ns = *ns;
    s.key.source.name = *name;
    s.key.source.uid = *uid;
  } else {
    return bad();
  }
  s.outcome.decided_at = FromUnixNanos(decided);
  auto proven = j.find("proven");
  if (proven == j.end() || !proven->is_boolean()) return bad();
  if (proven->get<bool>()) {
    if (auto d = j.find("digest"); d != j.end()) {
      if (!d->is_string()) return bad();
      s.outcome.digest = d->get<std::string>();
    }
    long long until = 0;
    if (j.contains("reusableUntil")) {
      if (!IntField(j, "reusableUntil", &until)) return bad();
      s.outcome.reusable_until = FromUnixNanos(until);
    }
  } else {
    const std::string* kname = StringField(j, "errorKind");
    const std::string* message = StringField(j, "error");
    if (kname == nullptr || message == nullptr || j.contains("reusableUntil")) return bad();
    std::optional<ErrorKind> ek;
    for (const auto& [k, name] : kKinds) {
      if (*kname == name) ek = k;
    }
    if (!ek) return bad();
    s.outcome.status = MakeError(*ek, *message);
  }
  return s;
}

ProofCache::ProofCache(Env& env, std::string dir, ProofCacheOptions options)
    : env_(env), dir_(std::move(dir)), options_(options) {}

std::string ProofCache::PathFor(const ProofKey& key) const {
  // Every part is NUL-terminated, so no two different keys join to the same text.
  std::string joined = "pullguard-proof-cache-v1";
  joined.push_back('\0');
  for (const std::string* part :
       {&key.endpoint, &key.repository, &key.reference, &key.credential_hash, &key.source.ns,
        &key.source.name, &key.source.uid}) {
    joined += *part;
    joined.push_back('\0');
  }
  joined += key.source.kind == ProofSource::Kind::kNode ? "node" : "serviceAccount";
  return dir_ + "/" + Sha256Hex(joined) + ".json";
}

ProofOutcome ProofCache::GetOrProve(const ProofKey& key,
                                    const std::function<system_clock::time_point()>& now,
                                    const Prover& prove, ProofAnswer* how) {
  std::string path = PathFor(key);
  // The key inside the file must match in full: a file name is only a hash.
  auto read = [&]() -> std::optional<StoredProof> {
    auto text = env_.ReadFile(path, kMaxProofFileBytes);
    if (!text.ok()) return std::nullopt;
    auto s = DecodeStoredProof(*text);
    if (!s.ok() || !(s->key == key)) return std::nullopt;
    return std::move(*s);
  };
  auto answer = [&](ProofAnswer a, ProofOutcome o) {
    if (how != nullptr) *how = a;
    return o;
  };

  std::optional<StoredProof> before = read();
  if (before && Reusable(before->outcome, now()))
    return answer(ProofAnswer::kReused, before->outcome);

  // Another process's flight that ends while this one waits: its outcome, read under a shared
  // lock by all the waiters at once, or a proof that is still good.
  auto landed = [&](const std::optional<StoredProof>& after) -> std::optional<ProofOutcome> {
    if (after && (!before || after->flight != before->flight)) {
      return answer(ProofAnswer::kShared, after->outcome);
    }
    if (after && Reusable(after->outcome, now())) {
      return answer(ProofAnswer::kReused, after->outcome);
    }
    return std::nullopt;
  };
  std::unique_ptr<FileLock> lock;
  if (env_.CreateDirs(dir_, 0700).ok()) {
    std::optional<ProofOutcome> joined;
    auto l = JoinFlight(env_, path.substr(0, path.size() - 5) + ".lock", options_.lock_timeout,
                        [&] { return (joined = landed(read())).has_value(); });
    if (joined) return *joined;
    if (!l.ok() && l.error().kind == ErrorKind::kUnavailable) {
      ProofOutcome busy;
      busy.status = MakeError(ErrorKind::kUnavailable,
                              "preflight: another pullguard process is still proving this "
                              "credential for " +
                                  key.repository);
      busy.decided_at = now();
      return answer(ProofAnswer::kBusy, busy);
    }
    if (l.ok()) lock = std::move(*l);
  }
  if (lock) {
    // The flight before this one may have ended between the try and the exclusive lock.
    if (auto o = landed(read())) return *o;
  }

  ProofOutcome outcome = prove();
  if (lock) {
    StoredProof s{key, NewFlightId(), outcome};
    // Losing this file in a crash only costs a new flight: no fsync on the exec's path.
    (void)env_.WriteFileAtomicNoSync(path, EncodeStoredProof(s), 0600);
    (void)Prune(now());
  }
  return answer(ProofAnswer::kProved, outcome);
}

Result<int> ProofCache::Prune(system_clock::time_point now) {
  auto names = env_.ListDir(dir_);
  if (!names.ok()) return names.error();
  int removed = 0;
  for (const std::string& name : *names) {
    std::string path = dir_ + "/" + name;
    if (IsKeyHashName(name, ".json")) {
      auto text = env_.ReadFile(path, kMaxProofFileBytes);
      if (!text.ok()) continue;
      auto s = DecodeStoredProof(*text);
      // Writes are atomic, so an undecodable file is corrupt (or emptied by a crash), not torn.
      if (s.ok() &&
          (Reusable(s->outcome, now) || s->outcome.decided_at + options_.prune_after > now)) {
        continue;
      }
      if (env_.RemoveFile(path).ok()) ++removed;
    } else if (IsKeyHashName(name, ".lock") && !HoldsUnadoptedLocks()) {
      std::string outcome = path.substr(0, path.size() - 5) + ".json";
      auto o = env_.Stat(outcome);
      auto info = env_.Stat(path);
      if (!o.ok() || o->exists || !info.ok() || !info->exists) continue;
      if (info->mtime + options_.prune_after > now) continue;
      // Removed only while this process holds it, and a process that then takes the removed file
      // takes the lock again on the path's new file (Env::LockFile): no flight is split.
      auto held = env_.LockFile(path, std::chrono::milliseconds(0));
      if (!held.ok()) continue;
      auto again = env_.Stat(outcome);
      if (!again.ok() || again->exists) continue;
      if (env_.RemoveFile(path).ok()) ++removed;
    }
  }
  return removed;
}

}  // namespace pullguard
