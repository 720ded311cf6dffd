// Reads never lock: every file is replaced by rename, so a reader sees the old or the new file.
// Writers lock one of 256 stripe files per kind, so lock files never need garbage collection.
#include "cache/record_store.h"

#include "cache/record_codec.h"

namespace pullguard {
namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;

}  // namespace

FileRecordStore::FileRecordStore(Env& env, std::string root, std::chrono::milliseconds lock_timeout)
    : env_(env), root_(std::move(root)), lock_timeout_(lock_timeout) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Status FileRecordStore::Init() {
  PG_TRY(env_.CreateDirs(root_ + "/pulling", kDirMode));
  PG_TRY(env_.CreateDirs(root_ + "/pulled", kDirMode));
  PG_TRY(env_.CreateDirs(root_ + "/locks", kDirMode));
  return Status::Ok();
}

Status FileRecordStore::CheckExists() {
  for (const char* sub : {"/pulled", "/pulling"}) {
    auto info = env_.Stat(root_ + sub);
    if (!info.ok()) return info.error();
    if (!info->exists || !info->is_dir) {
      return MakeError(ErrorKind::kNotFound,
                       root_ + " is not an image_manager directory (no " + (sub + 1) + "/)");
    }
  }
  return Status::Ok();
}

std::string FileRecordStore::RecordPath(const std::string& image_ref) const {
  return root_ + "/pulled/" + RecordFileName(image_ref);
}

std::string FileRecordStore::IntentPath(const std::string& image) const {
  return root_ + "/pulling/" + RecordFileName(image);
}

Result<ImagePulledRecord> FileRecordStore::ReadRecordFile(const std::string& file_name) {
  auto data = env_.ReadFile(root_ + "/pulled/" + file_name, kMaxRecordBytes);
  if (!data.ok()) return data.error();
  auto r = DecodePulledRecord(*data);
  if (!r.ok()) {
    return MakeError(ErrorKind::kCorrupt, "pulled/" + file_name + ": " + r.error().message);
  }
  return r;
}

Result<std::optional<ImagePulledRecord>> FileRecordStore::GetRecord(const std::string& image_ref) {
  auto r = ReadRecordFile(RecordFileName(image_ref));
  if (!r.ok()) {
    if (r.error().kind == ErrorKind::kNotFound) return std::optional<ImagePulledRecord>();
    return r.error();
  }
  if (r->image_ref != image_ref) return std::optional<ImagePulledRecord>();
  return std::optional<ImagePulledRecord>(std::move(*r));
}

Status FileRecordStore::WriteRecord(const ImagePulledRecord& r) {
  return env_.WriteFileAtomic(RecordPath(r.image_ref), EncodePulledRecord(r), kFileMode);
}

Status FileRecordStore::DeleteRecord(const std::string& image_ref) {
  return env_.RemoveFile(RecordPath(image_ref));
}

Result<bool> FileRecordStore::IntentExists(const std::string& image) {
  std::string name = RecordFileName(image);
  auto data = env_.ReadFile(IntentPath(image), kMaxRecordBytes);
  if (!data.ok()) {
    if (data.error().kind == ErrorKind::kNotFound) return false;
    return data.error();
  }
  auto i = DecodePullIntent(*data);
  if (!i.ok()) return MakeError(ErrorKind::kCorrupt, "pulling/" + name + ": " + i.error().message);
  return i->image == image;
}

Status FileRecordStore::WriteIntent(const std::string& image) {
  ImagePullIntent intent;
  intent.image = image;
  return env_.WriteFileAtomic(IntentPath(image), EncodePullIntent(intent), kFileMode);
}

Status FileRecordStore::DeleteIntent(const std::string& image) {
  return env_.RemoveFile(IntentPath(image));
}

