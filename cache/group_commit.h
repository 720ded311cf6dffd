// Group commit for adds to one record: each writer queues its add in <root>/pending/ (a
// pullguard-owned directory kubelet never reads) and whoever holds the record's lock merges every
// queued add for that record in one durable write, and keeps doing so for the adds that arrive
// meanwhile. N concurrent writers then cost a few record writes instead of N. Design, states and
// crash behaviour: docs/verification-cache.md, "Group commit".
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cache/kubelet_version.h"
#include "cache/record_store.h"

namespace pullguard {

class GroupCommit {
 public:
  // Answered adds nobody collected (their writer died), refused ones and temp files of killed
  // writers are swept by a committer once older than this; longer than any lock wait.
  static constexpr std::chrono::minutes kSweepAfter{30};
  // How often a waiting writer looks for its answer (and tries the lock).
  static constexpr std::chrono::milliseconds kPollEvery{10};
  // While other writers' adds keep arriving, a committer waits for them in steps of kGatherPoll,
  // at most kGatherAtMost per batch, so that one write carries them (bench/NOTES.md).
  static constexpr std::chrono::milliseconds kGatherPoll{2};
  static constexpr std::chrono::milliseconds kGatherAtMost{50};
  // After a batch, how long an empty queue is waited on for its writers' next adds (a writer
  // looks for its answer every kPollEvery, then starts its next add), until they have come back
  // once in this session.
  static constexpr std::chrono::milliseconds kReturnWithin{15};
  // A committer keeps the decoded record and commits the next batches too, for at most this long
  // after it started: each batch then costs an encode and a write, not a decode as well.
  static constexpr std::chrono::milliseconds kSessionAtMost{1000};

  // `store` must use `env`; its lock timeout is how long an add waits for its answer or the lock.
  GroupCommit(Env& env, FileRecordStore& store, std::function<RecordTime()> now);

  // Merges `creds` for `image` into the record of `image_ref` as kubelet's
  // writePulledRecordIfChanged would (PullManager::WritePulledRecordIfChanged), and returns
  // whether the add changed the record, only once the record holding it is durably written. An
  // error means the add is not in the record, except the one case its message names (the wait
  // ran out after another writer had already taken the add into a batch).
  // `kubelet` picks the credentialMapping key (KubeletVersion::FamiliarMappingKeys).
  Result<bool> Add(const std::string& image, const std::string& image_ref,
                   const ImagePullCredentials& creds,
                   KubeletVersion kubelet = KubeletVersion::Default());

  // <root>/pending
  std::string PendingDir() const;

 private:
  // Under the record's lock: merges every queued add for `record_file` in one write and answers
  // each (renamed to .done-changed / .done-same, or .rejected when it does not decode); repeats
  // for adds that arrive meanwhile, within kSessionAtMost. The add queued as `own` (a path
  // without its state) is answered through the return value instead: whether it changed the
  // record, nullopt when no batch held it.
  Result<std::optional<bool>> Session(const std::string& image_ref, const std::string& record_file,
                                      const std::string& own);

  Env& env_;
  FileRecordStore& store_;
  std::function<RecordTime()> now_;
};

}  // namespace pullguard
