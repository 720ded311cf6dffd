// The full answer to "may this pod use the image on the node?": the container's pull policy
// (with kubelet's defaulting) on top of MustAttemptImagePull, optionally backed by evidence.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/evidence_store.h"
#include "cache/pull_manager.h"

namespace pullguard {

enum class PullPolicy { kAlways, kIfNotPresent, kNever };

Result<PullPolicy> ParsePullPolicy(std::string_view s);
const char* PullPolicyName(PullPolicy p);
// kubelet's defaulting: tag "latest" (given or implied) -> Always, otherwise IfNotPresent.
Result<PullPolicy> DefaultPullPolicy(std::string_view image);

enum class Action { kPull, kUseLocal, kFail };
const char* ActionName(Action a);

struct DecisionRequest {
  std::string image;
  std::string image_ref;
  bool image_present = false;
  std::optional<PullPolicy> pull_policy;  // defaulted from the image when absent
  std::vector<PodSecret> pod_secrets;
  std::optional<PodServiceAccount> pod_service_account;
};

struct Verdict {
  Action action = Action::kPull;
  std::string reason;
  bool record_updated = false;
};

// kubelet's ErrImageNeverPull text; the same whether the image is missing or not verified.
std::string NeverPullMessage(const std::string& image);

// `evidence` (optional) can turn a required pull of a present image into use-local when a pod
// credential was proven for the image's repository and the proof is still valid.
Verdict Decide(PullManager& manager, const DecisionRequest& req,
               const EvidenceStore* evidence = nullptr, RecordTime now = {});

}  // namespace pullguard
