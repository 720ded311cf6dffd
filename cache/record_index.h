// An in-memory, write-through index over the file store that stays authoritative at any size
// (kubelet's LRU caps at 2000 records and then reads files): lookups never touch the disk.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "cache/record_store.h"

namespace pullguard {

class RecordIndex : public RecordAccessor {
 public:
  explicit RecordIndex(FileRecordStore& store) : store_(store) {}

  // Reads every record and intent. Files that cannot be read or decoded are remembered by name,
  // so a lookup that lands on one still fails closed; the index stays authoritative.
  Status Load();
  bool loaded() const { return loaded_; }
  std::size_t record_count() const { return records_.size(); }
  std::size_t intent_count() const { return intents_.size(); }
  std::size_t problem_count() const { return bad_records_.size() + bad_intents_.size(); }

  Result<std::optional<ImagePulledRecord>> GetRecord(const std::string& image_ref) override;
  Result<std::optional<ImagePulledRecord>> GetRecordForUpdate(
      const std::string& image_ref) override;
  Result<const ImagePulledRecord*> PeekRecord(const std::string& image_ref,
                                              ImagePulledRecord& storage) override;
  Status WriteRecord(const ImagePulledRecord& r) override;
  Status DeleteRecord(const std::string& image_ref) override;
  Result<bool> IntentExists(const std::string& image) override;
  Status WriteIntent(const std::string& image) override;
  Status DeleteIntent(const std::string& image) override;
  Result<Listing<ImagePulledRecord>> ListRecords() override;
  Result<Listing<ImagePullIntent>> ListIntents() override;
  Result<std::unique_ptr<FileLock>> LockRecord(const std::string& image_ref) override;

  // Lookup without copying, for hot paths (nullptr when absent).
  const ImagePulledRecord* Find(const std::string& image_ref) const;

 private:
  FileRecordStore& store_;
  bool loaded_ = false;
  std::unordered_map<std::string, ImagePulledRecord> records_;  // by imageRef
  std::unordered_set<std::string> intents_;                     // by image
  std::unordered_map<std::string, Error> bad_records_;          // by file name
  std::unordered_map<std::string, Error> bad_intents_;
};

}  // namespace pullguard
