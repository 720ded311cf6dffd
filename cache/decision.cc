// Follows kubelet's image_manager EnsureImageExists: Always pulls, a missing image pulls (or
// fails under Never), a present image asks the pull manager.
#include "cache/decision.h"

#include "base/rfc3339.h"
#include "matcher/reference.h"

namespace pullguard {

Result<PullPolicy> ParsePullPolicy(std::string_view s) {
  if (s == "Always") return PullPolicy::kAlways;
  if (s == "IfNotPresent") return PullPolicy::kIfNotPresent;
  if (s == "Never") return PullPolicy::kNever;
  return MakeError(ErrorKind::kInvalidArgument, "unknown pull policy \"" +
                                                    std::string(s.substr(0, 40)) +
                                                    "\" (want Always, IfNotPresent or Never)");
}

const char* PullPolicyName(PullPolicy p) {
  switch (p) {
    case PullPolicy::kAlways:
      return "Always";
    case PullPolicy::kIfNotPresent:
      return "IfNotPresent";
    case PullPolicy::kNever:
      return "Never";
  }
  return "?";
}

Result<PullPolicy> DefaultPullPolicy(std::string_view image) {
  auto ref = ParseKubernetesImage(image);
  if (!ref.ok()) return ref.error();
  return ref->tag == "latest" ? PullPolicy::kAlways : PullPolicy::kIfNotPresent;
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kPull:
      return "pull";
    case Action::kUseLocal:
      return "use-local";
    case Action::kFail:
      return "fail";
  }
  return "?";
}

std::string NeverPullMessage(const std::string& image) {
  return "Container image \"" + image + "\" is not present with pull policy of Never";
}

namespace {

// A proof for the repository that covers one of the pod's credentials, valid at `now`.
std::optional<std::string> EvidenceReason(const EvidenceStore& evidence, const DecisionRequest& req,
                                          RecordTime now) {
  auto repo = ParseKubernetesImage(req.image);
  if (!repo.ok()) return std::nullopt;
  auto proofs = evidence.Get(repo->Name());
  if (!proofs.ok()) return std::nullopt;
  for (const auto& p : *proofs) {
    if (!p.ValidAt(now)) continue;
    std::string until = p.valid_until ? FormatRfc3339(*p.valid_until) : "no expiry";
    std::string tail = " at " + FormatRfc3339(p.proven_at) + " (valid until " + until + ")";
    if (p.source.kind == ProofSource::Kind::kNode) {
      return "node credentials were proven to pull " + repo->Name() + tail;
    }
    if (req.pod_service_account && p.source.kind == ProofSource::Kind::kServiceAccount &&
        p.source.ns == req.pod_service_account->ns &&
        p.source.name == req.pod_service_account->name &&
        p.source.uid == req.pod_service_account->uid) {
      return "credentials of pod service account " + p.source.ns + "/" + p.source.name +
             " were proven to pull " + repo->Name() + tail;
    }
    // The same credentials, whatever the source that proved them.
    for (const auto& s : req.pod_secrets) {
      if (!s.credential_hash.empty() && s.credential_hash == p.credential_hash) {
        return "credentials of pod secret " + s.ns + "/" + s.name + " were proven to pull " +
               repo->Name() + tail;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Verdict Decide(PullManager& manager, const DecisionRequest& req, const EvidenceStore* evidence,
               RecordTime now) {
  Verdict v;
  PullPolicy policy;
  std::string policy_note;
  if (req.pull_policy) {
    policy = *req.pull_policy;
  } else {
    auto d = DefaultPullPolicy(req.image);
    if (!d.ok()) {
      v.action = Action::kPull;
      v.reason = "the image name does not parse (" + d.error().message + ")";
      return v;
    }
    policy = *d;
    policy_note = " (defaulted from the image)";
  }
  std::string prefix = std::string("pull policy ") + PullPolicyName(policy) + policy_note + ": ";
  if (policy == PullPolicy::kAlways) {
    v.action = Action::kPull;
    v.reason = prefix + "always pull";
    return v;
  }
  if (!req.image_present) {
    if (policy == PullPolicy::kNever) {
      v.action = Action::kFail;
      v.reason = NeverPullMessage(req.image);
    } else {
      v.action = Action::kPull;
      v.reason = prefix + "the image is not present on the node";
    }
    return v;
  }
  PullCheck check = manager.MustAttemptImagePull(req.image, req.image_ref, req.pod_secrets,
                                                 req.pod_service_account);
  v.record_updated = check.record_updated;
  if (check.must_pull && !check.error && evidence != nullptr) {
    if (auto why = EvidenceReason(*evidence, req, now)) {
      v.action = Action::kUseLocal;
      v.reason = prefix + "evidence: " + *why;
      return v;
    }
  }
  if (!check.must_pull) {
    v.action = Action::kUseLocal;
    v.reason = prefix + check.reason;
    return v;
  }
  if (policy == PullPolicy::kNever) {
    // Must not reveal that the image exists but is not verified.
    v.action = Action::kFail;
    v.reason = NeverPullMessage(req.image);
    return v;
  }
  v.action = Action::kPull;
  v.reason = prefix + check.reason;
  return v;
}

}  // namespace pullguard
