// An in-memory, write-through index over the file store that stays authoritative at any size.
// pullguard's own addition, not a port: kubelet's counterpart (mem_pullrecords.go) is an LRU of
// at most 2000 records that reads files past it; this one holds every record, packed
// (cache/packed_records.h, ~130 bytes per record), so lookups never touch the disk, and Load
// reads the files on every core.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "cache/packed_records.h"
#include "cache/record_store.h"

namespace pullguard {

class RecordIndex : public RecordAccessor {
 public:
  // `threads`: how many threads Load reads and decodes files with; 0 = one per core. The store's
  // Env must then allow concurrent ReadFile and Stat calls (the POSIX one does).
  explicit RecordIndex(FileRecordStore& store, unsigned threads = 0)
      : store_(store), threads_(threads) {}

  // Reads every record and intent. Files that cannot be read or decoded are remembered by name,
  // so a lookup that lands on one still fails closed; the index stays authoritative.
  Status Load();
  bool loaded() const { return loaded_; }
  std::size_t record_count() const { return records_.size(); }
  std::size_t intent_count() const { return intents_.size(); }
  std::size_t problem_count() const { return bad_records_.size() + bad_intents_.size(); }
  // Bytes the packed records take (the rest of the index is the few intents and problems).
  std::size_t record_bytes() const { return records_.bytes(); }

  Result<std::optional<ImagePulledRecord>> GetRecord(const std::string& image_ref) override;
  Result<std::optional<ImagePulledRecord>> GetRecordForUpdate(
      const std::string& image_ref) override;
  // Decodes into `storage`: packed records have no ImagePulledRecord to point at.
  Result<const ImagePulledRecord*> PeekRecord(const std::string& image_ref,
                                              ImagePulledRecord& storage) override;
  // The record in place: what decisions use (no copy, no allocation).
  Result<bool> PeekPacked(const std::string& image_ref, PackedRecordView* out) override;
  Status WriteRecord(const ImagePulledRecord& r) override;
  Status DeleteRecord(const std::string& image_ref) override;
  Result<bool> IntentExists(const std::string& image) override;
  Status WriteIntent(const std::string& image) override;
  Status DeleteIntent(const std::string& image) override;
  Result<Listing<ImagePulledRecord>> ListRecords() override;
  Result<Listing<ImagePullIntent>> ListIntents() override;
  Result<std::unique_ptr<FileLock>> LockRecord(const std::string& image_ref) override;

 private:
  // Memory follows a record the disk now holds; when the packed arenas are full (4 GiB) the index
  // stops answering and every call goes to the files, never to a stale copy.
  void Remember(const ImagePulledRecord& r);

  FileRecordStore& store_;
  unsigned threads_;
  bool loaded_ = false;
  PackedRecords records_;                               // by imageRef
  std::unordered_set<std::string> intents_;             // by image
  std::unordered_map<std::string, Error> bad_records_;  // by file name
  std::unordered_map<std::string, Error> bad_intents_;
};

}  // namespace pullguard
