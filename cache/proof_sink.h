// The narrow interface the registry side calls (through plugin/) after a preflight proved that a
// credential pulls from a repository. cache/ and registry/ never include each other.
#pragma once

#include <optional>
#include <string>

#include "cache/evidence_store.h"
#include "cache/pull_manager.h"

namespace pullguard {

struct PullProof {
  std::string credential_hash;  // CredentialHash() of the credential that was proven
  std::string image;            // as requested; its normalised repository is the evidence key
  std::string digest;           // "sha256:…" when the manifest digest is known
  RecordTime proven_at{};
  std::optional<RecordTime> expires_at;  // the credential's expiry, when it has one
  ProofSource source;
};

class ProofSink {
 public:
  virtual ~ProofSink() = default;
  virtual Status RecordProof(const PullProof& proof) = 0;
};

// Writes every proof to the evidence store; a proof with a digest also becomes a kubelet-format
// record keyed by that digest (node sources as nodePodsAccessible, service accounts as
// kubernetesServiceAccounts).
class StoreProofSink : public ProofSink {
 public:
  StoreProofSink(EvidenceStore& evidence, PullManager* records)
      : evidence_(evidence), records_(records) {}
  Status RecordProof(const PullProof& proof) override;

 private:
  EvidenceStore& evidence_;
  PullManager* records_;  // may be null: evidence only
};

}  // namespace pullguard
