// Repository-level evidence beside the kubelet records: which credential hashes pullguard proved
// able to pull from a repository, when, and until when. One file per repository.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "cache/records.h"

namespace pullguard {

struct ProofSource {
  enum class Kind { kNode, kServiceAccount };
  Kind kind = Kind::kNode;
  std::string ns, name, uid;  // service account coordinates (token's kubernetes.io claims)
  bool operator==(const ProofSource&) const = default;
};

struct RepositoryProof {
  std::string credential_hash;  // empty for an anonymous pull
  RecordTime proven_at{};
  std::optional<RecordTime> valid_until;
  std::string digest;  // optional
  ProofSource source;
  bool ValidAt(RecordTime now) const {
    return proven_at <= now && (!valid_until || now < *valid_until);
  }
};

class EvidenceStore {
 public:
  static constexpr std::size_t kMaxProofsPerRepository = 100;

  // `lock_timeout`: how long Add waits for another process holding the store's lock.
  EvidenceStore(Env& env, std::string dir,
                std::chrono::milliseconds lock_timeout = std::chrono::seconds(30));
  Status Init();  // creates the directory (0700)

  // Adds or refreshes the proof for (credential hash, source); drops expired proofs beyond the cap.
  Status Add(const std::string& repository, const RepositoryProof& proof, RecordTime now);
  // Proofs for a normalised repository name ("docker.io/library/busybox"); empty when none.
  Result<std::vector<RepositoryProof>> Get(const std::string& repository) const;
  // True when proofs exist for `credential_hash` on `repository` and none is valid at `now`.
  bool AllExpired(const std::string& credential_hash, const std::string& repository,
                  RecordTime now) const;

  struct Entry {
    std::string repository;
    std::vector<RepositoryProof> proofs;
  };
  Result<std::vector<Entry>> List() const;

 private:
  std::string PathFor(const std::string& repository) const;
  Env& env_;
  std::string dir_;
  std::chrono::milliseconds lock_timeout_;
};

std::string EncodeEvidence(const std::string& repository, const std::vector<RepositoryProof>& p);
Result<EvidenceStore::Entry> DecodeEvidence(std::string_view text);

}  // namespace pullguard
