// A port of kubelet's image_pull_manager.go. Differences, all deliberate and documented in
// docs/verification-cache.md: a corrupt record is never overwritten, mapping keys written in a
// familiar form by other kubelets still match, and the opt-in checks of PullManagerOptions.
#include "cache/pull_manager.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string_view>

#include "base/rfc3339.h"
#include "cache/merge.h"
#include "cache/packed_records.h"
#include "cache/record_gc.h"
#include "cache/record_recovery.h"
#include "matcher/reference.h"

namespace pullguard {

Result<std::string> TrimImageTagDigest(const std::string& image) {
  auto name = ParseNormalizedName(image);
  if (!name.ok()) return MakeError(ErrorKind::kInvalidArgument, name.error().message);
  return name;
}

PullManager::PullManager(RecordAccessor& accessor, PolicyEnforcer policy,
                         PullManagerOptions options)
    : accessor_(accessor), policy_(std::move(policy)), options_(std::move(options)) {}

int PullManager::IntentCount(const std::string& image) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = intent_counters_.find(image);
  return it == intent_counters_.end() ? 0 : it->second;
}

Status PullManager::RecordPullIntent(const std::string& image) {
  std::lock_guard<std::mutex> l(mu_);
  PG_TRY(accessor_.WriteIntent(image));
  ++intent_counters_[image];
  return Status::Ok();
}

Status PullManager::RecordImagePullFailed(const std::string& image) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = intent_counters_.find(image);
  if (it == intent_counters_.end() || it->second <= 1) {
    PG_TRY(accessor_.DeleteIntent(image));
    if (it != intent_counters_.end()) intent_counters_.erase(it);
    return Status::Ok();
  }
  --it->second;
  return Status::Ok();
}

Status PullManager::RecordImagePulled(const std::string& image, const std::string& image_ref,
                                      const std::optional<ImagePullCredentials>& creds) {
  auto w = WritePulledRecordIfChanged(image, image_ref, creds);
  // Keeping the intent when the write failed keeps the image "pulled by the kubelet".
  if (!w.ok()) return w.error();
  return RecordImagePullFailed(image);  // same reference-count release
}

Result<bool> PullManager::WritePulledRecordIfChanged(
    const std::string& image, const std::string& image_ref,
    const std::optional<ImagePullCredentials>& creds) {
  auto key = MappingKey(image, options_.kubelet);
  if (!key.ok()) {
    return MakeError(ErrorKind::kInvalidArgument, "invalid image name: " + key.error().message);
  }
  if (image_ref.empty()) return MakeError(ErrorKind::kInvalidArgument, "empty imageRef");
  auto lock = accessor_.LockRecord(image_ref);
  if (!lock.ok()) return lock.error();
  auto current = accessor_.GetRecordForUpdate(image_ref);
  // kubelet overwrites a record it cannot read; we refuse, so nothing unreadable is lost silently.
  if (!current.ok()) return current.error();
  ImagePulledRecord record;
  bool changed;
  if (!current->has_value()) {
    record.image_ref = image_ref;
    if (creds) record.credential_mapping[*key] = *creds;
    changed = true;
  } else {
    record = std::move(**current);
    changed = creds.has_value() && MergeCredentials(record, *key, *creds);
  }
  if (!changed) return false;
  record.api_version = kApiV1Beta1;
  record.last_updated_time = options_.now();
  PG_TRY(accessor_.WriteRecord(record));
  return true;
}

namespace {

// The keys to look for: the release's own key (exact, as kubelet looks it up), and when
// `normalised` is set, any key another writer stored in another spelling of the same image.
struct MappingKeys {
  std::string_view exact;  // into the normalised name or the image: no copy per decision
  std::optional<std::string_view> normalised;
};

const ImagePullCredentials* FindMapping(const ImagePulledRecord& r, const MappingKeys& key) {
  auto it = r.credential_mapping.find(std::string(key.exact));
  if (it != r.credential_mapping.end()) return &it->second;
  if (!key.normalised) return nullptr;
  for (const auto& [k, v] : r.credential_mapping) {
    auto n = TrimImageTagDigest(k);
    if (n.ok() && *n == *key.normalised) return &v;
  }
  return nullptr;
}

// The same on a record the index reads in place.
std::optional<PackedCredentials> FindMapping(const PackedRecordView& r, const MappingKeys& key) {
  std::optional<PackedCredentials> found;
  auto take = [&](const PackedCredentials& c) {
    found = c;
    return true;
  };
  if (r.AnyMapping([&](std::string_view k, const PackedCredentials& c) {
        return k == key.exact && take(c);
      })) {
    return found;
  }
  if (!key.normalised) return found;
  r.AnyMapping([&](std::string_view k, const PackedCredentials& c) {
    auto n = TrimImageTagDigest(std::string(k));
    return n.ok() && *n == *key.normalised && take(c);
  });
  return found;
}

bool MappingEmpty(const ImagePulledRecord& r) {
  return r.credential_mapping.empty();
}
bool MappingEmpty(const PackedRecordView& r) {
  return r.mapping_size() == 0;
}

template <class Secret>
bool SameCoordinates(const PodSecret& pod, const Secret& s) {
  return pod.uid == s.uid && pod.ns == s.ns && pod.name == s.name;
}

template <class Accounts>
bool HasServiceAccount(const Accounts& accounts, const PodServiceAccount& sa) {
  for (const auto& a : accounts) {
    if (sa.uid == a.uid && sa.ns == a.ns && sa.name == a.name) return true;
  }
  return false;
}

// A reason from its pieces in one allocation: decisions run in loops (bench/cache_bench.cc). The
// literal pieces' sizes are constants, so their copies are a few moves each, not memcpy calls.
inline std::size_t PartSize(std::string_view s) {
  return s.size();
}
template <std::size_t N>
constexpr std::size_t PartSize(const char (&)[N]) {
  return N - 1;
}
inline char* PutPart(char* at, std::string_view s) {
  if (!s.empty()) std::memcpy(at, s.data(), s.size());
  return at + s.size();
}
template <std::size_t N>
char* PutPart(char* at, const char (&s)[N]) {
  std::memcpy(at, s, N - 1);
  return at + (N - 1);
}
template <class... Parts>
std::string Reason(const Parts&... parts) {
  std::string out((PartSize(parts) + ...), '\0');
  char* at = out.data();
  ((at = PutPart(at, parts)), ...);
  return out;
}

}  // namespace

