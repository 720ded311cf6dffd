// kubelet's image pull manager over a RecordAccessor: intents and their life cycle, records
// written after pulls, startup recovery, GC, and MustAttemptImagePull with a readable reason.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/kubelet_version.h"
#include "cache/policy.h"
#include "cache/record_accessor.h"

namespace pullguard {

// kubelet stops adding secrets it learns while matching once an entry holds this many.
inline constexpr std::size_t kWriteRecordWhileMatchingLimit = 100;

using PodSecret = ImagePullSecret;  // coordinates + the hash of the pod's secret credentials
using PodServiceAccount = ImagePullServiceAccount;

// What the container runtime reports for one image (startup recovery input).
struct RuntimeImage {
  std::string id;  // imageRef
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
};

struct PullManagerOptions {
  // kubernetes/kubernetes#138211: a record reached through a shared digest whose mapping names
  // only other images does not make this image "pulled by the kubelet".
  bool separate_shared_digests = false;
  // A record last updated longer ago than this no longer verifies anyone (KEP "what's next" #4).
  std::optional<std::chrono::seconds> max_record_age;
  // Returns true when everything known about `credential_hash` for `repository` has expired.
  std::function<bool(const std::string& credential_hash, const std::string& repository)>
      credential_expired;
  // The kubelet release whose credentialMapping keys are written and looked up.
  KubeletVersion kubelet = KubeletVersion::Default();
  // pullguard's tolerance: a lookup also finds a key written in the other spelling of the image
  // (normalised or familiar), so records of kubelets before and after the key change both
  // verify. Off to answer exactly as the release `kubelet` does (`--kubelet-version` given).
  bool any_key_spelling = true;
  std::function<RecordTime()> now = [] {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  };
};

struct PullCheck {
  bool must_pull = true;
  std::string reason;
  bool error = false;           // records could not be read: the answer failed closed
  bool record_updated = false;  // a rotated or extra secret was written back
  std::string write_error;      // that write-back failed (the decision stands)
};

class PullManager {
 public:
  PullManager(RecordAccessor& accessor, PolicyEnforcer policy, PullManagerOptions options = {});

  // Before a pull: writes the intent (reference-counted in this process).
  Status RecordPullIntent(const std::string& image);
  // After a successful pull: merges `creds` (nullopt = pulled under unknown circumstances) and
  // drops the intent; the intent stays when the record could not be written.
  Status RecordImagePulled(const std::string& image, const std::string& image_ref,
                           const std::optional<ImagePullCredentials>& creds);
  Status RecordImagePullFailed(const std::string& image);

  // Read-modify-write of one record under its lock. Returns whether the file changed.
  Result<bool> WritePulledRecordIfChanged(const std::string& image, const std::string& image_ref,
                                          const std::optional<ImagePullCredentials>& creds);

  PullCheck MustAttemptImagePull(const std::string& image, const std::string& image_ref,
                                 const std::vector<PodSecret>& pod_secrets,
                                 const std::optional<PodServiceAccount>& pod_sa);

  struct PruneResult {
    std::size_t removed = 0;
    std::vector<StoreProblem> problems;
  };
  // GC: removes records last updated before `until` whose imageRef is not in `images_in_use`.
  Result<PruneResult> PruneUnknownRecords(const std::vector<std::string>& images_in_use,
                                          RecordTime until);

  struct RecoveryResult {
    std::size_t records_written = 0;
    std::size_t intents_removed = 0;
    std::vector<StoreProblem> problems;
  };
  // Startup: an intent whose image the runtime now has becomes a record with no credentials.
  Result<RecoveryResult> Initialize(const std::vector<RuntimeImage>& runtime_images);

  int IntentCount(const std::string& image) const;

 private:
  // The rest of MustAttemptImagePull once the record is read (ImagePulledRecord, or the index's
  // PackedRecordView); nullptr when there is none.
  template <class Record>
  PullCheck CheckRecord(const Record* record, const std::string& image,
                        const std::string& image_ref, const std::vector<PodSecret>& pod_secrets,
                        const std::optional<PodServiceAccount>& pod_sa);

  RecordAccessor& accessor_;
  PolicyEnforcer policy_;
  PullManagerOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, int> intent_counters_;
};

// The image without tag and digest, normalised ("docker.io/library/busybox"): the key of
// credentialMapping. kInvalidArgument when the image does not parse.
Result<std::string> TrimImageTagDigest(const std::string& image);

}  // namespace pullguard
