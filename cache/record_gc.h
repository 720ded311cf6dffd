// Garbage collection of kubelet's pulled records (kubelet's PullManager.PruneUnknownRecords,
// pkg/kubelet/images/pullmanager/image_pull_manager.go) and, pullguard's own, of evidence files
// whose proofs have all expired. `records gc` runs it with the runtime's image list handed in by
// the operator (cache/runtime_images.h); PullManager::PruneUnknownRecords is this function.
//
// As kubelet: a record is removed when it was last updated before `until` (the time the image
// list was taken; a record without a time counts as older) and its imageRef is not one of the
// runtime's image IDs. Intents (pulls in flight) are never touched. Where pullguard differs:
//  - each removal takes the record's lock and reads the file again (kubelet holds a process-wide
//    lock; a `records add` from another process may have updated the record since the listing);
//  - a file that cannot be read or decoded, or that holds another imageRef than its name says,
//    is never removed and is reported (kubelet skips undecodable files silently);
//  - `dry_run` only reports.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "cache/kubelet_version.h"
#include "cache/record_accessor.h"

namespace pullguard {

struct RecordGcOptions {
  RecordTime until{};  // kubelet's `until`: taken before the image list was asked for
  RecordTime now{};    // evidence expiry is judged at this time
  bool dry_run = false;
  // The evidence directory (pullguard's preflight proofs); unset: no evidence GC.
  std::optional<std::string> evidence_dir;
  // The kubelet release to follow (--kubelet-version). GC reads the same in every release with
  // the pull manager (1.33 to master; docs/verification-cache.md), so it selects nothing yet.
  KubeletVersion kubelet = KubeletVersion::Default();
};

struct GcEntry {
  enum class Action {
    kRemoved,      // the file is gone
    kWouldRemove,  // dry run
    kKept,         // not removed although it looked like garbage: `reason` says why
    kFailed,       // the removal failed: `error`
  };
  Action action = Action::kRemoved;
  enum class Kind { kRecord, kEvidence, kCorruptFile };
  Kind kind = Kind::kRecord;
  std::string file;  // "pulled/sha256-…" for records, "<evidence dir>/sha256-…" for evidence
  std::string key;   // the record's imageRef, or the evidence's repository
  std::optional<RecordTime> last_updated_time;  // records
  std::string reason;                           // kKept
  std::string error;                            // kFailed, and the error of an unreadable file
};

struct GcReport {
  std::vector<GcEntry> entries;  // in file order: records, then evidence
  std::size_t records_seen = 0;  // readable records listed
  std::size_t evidence_seen = 0;
};

// kubelet's PruneUnknownRecords over `records`: `image_ids` are the runtime's image IDs (what
// kubelet's imageRef is). Entries for records only.
Result<GcReport> CollectRecordGarbage(RecordAccessor& records,
                                      const std::vector<std::string>& image_ids,
                                      const RecordGcOptions& options);

// The evidence sweep of options.evidence_dir (which must exist: kNotFound otherwise); entries are
// appended to `report`.
Status CollectEvidenceGarbage(Env& env, const RecordGcOptions& options, GcReport& report);

std::string_view GcActionName(GcEntry::Action a);  // "removed", "would-remove", "kept", "failed"

}  // namespace pullguard
