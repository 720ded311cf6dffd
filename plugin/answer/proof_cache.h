// The proof cache in <stateDir>/proofs/: preflight proofs made once per flight across concurrent
// pullguard processes, and a token-backed proof reused by later execs while its pull token lives,
// so that a pull storm for one image costs one preflight (docs/sources.md, "Proof cache").
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "cache/evidence_store.h"

namespace pullguard {

// What a proof is about. An exec uses a stored outcome only when every field is equal: another
// credential (hash), another repository or reference, another way of reaching the registry, or
// another principal the proof is recorded for is another proof.
struct ProofKey {
  std::string endpoint;         // base URL and TLS rules (verification, CA and client files)
  std::string repository;       // normalised: "registry.example:5000/team/app"
  std::string reference;        // the digest, else the tag, as requested; "" for a repository
  std::string credential_hash;  // kubelet's CredentialHash() of the credential proven
  ProofSource source;           // the node, or the service account the proof is recorded for
  bool operator==(const ProofKey&) const = default;
};

struct ProofOutcome {
  Status status;       // Ok: proven; otherwise the refusal or failure (one line, no secret)
  std::string digest;  // proven for a tag or digest: the manifest digest the registry named
  std::chrono::system_clock::time_point decided_at{};
  // Set only for a proof made with a pull token: later execs may reuse it until then (the
  // prover caps it by the token's expiry and the credential's). Unset: the outcome answers only
  // the execs that were waiting for this flight.
  std::optional<std::chrono::system_clock::time_point> reusable_until;
};

// How GetOrProve answered.
enum class ProofAnswer {
  kReused,  // a stored proof still reusable: no lock, no network
  kShared,  // the outcome of a flight that ended while this exec waited for it
  kProved,  // this exec made the flight
  kBusy,    // another exec held the key's lock past lock_timeout (the outcome is kUnavailable)
};

struct ProofCacheOptions {
  // How long an exec waits for another one proving the same key.
  std::chrono::milliseconds lock_timeout{30000};
  // Outcomes no longer reusable, and lock files without an outcome, are deleted by Prune() after
  // this long.
  std::chrono::seconds prune_after{600};
};

class ProofCache {
 public:
  // `dir` is <stateDir>/proofs; created 0700 on first use, files 0600.
  ProofCache(Env& env, std::string dir, ProofCacheOptions options = {});

  using Prover = std::function<ProofOutcome()>;
  // Single-flight across processes, keyed by `key`:
  //  1. a stored proven outcome with reusable_until > now answers at once (kReused);
  //  2. otherwise the key's lock is taken; an outcome written by a flight that ended after this
  //     exec first looked (any outcome: proven, refused or failed) answers it (kShared), as does a
  //     proof that became reusable meanwhile;
  //  3. otherwise `prove` runs under the lock and its outcome is stored for the waiters (kProved).
  // A failure is never reused beyond its own flight. When the directory cannot be used the proof
  // is still made (the cache is an optimisation); a lock busy past lock_timeout is kUnavailable.
  ProofOutcome GetOrProve(const ProofKey& key,
                          const std::function<std::chrono::system_clock::time_point()>& now,
                          const Prover& prove, ProofAnswer* how = nullptr);

  // Deletes outcomes that are no longer reusable and older than prune_after, corrupt ones, and
  // lock files without an outcome older than prune_after that no process holds (taken with a
  // try-lock while they are removed; Env::LockFile retakes a lock whose file went away, so a
  // waiter on a removed file cannot prove beside the next flight). No lock file is removed while
  // the process holds locks handed over by the static front that it has not adopted yet
  // (base/lock_handoff.h): the try-lock would adopt one and drop it. Returns how many files.
  Result<int> Prune(std::chrono::system_clock::time_point now);

  // "<dir>/<sha256 of the key>.json"
  std::string PathFor(const ProofKey& key) const;

 private:
  Env& env_;
  std::string dir_;
  ProofCacheOptions options_;
};

// The outcome file (exposed for tests): the key in full, the flight's random id, the outcome.
// Decoding rejects anything malformed (a corrupt file reads as absent).
struct StoredProof {
  ProofKey key;
  std::string flight;
  ProofOutcome outcome;
};
std::string EncodeStoredProof(const StoredProof& stored);
Result<StoredProof> DecodeStoredProof(std::string_view text);

}  // namespace pullguard
