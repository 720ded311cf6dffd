// The record accessor seam (after kubelet's PullRecordsAccessor): the file store implements it,
// the in-memory index wraps the file store, and the pull manager only sees this interface.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "cache/records.h"

namespace pullguard {

class PackedRecordView;

// A file that could not be read or decoded; listings report these instead of dropping them.
struct StoreProblem {
  std::string file;  // relative to the store root, e.g. "pulled/sha256-…"
  Error error;
};

template <class T>
struct Listing {
  std::vector<T> items;
  std::vector<std::string> files;  // file name of items[i], same order
  std::vector<StoreProblem> problems;
};

class RecordAccessor {
 public:
  virtual ~RecordAccessor() = default;
  // nullopt when absent or when the stored imageRef differs; kCorrupt when it does not decode.
  virtual Result<std::optional<ImagePulledRecord>> GetRecord(const std::string& image_ref) = 0;
  // The read a read-modify-write uses while holding the lock: always the current file.
  virtual Result<std::optional<ImagePulledRecord>> GetRecordForUpdate(
      const std::string& image_ref) {
    return GetRecord(image_ref);
  }
  // Read-only lookup for the length of one call: points into the accessor's own memory when it
  // has one (the index, no copy), else into `storage`. nullptr when absent.
  virtual Result<const ImagePulledRecord*> PeekRecord(const std::string& image_ref,
                                                      ImagePulledRecord& storage) {
    auto r = GetRecord(image_ref);
    if (!r.ok()) return r.error();
    if (!r->has_value()) return static_cast<const ImagePulledRecord*>(nullptr);
    storage = std::move(**r);
    return static_cast<const ImagePulledRecord*>(&storage);
  }
  // PeekRecord without decoding, for an accessor that keeps records packed (the index, pullguard's
  // own): true when answered here, `out` then holding the record in place (or nothing when there
  // is none) until the accessor changes; false to use PeekRecord.
  virtual Result<bool> PeekPacked(const std::string& /*image_ref*/, PackedRecordView* /*out*/) {
    return false;
  }
  virtual Status WriteRecord(const ImagePulledRecord& r) = 0;
  virtual Status DeleteRecord(const std::string& image_ref) = 0;
  virtual Result<bool> IntentExists(const std::string& image) = 0;
  virtual Status WriteIntent(const std::string& image) = 0;
  virtual Status DeleteIntent(const std::string& image) = 0;
  virtual Result<Listing<ImagePulledRecord>> ListRecords() = 0;
  virtual Result<Listing<ImagePullIntent>> ListIntents() = 0;
  // Serialises read-modify-write of one record across processes.
  virtual Result<std::unique_ptr<FileLock>> LockRecord(const std::string& image_ref) = 0;
};

}  // namespace pullguard
