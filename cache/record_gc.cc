// records gc (cache/record_gc.h): kubelet's PruneUnknownRecords, one record at a time under its
// lock, and the expired-evidence sweep.
#include "cache/record_gc.h"

#include <algorithm>
#include <set>

#include "cache/evidence_store.h"

namespace pullguard {
namespace {

constexpr std::size_t kMaxEvidenceBytes = 16u << 20;  // as EvidenceStore reads them

// kubelet: `!imageRecord.LastUpdatedTime.Time.Before(until)` keeps the record; Go's zero time
// (a record without a time) is before any `until`.
bool OlderThan(const std::optional<RecordTime>& t, RecordTime until) {
  return !t || *t < until;
}

GcEntry Unreadable(std::string file, const Error& e) {
  GcEntry g;
  g.action = GcEntry::Action::kKept;
  g.kind = GcEntry::Kind::kCorruptFile;
  g.file = std::move(file);
  g.reason = "unreadable";
  g.error = e.message;
  return g;
}

// One record the listing found to be garbage: lock, read again, check again, remove.
GcEntry RemoveRecord(RecordAccessor& store, const ImagePulledRecord& listed,
                     const std::string& file, const RecordGcOptions& o) {
  GcEntry g;
  g.kind = GcEntry::Kind::kRecord;
  g.file = "pulled/" + file;
  g.key = listed.image_ref;
  g.last_updated_time = listed.last_updated_time;
  if (o.dry_run) {
    g.action = GcEntry::Action::kWouldRemove;
    return g;
  }
  auto lock = store.LockRecord(listed.image_ref);
  if (!lock.ok()) {
    g.action = GcEntry::Action::kFailed;
    g.error = lock.error().message;
    return g;
  }
  auto now = store.GetRecordForUpdate(listed.image_ref);
  if (!now.ok()) return Unreadable(g.file, now.error());
  if (!now->has_value()) {
    g.action = GcEntry::Action::kKept;
    g.reason = "gone";  // removed by someone else since the listing
    return g;
  }
  if (!OlderThan((*now)->last_updated_time, o.until)) {
    g.action = GcEntry::Action::kKept;
    g.reason = "updated-since-listed";
    g.last_updated_time = (*now)->last_updated_time;
    return g;
  }
  if (auto st = store.DeleteRecord(listed.image_ref); !st.ok()) {
    g.action = GcEntry::Action::kFailed;
    g.error = st.error().message;
    return g;
  }
  g.action = GcEntry::Action::kRemoved;
  return g;
}

bool AllProofsExpired(const std::vector<RepositoryProof>& proofs, RecordTime now) {
  // A proof without validUntil never expires; a file without proofs holds nothing.
  return std::all_of(proofs.begin(), proofs.end(), [&](const RepositoryProof& p) {
    return p.valid_until && now >= *p.valid_until;
  });
}

}  // namespace

Status CollectEvidenceGarbage(Env& env, const RecordGcOptions& o, GcReport& report) {
  if (!o.evidence_dir) return Status::Ok();
  const std::string& dir = *o.evidence_dir;
  auto info = env.Stat(dir);
  if (!info.ok()) return info.error();
  if (!info->exists || !info->is_dir) {
    return MakeError(ErrorKind::kNotFound, "evidence directory " + dir + " does not exist");
  }
  auto names = env.ListDir(dir);
  if (!names.ok()) return names.error();
  std::sort(names->begin(), names->end());
  std::unique_ptr<FileLock> lock;  // taken before the first removal, held to the end
  for (const std::string& name : *names) {
    if (!IsRecordFileName(name)) continue;
    std::string path = dir + "/" + name;
    auto read = [&]() -> Result<EvidenceStore::Entry> {
      auto data = env.ReadFile(path, kMaxEvidenceBytes);
      if (!data.ok()) return data.error();
      return DecodeEvidence(*data);
    };
    auto e = read();
    if (!e.ok()) {
      if (e.error().kind == ErrorKind::kNotFound) continue;  // gone since listed
      report.entries.push_back(Unreadable(path, e.error()));
      continue;
    }
    ++report.evidence_seen;
    if (!AllProofsExpired(e->proofs, o.now)) continue;
    GcEntry g;
    g.kind = GcEntry::Kind::kEvidence;
    g.file = path;
    g.key = e->repository;
    if (o.dry_run) {
      g.action = GcEntry::Action::kWouldRemove;
      report.entries.push_back(std::move(g));
      continue;
    }
    if (!lock) {
      // EvidenceStore::Add's lock: a proof added meanwhile is seen by the second read below.
      auto l = env.LockFile(dir + "/.lock", std::chrono::seconds(30));
      if (!l.ok()) return l.error();
      lock = std::move(*l);
    }
    auto again = read();
    if (!again.ok()) {
      if (again.error().kind != ErrorKind::kNotFound) {
        report.entries.push_back(Unreadable(path, again.error()));
      }
      continue;
    }
    if (!AllProofsExpired(again->proofs, o.now)) continue;
    if (auto st = env.RemoveFile(path); !st.ok()) {
      g.action = GcEntry::Action::kFailed;
      g.error = st.error().message;
    }
    report.entries.push_back(std::move(g));
  }
  return Status::Ok();
}

std::string_view GcActionName(GcEntry::Action a) {
  switch (a) {
    case GcEntry::Action::kRemoved:
      return "removed";
    case GcEntry::Action::kWouldRemove:
      return "would-remove";
    case GcEntry::Action::kKept:
      return "kept";
    case GcEntry::Action::kFailed:
      return "failed";
  }
  return "";
}

Result<GcReport> CollectRecordGarbage(RecordAccessor& store,
                                      const std::vector<std::string>& image_ids,
                                      const RecordGcOptions& options) {
  auto listing = store.ListRecords();
  if (!listing.ok()) return listing.error();
  std::set<std::string> in_use(image_ids.begin(), image_ids.end());

  GcReport report;
  std::vector<std::size_t> order(listing->items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](auto a, auto b) { return listing->files[a] < listing->files[b]; });
  report.records_seen = listing->items.size();
  for (std::size_t i : order) {
    const ImagePulledRecord& r = listing->items[i];
    const std::string& file = listing->files[i];
    if (!OlderThan(r.last_updated_time, options.until)) continue;
    if (in_use.count(r.image_ref)) continue;
    if (RecordFileName(r.image_ref) != file) {
      // kubelet reads such a file as no record; removing by imageRef would hit another file.
      GcEntry g;
      g.action = GcEntry::Action::kKept;
      g.kind = GcEntry::Kind::kRecord;
      g.file = "pulled/" + file;
      g.key = r.image_ref;
      g.last_updated_time = r.last_updated_time;
      g.reason = "misfiled";
      report.entries.push_back(std::move(g));
      continue;
    }
    report.entries.push_back(RemoveRecord(store, r, file, options));
  }
  for (const StoreProblem& p : listing->problems) {
    report.entries.push_back(Unreadable(p.file, p.error));
  }
  return report;
}

}  // namespace pullguard
