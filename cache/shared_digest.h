// pullguard's own check for kubernetes/kubernetes#138175 ("Preloaded image pull spec poisoned by a
// pulled image"): kubelet keys a pulled record by imageRef (the content's ID), and the
// credentialMapping inside it by image name. When one imageRef is reached from images of several
// repositories, the content is published under several names; a name the record does not map
// (typically the preloaded, public one) then counts as "pulled by the kubelet" under
// NeverVerifyPreloadedImages and must verify: under imagePullPolicy Never its pods fail with
// ErrImageNeverPull, under IfNotPresent they pull again (and fail when the registry is
// unreachable or wants credentials they do not have). `records audit` and `doctor --records`
// name such records.
#pragma once

#include <string>
#include <vector>

#include "cache/records.h"

namespace pullguard {

// The distinct repositories (normalised: "docker.io/library/busybox") the record's
// credentialMapping names, sorted. A key that does not parse is kept as it is.
std::vector<std::string> MappedRepositories(const ImagePulledRecord& record);

// True when the record maps images of two or more repositories.
bool IsSharedDigest(const ImagePulledRecord& record);

// With the runtime's names of the record's image (repoTags and repoDigests of the image whose ID
// is the record's imageRef): the repositories of those names the record does not map, sorted.
// These are the names #138175 is about: a pod naming one of them (a preloaded image) finds the
// record, must verify, and has no entry to verify against.
std::vector<std::string> UnmappedRepositories(const ImagePulledRecord& record,
                                              const std::vector<std::string>& runtime_names);

}  // namespace pullguard
