// kubelet's merge rules for pulled records (pulledRecordMergeNewCreds and friends): what a
// successful pull, or a match found while deciding, adds to the record for an imageRef.
#pragma once

#include <vector>

#include "cache/records.h"

namespace pullguard {

// Merges `creds` into record[image]; returns whether the record changed. The caller sets
// lastUpdatedTime when it did. Empty credentials change nothing; an existing nodePodsAccessible
// entry absorbs everything; a new nodePodsAccessible clears secrets and service accounts.
bool MergeCredentials(ImagePulledRecord& record, const std::string& image,
                      const ImagePullCredentials& creds);

// Secrets keyed by (uid, namespace, name), the new hash wins, result sorted; false and `orig`
// untouched when nothing changed.
bool MergePullSecrets(std::vector<ImagePullSecret>& orig, const std::vector<ImagePullSecret>& add);

// Sorted set union.
bool MergePullServiceAccounts(std::vector<ImagePullServiceAccount>& orig,
                              const std::vector<ImagePullServiceAccount>& add);

}  // namespace pullguard
