// The file layer: kubelet's image_manager layout (pulling/, pulled/, sha256-<hex> names) over the
// Env seam, with atomic writes and striped flock locks in a sibling locks/ directory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cache/record_accessor.h"

namespace pullguard {

class FileRecordStore : public RecordAccessor {
 public:
  static constexpr std::size_t kMaxRecordBytes = 64u << 20;

  // `root` is an image_manager directory (e.g. /var/lib/kubelet/image_manager).
  FileRecordStore(Env& env, std::string root,
                  std::chrono::milliseconds lock_timeout = std::chrono::seconds(30));

  // Creates root, pulling/, pulled/ and locks/ with mode 0700 (writers call this).
  Status Init();
  // kNotFound unless root/pulled and root/pulling exist (readers must not invent empty state).
  Status CheckExists();

  const std::string& root() const { return root_; }
  std::string RecordPath(const std::string& image_ref) const;
  std::string IntentPath(const std::string& image) const;

  Result<std::optional<ImagePulledRecord>> GetRecord(const std::string& image_ref) override;
  Status WriteRecord(const ImagePulledRecord& r) override;
  Status DeleteRecord(const std::string& image_ref) override;
  Result<bool> IntentExists(const std::string& image) override;
  Status WriteIntent(const std::string& image) override;
  Status DeleteIntent(const std::string& image) override;
  Result<Listing<ImagePulledRecord>> ListRecords() override;
  Result<Listing<ImagePullIntent>> ListIntents() override;
  Result<std::unique_ptr<FileLock>> LockRecord(const std::string& image_ref) override;
  // LockRecord with its own timeout (group commit waits in short steps, cache/group_commit.h).
  Result<std::unique_ptr<FileLock>> LockRecordWithin(const std::string& image_ref,
                                                     std::chrono::milliseconds timeout);
  std::chrono::milliseconds lock_timeout() const { return lock_timeout_; }
  Result<std::unique_ptr<FileLock>> LockIntent(const std::string& image);

  // Decodes one file of pulled/ (by its name); used by the index and the audit.
  Result<ImagePulledRecord> ReadRecordFile(const std::string& file_name);

  // ListRecords in steps, for a reader that spreads the files over threads (the index): pulled/
  // opened once (Env::OpenDirectoryReader: its path is checked once, not per file), the record
  // file names in it, then one of them as the listing treats it. ReadListedRecord holds no state,
  // so it may run on several threads when the Env allows it (the POSIX one does).
  Result<std::unique_ptr<DirectoryReader>> OpenRecordDirectory();
  Result<std::vector<std::string>> ListRecordFileNames(DirectoryReader& pulled);
  struct ListedRecord {
    std::optional<ImagePulledRecord> record;
    std::optional<StoreProblem> problem;  // neither: skipped, as kubelet skips subdirectories
  };
  ListedRecord ReadListedRecord(DirectoryReader& pulled, const std::string& file_name);

 private:
  Result<std::unique_ptr<FileLock>> LockStripe(const std::string& kind, const std::string& file,
                                               std::chrono::milliseconds timeout);

  Env& env_;
  std::string root_;
  std::chrono::milliseconds lock_timeout_;
};

}  // namespace pullguard
