// Writes go to disk first and reach memory only when the disk write succeeded, so the index
// never claims something the files do not hold.
#include "cache/record_index.h"

namespace pullguard {

Status RecordIndex::Load() {
  auto recs = store_.ListRecords();
  if (!recs.ok()) return recs.error();
  auto ints = store_.ListIntents();
  if (!ints.ok()) return ints.error();
  records_.clear();
  intents_.clear();
  bad_records_.clear();
  bad_intents_.clear();
  records_.reserve(recs->items.size());
  for (std::size_t i = 0; i < recs->items.size(); ++i) {
    auto& r = recs->items[i];
    // A file whose name does not match its imageRef is invisible to lookups, as in kubelet.
    if (RecordFileName(r.image_ref) != recs->files[i]) continue;
    std::string key = r.image_ref;
    records_.emplace(std::move(key), std::move(r));
  }
  for (auto& p : recs->problems)
    bad_records_.emplace(p.file.substr(p.file.rfind('/') + 1), p.error);
  for (std::size_t i = 0; i < ints->items.size(); ++i) {
    if (RecordFileName(ints->items[i].image) != ints->files[i]) continue;
    intents_.insert(std::move(ints->items[i].image));
  }
  for (auto& p : ints->problems)
    bad_intents_.emplace(p.file.substr(p.file.rfind('/') + 1), p.error);
  loaded_ = true;
  return Status::Ok();
}

const ImagePulledRecord* RecordIndex::Find(const std::string& image_ref) const {
  auto it = records_.find(image_ref);
  return it == records_.end() ? nullptr : &it->second;
}

Result<std::optional<ImagePulledRecord>> RecordIndex::GetRecord(const std::string& image_ref) {
  if (!loaded_) return store_.GetRecord(image_ref);
  if (auto it = records_.find(image_ref); it != records_.end()) {
    return std::optional<ImagePulledRecord>(it->second);
  }
  if (!bad_records_.empty()) {
    auto bad = bad_records_.find(RecordFileName(image_ref));
    if (bad != bad_records_.end()) return bad->second;
  }
  return std::optional<ImagePulledRecord>();
}

Result<const ImagePulledRecord*> RecordIndex::PeekRecord(const std::string& image_ref,
                                                         ImagePulledRecord& storage) {
  if (!loaded_) return RecordAccessor::PeekRecord(image_ref, storage);
  if (auto it = records_.find(image_ref); it != records_.end()) return &it->second;
  if (!bad_records_.empty()) {
    auto bad = bad_records_.find(RecordFileName(image_ref));
    if (bad != bad_records_.end()) return bad->second;
  }
  return static_cast<const ImagePulledRecord*>(nullptr);
}

Result<std::optional<ImagePulledRecord>> RecordIndex::GetRecordForUpdate(
    const std::string& image_ref) {
  auto r = store_.GetRecord(image_ref);
  if (r.ok() && loaded_) {
    if (r->has_value()) {
      records_[image_ref] = **r;
    } else {
      records_.erase(image_ref);
    }
    bad_records_.erase(RecordFileName(image_ref));
  }
  return r;
}

Status RecordIndex::WriteRecord(const ImagePulledRecord& r) {
  PG_TRY(store_.WriteRecord(r));
  if (loaded_) {
    records_[r.image_ref] = r;
    bad_records_.erase(RecordFileName(r.image_ref));
  }
  return Status::Ok();
}

Status RecordIndex::DeleteRecord(const std::string& image_ref) {
  PG_TRY(store_.DeleteRecord(image_ref));
  if (loaded_) {
    records_.erase(image_ref);
    bad_records_.erase(RecordFileName(image_ref));
  }
  return Status::Ok();
}

Result<bool> RecordIndex::IntentExists(const std::string& image) {
  if (!loaded_) return store_.IntentExists(image);
  if (intents_.count(image)) return true;
  if (!bad_intents_.empty()) {
    auto bad = bad_intents_.find(RecordFileName(image));
    if (bad != bad_intents_.end()) return bad->second;
  }
  return false;
}

Status RecordIndex::WriteIntent(const std::string& image) {
  PG_TRY(store_.WriteIntent(image));
  if (loaded_) {
    intents_.insert(image);
    bad_intents_.erase(RecordFileName(image));
  }
  return Status::Ok();
}

Status RecordIndex::DeleteIntent(const std::string& image) {
  PG_TRY(store_.DeleteIntent(image));
  if (loaded_) {
    intents_.erase(image);
    bad_intents_.erase(RecordFileName(image));
  }
  return Status::Ok();
}

Result<Listing<ImagePulledRecord>> RecordIndex::ListRecords() {
  if (!loaded_) return store_.ListRecords();
  Listing<ImagePulledRecord> out;
  for (const auto& [ref, r] : records_) {
    out.items.push_back(r);
    out.files.push_back(RecordFileName(ref));
  }
  for (const auto& [file, e] : bad_records_) out.problems.push_back({"pulled/" + file, e});
  return out;
}

Result<Listing<ImagePullIntent>> RecordIndex::ListIntents() {
  if (!loaded_) return store_.ListIntents();
  Listing<ImagePullIntent> out;
  for (const auto& image : intents_) {
    ImagePullIntent i;
    i.image = image;
    out.items.push_back(std::move(i));
    out.files.push_back(RecordFileName(image));
  }
  for (const auto& [file, e] : bad_intents_) out.problems.push_back({"pulling/" + file, e});
  return out;
}

Result<std::unique_ptr<FileLock>> RecordIndex::LockRecord(const std::string& image_ref) {
  return store_.LockRecord(image_ref);
}

}  // namespace pullguard