namespace {

// The record file names of a listed directory: temp files, foreign names and lock files left out.
Result<std::vector<std::string>> ListNames(DirectoryReader& dir) {
  auto names = dir.List();
  if (!names.ok()) return names.error();
  std::vector<std::string> out;
  out.reserve(names->size());
  for (std::string& name : *names) {
    if (IsRecordFileName(name)) out.push_back(std::move(name));
  }
  return out;
}

// One listed file: its item, its problem, or neither (a subdirectory, or removed since listing).
template <class T, class Decode>
void ReadListed(DirectoryReader& dir, const char* sub, const std::string& name, Decode decode,
                std::optional<T>* item, std::optional<StoreProblem>* problem) {
  auto data = dir.ReadFile(name, FileRecordStore::kMaxRecordBytes);
  if (!data.ok()) {
    auto info = dir.Stat(name);
    if (info.ok() && info->is_dir) return;                  // kubelet skips subdirectories
    if (data.error().kind == ErrorKind::kNotFound) return;  // removed since listing
    *problem = StoreProblem{std::string(sub) + "/" + name, data.error()};
    return;
  }
  auto decoded = decode(*data);
  if (!decoded.ok()) {
    *problem = StoreProblem{std::string(sub) + "/" + name,
                            MakeError(ErrorKind::kCorrupt, std::string(sub) + "/" + name + ": " +
                                                               decoded.error().message)};
    return;
  }
  *item = std::move(*decoded);
}

template <class T, class Decode>
Result<Listing<T>> ListDirOf(Env& env, const std::string& root, const char* sub, Decode decode) {
  auto dir = env.OpenDirectoryReader(root + "/" + sub);
  if (!dir.ok()) return dir.error();
  auto names = ListNames(**dir);
  if (!names.ok()) return names.error();
  Listing<T> out;
  for (std::string& name : *names) {
    std::optional<T> item;
    std::optional<StoreProblem> problem;
    ReadListed<T>(**dir, sub, name, decode, &item, &problem);
    if (problem) out.problems.push_back(std::move(*problem));
    if (!item) continue;
    out.items.push_back(std::move(*item));
    out.files.push_back(std::move(name));
  }
  return out;
}

Result<ImagePulledRecord> DecodeRecord(std::string_view t) {
  return DecodePulledRecord(t);
}

}  // namespace

Result<Listing<ImagePulledRecord>> FileRecordStore::ListRecords() {
  return ListDirOf<ImagePulledRecord>(env_, root_, "pulled", DecodeRecord);
}

Result<Listing<ImagePullIntent>> FileRecordStore::ListIntents() {
  return ListDirOf<ImagePullIntent>(env_, root_, "pulling",
                                    [](std::string_view t) { return DecodePullIntent(t); });
}

Result<std::unique_ptr<DirectoryReader>> FileRecordStore::OpenRecordDirectory() {
  return env_.OpenDirectoryReader(root_ + "/pulled");
}

Result<std::vector<std::string>> FileRecordStore::ListRecordFileNames(DirectoryReader& pulled) {
  return ListNames(pulled);
}

FileRecordStore::ListedRecord FileRecordStore::ReadListedRecord(DirectoryReader& pulled,
                                                                const std::string& file_name) {
  ListedRecord out;
  ReadListed<ImagePulledRecord>(pulled, "pulled", file_name, DecodeRecord, &out.record,
                                &out.problem);
  return out;
}

Result<std::unique_ptr<FileLock>> FileRecordStore::LockStripe(const std::string& kind,
                                                              const std::string& file,
                                                              std::chrono::milliseconds timeout) {
  // file is "sha256-<hex>": the first two hex digits pick one of 256 stripes.
  std::string stripe = file.substr(7, 2);
  PG_TRY(env_.CreateDirs(root_ + "/locks", kDirMode));
  return env_.LockFile(root_ + "/locks/" + kind + "-" + stripe + ".lock", timeout);
}

Result<std::unique_ptr<FileLock>> FileRecordStore::LockRecord(const std::string& image_ref) {
  return LockStripe("pulled", RecordFileName(image_ref), lock_timeout_);
}

Result<std::unique_ptr<FileLock>> FileRecordStore::LockRecordWithin(
    const std::string& image_ref, std::chrono::milliseconds timeout) {
  return LockStripe("pulled", RecordFileName(image_ref), timeout);
}

Result<std::unique_ptr<FileLock>> FileRecordStore::LockIntent(const std::string& image) {
  return LockStripe("pulling", RecordFileName(image), lock_timeout_);
}

}  // namespace pullguard
