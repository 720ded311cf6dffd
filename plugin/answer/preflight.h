// Preflight (`verify: true`): before kubelet gets a credential, prove that it pulls from the
// requested repository, and hand the proof to the verification cache (cache/proof_sink.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "base/secret.h"
#include "cache/proof_sink.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"

namespace pullguard {

struct PreflightProof {
  std::string repository;  // normalised: "127.0.0.1:5000/team/app"
  std::string digest;      // when the request named a tag or digest
  // The expiry of the pull-scoped token the proof was made with; unset for Basic or anonymous.
  std::optional<std::chrono::system_clock::time_point> token_expires_at;
};

// With a pull-scoped token (repository:<path>:pull, cached in the token cache) or Basic auth:
// HEAD the manifest when `image` names a tag or digest, else GET tags/list?n=1. A registry that
// says no is kUnauthorized ("... refused pull ..."), an unknown repository or manifest kNotFound.
Result<PreflightProof> Preflight(const std::string& image, const Credential& credential,
                                 const ExchangeContext& ctx, Env& env);

// Preflight for one registry entry's answer: the credential whose key matches `image` (the
// first, most specific) is proven and the proof recorded. No matching credential: nothing to do.
// Through the proof cache in <stateDir>/proofs (proof_cache.h): concurrent execs for the same
// (credential, image, principal) make one flight, and a proof made with a pull token is reused,
// without recording it again, until the token (or the credential) expires.
Status VerifyAnswer(const std::string& image, const SourceAnswer& answer,
                    const ExchangeContext& ctx, ProofSink& sink, Env& env);

// The sink get-credentials uses: evidence in <stateDir>/evidence, kubelet-format records (for
// proofs with a digest) in <stateDir>/image_manager. Directories are created on first proof.
class StateDirProofSink : public ProofSink {
 public:
  // Lock waits (evidence, image_manager) end by `deadline` together: the exec's budget.
  StateDirProofSink(
      Env& env, std::string state_dir,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max())
      : env_(env), state_dir_(std::move(state_dir)), deadline_(deadline) {}
  Status RecordProof(const PullProof& proof) override;

 private:
  Env& env_;
  std::string state_dir_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace pullguard
