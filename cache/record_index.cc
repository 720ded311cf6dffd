// Writes go to disk first and reach memory only when the disk write succeeded, so the index
// never claims something the files do not hold.
#include "cache/record_index.h"

#if defined(__GLIBC__)
#include <malloc.h>  // malloc_trim
#endif

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace pullguard {

Status RecordIndex::Load() {
  // pulled/ is opened and checked once: by path, every file would open and check every directory
  // above it again (most of the load's system calls before; bench/NOTES.md).
  auto pulled = store_.OpenRecordDirectory();
  if (!pulled.ok()) return pulled.error();
  auto names = store_.ListRecordFileNames(**pulled);
  if (!names.ok()) return names.error();
  auto ints = store_.ListIntents();
  if (!ints.ok()) return ints.error();
  loaded_ = false;
  records_.Clear();
  intents_.clear();
  bad_records_.clear();
  bad_intents_.clear();

  // Reading, decoding and hashing (the file name check) run on every thread, files handed out in
  // batches; packing into the shared arenas, a small part of the work, under one lock taken once
  // per batch.
  constexpr std::size_t kBatch = 64;
  unsigned threads = threads_ != 0 ? threads_ : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, names->size() / kBatch + 1));
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  bool full = false;
  std::vector<std::vector<StoreProblem>> problems(threads);
  auto work = [&](unsigned t) {
    std::vector<ImagePulledRecord> batch;
    batch.reserve(kBatch);
    for (;;) {
      std::size_t begin = next.fetch_add(kBatch);
      if (begin >= names->size()) return;
      std::size_t end = std::min(begin + kBatch, names->size());
      batch.clear();
      for (std::size_t i = begin; i < end; ++i) {
        auto listed = store_.ReadListedRecord(**pulled, (*names)[i]);
        if (listed.problem) problems[t].push_back(std::move(*listed.problem));
        // A file whose name does not match its imageRef is invisible to lookups, as in kubelet.
        if (!listed.record || RecordFileName(listed.record->image_ref) != (*names)[i]) continue;
        batch.push_back(std::move(*listed.record));
      }
      std::lock_guard<std::mutex> l(mu);
      for (const ImagePulledRecord& r : batch) full = !records_.Put(r) || full;
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work, t);
  work(0);
  for (auto& h : helpers) h.join();
  if (full) {
    records_.Clear();
    return MakeError(ErrorKind::kInternal, "the record index is full (4 GiB); use the files");
  }
  for (auto& list : problems) {
    for (auto& p : list) bad_records_.emplace(p.file.substr(p.file.rfind('/') + 1), p.error);
  }
  for (std::size_t i = 0; i < ints->items.size(); ++i) {
    if (RecordFileName(ints->items[i].image) != ints->files[i]) continue;
    intents_.insert(std::move(ints->items[i].image));
  }
  for (auto& p : ints->problems)
    bad_intents_.emplace(p.file.substr(p.file.rfind('/') + 1), p.error);
  loaded_ = true;
#if defined(__GLIBC__)
  // The load's own allocations (the file list, read buffers, each thread's decoded records) are
  // free now but would stay resident, about as large again as the index (bench/NOTES.md).
  names->clear();
  names->shrink_to_fit();
  malloc_trim(0);
#endif
  return Status::Ok();
}

void RecordIndex::Remember(const ImagePulledRecord& r) {
  if (!records_.Put(r)) {
    loaded_ = false;
    records_.Clear();
  }
}

Result<std::optional<ImagePulledRecord>> RecordIndex::GetRecord(const std::string& image_ref) {
  if (!loaded_) return store_.GetRecord(image_ref);
  std::optional<ImagePulledRecord> out(std::in_place);
  if (records_.Get(image_ref, &*out)) return out;
  if (!bad_records_.empty()) {
    auto bad = bad_records_.find(RecordFileName(image_ref));
    if (bad != bad_records_.end()) return bad->second;
  }
  return std::optional<ImagePulledRecord>();
}

Result<const ImagePulledRecord*> RecordIndex::PeekRecord(const std::string& image_ref,
                                                         ImagePulledRecord& storage) {
  if (!loaded_) return RecordAccessor::PeekRecord(image_ref, storage);
  if (records_.Get(image_ref, &storage)) return static_cast<const ImagePulledRecord*>(&storage);
  if (!bad_records_.empty()) {
    auto bad = bad_records_.find(RecordFileName(image_ref));
    if (bad != bad_records_.end()) return bad->second;
  }
  return static_cast<const ImagePulledRecord*>(nullptr);
}

Result<bool> RecordIndex::PeekPacked(const std::string& image_ref, PackedRecordView* out) {
  if (!loaded_) return false;
  if (records_.View(image_ref, out)) return true;
  if (!bad_records_.empty()) {
    auto bad = bad_records_.find(RecordFileName(image_ref));
    if (bad != bad_records_.end()) return bad->second;
  }
  return true;  // absent: `out` holds nothing
}

Result<std::optional<ImagePulledRecord>> RecordIndex::GetRecordForUpdate(
    const std::string& image_ref) {
  auto r = store_.GetRecord(image_ref);
  if (r.ok() && loaded_) {
    if (r->has_value()) {
      Remember(**r);
    } else {
      records_.Erase(image_ref);
    }
    bad_records_.erase(RecordFileName(image_ref));
  }
  return r;
}

Status RecordIndex::WriteRecord(const ImagePulledRecord& r) {
  PG_TRY(store_.WriteRecord(r));
  if (loaded_) {
    Remember(r);
    bad_records_.erase(RecordFileName(r.image_ref));
  }
  return Status::Ok();
}

Status RecordIndex::DeleteRecord(const std::string& image_ref) {
  PG_TRY(store_.DeleteRecord(image_ref));
  if (loaded_) {
    records_.Erase(image_ref);
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
  records_.ForEach([&](const ImagePulledRecord& r) {
    out.items.push_back(r);
    out.files.push_back(RecordFileName(r.image_ref));
  });
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
