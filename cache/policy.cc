// Mirrors image_pull_policies.go; the allowlist grammar and matching live in matcher/.
#include "cache/policy.h"

namespace pullguard {

Result<VerificationPolicy> ParseVerificationPolicy(std::string_view s) {
  if (s == "NeverVerify") return VerificationPolicy::kNeverVerify;
  if (s == "NeverVerifyPreloadedImages") return VerificationPolicy::kNeverVerifyPreloadedImages;
  if (s == "NeverVerifyAllowlistedImages") return VerificationPolicy::kNeverVerifyAllowlistedImages;
  if (s == "AlwaysVerify") return VerificationPolicy::kAlwaysVerify;
  std::string shown(s.substr(0, 60));
  return MakeError(ErrorKind::kInvalidArgument,
                   "unknown image pull credential verification policy \"" + shown +
                       "\" (want NeverVerify, NeverVerifyPreloadedImages, "
                       "NeverVerifyAllowlistedImages or AlwaysVerify)");
}

const char* VerificationPolicyName(VerificationPolicy p) {
  switch (p) {
    case VerificationPolicy::kNeverVerify:
      return "NeverVerify";
    case VerificationPolicy::kNeverVerifyPreloadedImages:
      return "NeverVerifyPreloadedImages";
    case VerificationPolicy::kNeverVerifyAllowlistedImages:
      return "NeverVerifyAllowlistedImages";
    case VerificationPolicy::kAlwaysVerify:
      return "AlwaysVerify";
  }
  return "?";
}

Result<PolicyEnforcer> PolicyEnforcer::Make(VerificationPolicy policy,
                                            const std::vector<std::string>& allowlist,
                                            KubeletVersion kubelet) {
  const bool normalize = kubelet.AllowlistNormalizesImage();
  if (policy != VerificationPolicy::kNeverVerifyAllowlistedImages) {
    if (!allowlist.empty()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string("an allowlist is only valid with policy "
                                   "NeverVerifyAllowlistedImages, not ") +
                           VerificationPolicyName(policy));
    }
    return PolicyEnforcer(policy, std::nullopt, normalize);
  }
  auto a = Allowlist::Make(allowlist);
  if (!a.ok()) return MakeError(ErrorKind::kInvalidArgument, "allowlist: " + a.error().message);
  return PolicyEnforcer(policy, std::move(*a), normalize);
}

bool PolicyEnforcer::RequireVerification(std::string_view image, bool pulled_by_kubelet,
                                         std::string_view* why) const {
  return RequireVerification(image, nullptr, pulled_by_kubelet, why, /*parse=*/true);
}

bool PolicyEnforcer::RequireVerification(std::string_view image, const std::string_view* name,
                                         bool pulled_by_kubelet, std::string_view* why) const {
  return RequireVerification(image, name, pulled_by_kubelet, why, /*parse=*/false);
}

bool PolicyEnforcer::RequireVerification(std::string_view image, const std::string_view* name,
                                         bool pulled_by_kubelet, std::string_view* why,
                                         bool parse) const {
  switch (policy_) {
    case VerificationPolicy::kNeverVerify:
      *why = "policy NeverVerify never verifies credentials";
      return false;
    case VerificationPolicy::kNeverVerifyPreloadedImages:
      if (!pulled_by_kubelet) {
        *why =
            "policy NeverVerifyPreloadedImages: no record or intent shows the kubelet pulled "
            "this image, so it counts as preloaded";
        return false;
      }
      *why = "policy NeverVerifyPreloadedImages: the image was pulled by the kubelet";
      return true;
    case VerificationPolicy::kNeverVerifyAllowlistedImages:
      if (allowlist_ && (!normalize_image_ ? allowlist_->MatchesAsWritten(image)
                         : parse           ? allowlist_->Matches(image)
                         : name != nullptr ? allowlist_->MatchesName(*name)
                                           : false)) {
        *why = "policy NeverVerifyAllowlistedImages: the image matches the allowlist";
        return false;
      }
      *why = "policy NeverVerifyAllowlistedImages: the image is not on the allowlist";
      return true;
    case VerificationPolicy::kAlwaysVerify:
      *why = "policy AlwaysVerify";
      return true;
  }
  return true;
}

}  // namespace pullguard
