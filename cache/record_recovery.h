// Start-up recovery of kubelet's pull intents (kubelet's PullManager.initialize,
// pkg/kubelet/images/pullmanager/image_pull_manager.go, run once when the kubelet starts), for
// `records recover` with the runtime's image list handed in (cache/runtime_images.h).
//
// As kubelet: an intent whose image the runtime now has (the intent's image equals one of the
// image's repoTags or repoDigests: searchForExistingTagDigest) becomes a record for that image's
// ID written with no credentials (writePulledRecordIfChanged(image, ID, nil): the imageRef is then
// "pulled by the kubelet" and every pod must verify), and the intent is deleted. Where pullguard
// differs (docs/verification-cache.md):
//  - an intent whose image the runtime does not have is removed too (kubelet leaves it, and it
//    keeps that image "pulled by the kubelet" should it ever appear);
//  - an intent also matches a name that normalises to the same reference (`busybox:1.36` and
//    `docker.io/library/busybox:1.36`), so an intent of a present image is never removed for
//    want of an exact string match;
//  - an unreadable intent file is never removed, and a record that cannot be read is never
//    overwritten (the intent then stays).
// kubelet's initialize is not thread-safe and runs before any pull; run `records recover` while
// kubelet is stopped. Intent files are deleted without a lock, as kubelet deletes them there.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cache/kubelet_version.h"
#include "cache/pull_manager.h"
#include "cache/record_accessor.h"
#include "cache/runtime_images.h"

namespace pullguard {

struct RecoveryOptions {
  bool dry_run = false;
  // pullguard's two differences (above); PullManager::Initialize turns both off: kubelet's own.
  bool remove_absent = true;
  bool match_normalised = true;
  // The kubelet release to follow (--kubelet-version). Start-up recovery reads the same in every
  // release, and the records it writes carry no credentials, so no mapping key (the one switch
  // that could matter, KubeletVersion::FamiliarMappingKeys) is written: it selects nothing yet.
  // The writer's PullManagerOptions::kubelet is set from the same flag.
  KubeletVersion kubelet = KubeletVersion::Default();
};

struct RecoveryEntry {
  enum class Action {
    kRecorded,     // the intent became (or was merged into) the record of image_ref
    kRemoved,      // the image is not on the node: the intent is gone
    kWouldRecord,  // dry run
    kWouldRemove,  // dry run
    kKept,         // unreadable intent, or the record could not be written: `error`
  };
  Action action = Action::kRecorded;
  std::string file;   // "pulling/sha256-…"
  std::string image;  // the intent's image
  std::string image_ref;
  std::string record_file;  // "pulled/sha256-…" for kRecorded
  bool record_changed = false;
  std::string error;
};

struct RecoveryReport {
  std::vector<RecoveryEntry> entries;  // in intent file order
};

// Records are written through `writer` (its WritePulledRecordIfChanged, with its clock), intents
// listed and deleted through `store`. PullManager::Initialize is this function.
Result<RecoveryReport> RecoverIntents(RecordAccessor& store, PullManager& writer,
                                      const RuntimeImageList& list, const RecoveryOptions& options);

std::string_view RecoveryActionName(RecoveryEntry::Action a);

}  // namespace pullguard
