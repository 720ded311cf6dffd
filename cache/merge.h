// kubelet's merge rules for pulled records (pulledRecordMergeNewCreds and friends): what a
// successful pull, or a match found while deciding, adds to the record for an imageRef.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cache/records.h"

namespace pullguard {

// Merges `creds` into record[image]; returns whether the record changed. The caller sets
// lastUpdatedTime when it did. Empty credentials change nothing; an existing nodePodsAccessible
// entry absorbs everything; a new nodePodsAccessible clears secrets and service accounts.
bool MergeCredentials(ImagePulledRecord& record, const std::string& image,
                      const ImagePullCredentials& creds);

// MergeCredentials applied to each of `adds` (image, credentials) in turn, with the same result
// and whether each one changed the record. Not in kubelet (it merges one pull at a time): group
// commit merges a batch of adds into a record of thousands of secrets, and rebuilding the
// secret set for every add cost more than decoding the record. An image's secrets stay in one
// set across consecutive secret merges instead.
std::vector<bool> MergeCredentialsInOrder(
    ImagePulledRecord& record,
    const std::vector<std::pair<std::string, ImagePullCredentials>>& adds);

// Secrets keyed by (uid, namespace, name), the new hash wins, result sorted; false and `orig`
// untouched when nothing changed.
bool MergePullSecrets(std::vector<ImagePullSecret>& orig, const std::vector<ImagePullSecret>& add);

// Sorted set union.
bool MergePullServiceAccounts(std::vector<ImagePullServiceAccount>& orig,
                              const std::vector<ImagePullServiceAccount>& add);

// A pod's whole set of credentials for one add (`records add` with "secrets"/"serviceAccounts"),
// as the merges kubelet applies to it, in kubelet's rules: a secret repeated with the same
// (uid, namespace, name) counts once and its later hash wins, a repeated service account counts
// once (mergePullSecrets, mergePullServiceAccounts: both sorted by namespace, name, uid); node
// access absorbs every pod credential (pulledRecordMergeNewCreds). kubelet merges secrets or
// service accounts in one merge, never both, so a set with both is two merges, secrets first;
// an empty set is one empty merge (no change to an existing entry). Not in kubelet, which
// records one credential per pull: pullguard's own, built from kubelet's rules.
std::vector<ImagePullCredentials> CredentialSetMerges(
    const std::vector<ImagePullSecret>& secrets,
    const std::vector<ImagePullServiceAccount>& service_accounts, bool node_pods_accessible);

}  // namespace pullguard