PullCheck PullManager::MustAttemptImagePull(const std::string& image, const std::string& image_ref,
                                            const std::vector<PodSecret>& pod_secrets,
                                            const std::optional<PodServiceAccount>& pod_sa) {
  PullCheck out;
  if (image_ref.empty()) {
    out.reason = "no imageRef: the runtime has no image for it";
    return out;
  }
  // The index answers in place (PackedRecordView); any other accessor with a decoded record.
  PackedRecordView packed;
  auto in_place = accessor_.PeekPacked(image_ref, &packed);
  if (in_place.ok() && *in_place) {
    return CheckRecord(packed.present() ? &packed : nullptr, image, image_ref, pod_secrets, pod_sa);
  }
  ImagePulledRecord storage;
  // Points into the accessor or at `storage`.
  auto record = in_place.ok() ? accessor_.PeekRecord(image_ref, storage)
                              : Result<const ImagePulledRecord*>(in_place.error());
  if (!record.ok()) {
    out.error = true;
    out.reason = "cannot read the verification records (failing closed): " + record.error().message;
    return out;
  }
  return CheckRecord(*record, image, image_ref, pod_secrets, pod_sa);
}

// MustAttemptImagePull once the record is read, for either form of it. The record is not read
// again after a write (a write through the index may move what a packed view points at).
template <class Record>
PullCheck PullManager::CheckRecord(const Record* record, const std::string& image,
                                   const std::string& image_ref,
                                   const std::vector<PodSecret>& pod_secrets,
                                   const std::optional<PodServiceAccount>& pod_sa) {
  PullCheck out;
  bool pulled_by_kubelet = record != nullptr;
  // TrimImageTagDigest without a copy (a view into `image` unless normalising adds to it).
  std::string key_storage;
  auto key = ParseNormalizedNameView(image, &key_storage);
  MappingKeys keys;
  if (key.ok()) {
    // MappingKey without parsing the image again.
    keys.exact = options_.kubelet.FamiliarMappingKeys() ? ImageWithoutTagDigest(image) : *key;
    if (options_.any_key_spelling) keys.normalised = *key;
  }
  if (pulled_by_kubelet && options_.separate_shared_digests && key.ok()) {
    if (!MappingEmpty(*record) && !FindMapping(*record, keys)) {
      pulled_by_kubelet = false;  // the digest was pulled under other names only
    }
  }
  if (!pulled_by_kubelet) {
    int n = IntentCount(image);
    if (n > 0) {
      pulled_by_kubelet = true;
    } else {
      auto intent = accessor_.IntentExists(image);
      if (!intent.ok()) {
        out.error = true;
        out.reason = "cannot read the pull intents (failing closed): " + intent.error().message;
        return out;
      }
      pulled_by_kubelet = *intent;
    }
  }
  std::string_view why;
  std::string_view name = key.ok() ? *key : std::string_view();
  if (!policy_.RequireVerification(image, key.ok() ? &name : nullptr, pulled_by_kubelet, &why)) {
    out.must_pull = false;
    out.reason = why;
    return out;
  }
  if (record == nullptr) {
    out.reason = Reason(why, "; no record of a pull for imageRef ", image_ref);
    return out;
  }
  if (!key.ok()) {
    out.reason = Reason(why, "; the image name does not parse (", key.error().message, ")");
    return out;
  }
  const Record& rec = *record;
  auto cached = FindMapping(rec, keys);
  if (!cached) {
    out.reason =
        Reason(why, "; the record for ", image_ref, " has no credentials for ", keys.exact);
    return out;
  }
  if (options_.max_record_age && rec.last_updated_time &&
      options_.now() - *rec.last_updated_time > *options_.max_record_age) {
    out.reason =
        Reason(why, "; the record for ", image_ref, " was last updated at ",
               FormatRfc3339(*rec.last_updated_time), ", older than the configured maximum age");
    return out;
  }
  if (options_.max_record_age && !rec.last_updated_time) {
    out.reason = Reason(why, "; the record has no lastUpdatedTime and a maximum age is configured");
    return out;
  }
  if (cached->node_pods_accessible) {
    out.must_pull = false;
    out.reason = Reason(why, "; ", *key,
                        " was pulled anonymously or with node credentials (nodePodsAccessible)");
    return out;
  }
  // A 1.33 kubelet has no service-account credentials: an entry naming only those names nothing.
  const bool accounts = options_.kubelet.ServiceAccountCredentials();
  if (cached->kubernetes_secrets.empty() &&
      (!accounts || cached->kubernetes_service_accounts.empty())) {
    out.reason = Reason(why, "; the record for ", *key, " names no secret or service account");
    return out;
  }
  bool expired_match = false;
  std::size_t cached_count = cached->kubernetes_secrets.size();
  // kubelet's writeRecordWhileMatching: the matching pod secret joins the record.
  auto record_pod_secret = [&](const ImagePullSecret& pod) {
    auto w = WritePulledRecordIfChanged(image, image_ref, ImagePullCredentials{{pod}, {}, false});
    if (!w.ok()) {
      out.write_error = w.error().message;
    } else {
      out.record_updated = *w;
    }
  };
  for (const auto& pod : pod_secrets) {
    for (const auto& c : cached->kubernetes_secrets) {
      bool hashes = !c.credential_hash.empty() && pod.credential_hash == c.credential_hash;
      bool coords = SameCoordinates(pod, c);
      if (hashes && options_.credential_expired &&
          options_.credential_expired(std::string(c.credential_hash), std::string(*key))) {
        expired_match = true;
        continue;
      }
      if (hashes) {
        out.must_pull = false;
        out.reason =
            Reason(why, "; pod secret ", pod.ns, "/", pod.name, " holds credentials that pulled ",
                   *key, " (secret ", c.ns, "/", c.name, ")");
        if (!coords && cached_count < kWriteRecordWhileMatchingLimit) {
          record_pod_secret(pod);
        }
        return out;
      }
      if (coords && cached_count < kWriteRecordWhileMatchingLimit) {
        // A rotated secret: same coordinates, new content. kubelet trusts it and records it.
        out.must_pull = false;
        out.reason = Reason(why, "; pod secret ", pod.ns, "/", pod.name, " pulled ", *key,
                            " before and was rotated since");
        record_pod_secret(pod);
        return out;
      }
    }
  }
  if (accounts && pod_sa && HasServiceAccount(cached->kubernetes_service_accounts, *pod_sa)) {
    out.must_pull = false;
    out.reason =
        Reason(why, "; pod service account ", pod_sa->ns, "/", pod_sa->name, " pulled ", *key);
    return out;
  }
  out.reason = Reason(why, "; none of the pod's credentials pulled ", *key);
  if (expired_match) out.reason += " (a matching credential has expired)";
  return out;
}

