// Evidence first: it is the store decide --evidence reads, and it survives a failed record write.
#include "cache/proof_sink.h"

namespace pullguard {

Status StoreProofSink::RecordProof(const PullProof& proof) {
  auto repo = TrimImageTagDigest(proof.image);
  if (!repo.ok()) return repo.error();
  RepositoryProof p;
  p.credential_hash = proof.credential_hash;
  p.proven_at = proof.proven_at;
  p.valid_until = proof.expires_at;
  p.digest = proof.digest;
  p.source = proof.source;
  PG_TRY(evidence_.Add(*repo, p, proof.proven_at));
  if (proof.digest.empty() || records_ == nullptr) return Status::Ok();
  ImagePullCredentials creds;
  if (proof.source.kind == ProofSource::Kind::kNode) {
    creds.node_pods_accessible = true;
  } else {
    creds.kubernetes_service_accounts.push_back(
        ImagePullServiceAccount{proof.source.uid, proof.source.ns, proof.source.name});
  }
  auto w = records_->WritePulledRecordIfChanged(proof.image, proof.digest, creds);
  if (!w.ok()) return w.error();
  return Status::Ok();
}

}  // namespace pullguard
