// imagePullCredentialsVerificationPolicy: the small pure function kubelet applies before looking
// at records, "does this image need its credentials verified at all?".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cache/kubelet_version.h"
#include "matcher/allowlist.h"

namespace pullguard {

enum class VerificationPolicy {
  kNeverVerify,
  kNeverVerifyPreloadedImages,  // kubelet's default
  kNeverVerifyAllowlistedImages,
  kAlwaysVerify,
};

Result<VerificationPolicy> ParseVerificationPolicy(std::string_view s);
const char* VerificationPolicyName(VerificationPolicy p);

class PolicyEnforcer {
 public:
  // The allowlist is only valid with kNeverVerifyAllowlistedImages (kubelet's validation).
  // `kubelet` picks how the allowlist compares images (KubeletVersion::AllowlistNormalizesImage).
  static Result<PolicyEnforcer> Make(VerificationPolicy policy,
                                     const std::vector<std::string>& allowlist,
                                     KubeletVersion kubelet = KubeletVersion::Default());

  // True when credentials must be verified; `why` gets a sentence saying which rule decided (a
  // constant: nothing to allocate per decision).
  bool RequireVerification(std::string_view image, bool pulled_by_kubelet,
                           std::string_view* why) const;
  // The same when the caller has normalised the image already (decisions do, for the record
  // lookup): `name` is its ParseNormalizedName, or nullptr when it does not parse.
  bool RequireVerification(std::string_view image, const std::string_view* name,
                           bool pulled_by_kubelet, std::string_view* why) const;
  VerificationPolicy policy() const { return policy_; }

 private:
  bool RequireVerification(std::string_view image, const std::string_view* name,
                           bool pulled_by_kubelet, std::string_view* why, bool parse) const;
  PolicyEnforcer(VerificationPolicy p, std::optional<Allowlist> a, bool normalize)
      : policy_(p), allowlist_(std::move(a)), normalize_image_(normalize) {}
  VerificationPolicy policy_;
  std::optional<Allowlist> allowlist_;
  bool normalize_image_ = true;
};

}  // namespace pullguard