Result<PullManager::PruneResult> PullManager::PruneUnknownRecords(
    const std::vector<std::string>& images_in_use, RecordTime until) {
  // One implementation for kubelet's GC and `records gc` (cache/record_gc.h).
  RecordGcOptions o;
  o.until = until;
  auto report = CollectRecordGarbage(accessor_, images_in_use, o);
  if (!report.ok()) return report.error();
  PruneResult out;
  for (const GcEntry& e : report->entries) {
    if (e.action == GcEntry::Action::kRemoved) {
      ++out.removed;
    } else if (e.kind == GcEntry::Kind::kCorruptFile || e.action == GcEntry::Action::kFailed) {
      // unreadable files are reported, never deleted
      out.problems.push_back(
          {e.file,
           MakeError(e.action == GcEntry::Action::kFailed ? ErrorKind::kIo : ErrorKind::kCorrupt,
                     e.error)});
    }
  }
  return out;
}

Result<PullManager::RecoveryResult> PullManager::Initialize(
    const std::vector<RuntimeImage>& runtime_images) {
  // One implementation for kubelet's start and `records recover` (cache/record_recovery.h), with
  // pullguard's two differences off: kubelet's own behaviour.
  RuntimeImageList list;
  list.images = runtime_images;
  RecoveryOptions o;
  o.remove_absent = false;
  o.match_normalised = false;
  auto report = RecoverIntents(accessor_, *this, list, o);
  if (!report.ok()) return report.error();
  RecoveryResult out;
  for (const RecoveryEntry& e : report->entries) {
    if (e.action == RecoveryEntry::Action::kRecorded) {
      if (e.record_changed) ++out.records_written;
      ++out.intents_removed;
    } else if (e.action == RecoveryEntry::Action::kKept) {
      out.problems.push_back({e.file, MakeError(ErrorKind::kCorrupt, e.error)});
    }
  }
  return out;
}

}  // namespace pullguard
