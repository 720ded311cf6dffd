// A packed record, after its varint length: the imageRef (length and bytes), a flags byte (1:
// apiVersion v1alpha1, 2: lastUpdatedTime present), the time (zigzag varint seconds), the number
// of credentialMapping entries, then per entry in key order: the key's string id, (number of
// secrets << 1 | nodePodsAccessible), the number of service accounts, each secret's uid,
// namespace, name and credentialHash ids, each service account's uid, namespace and name ids.
#include "cache/packed_records.h"

#include <cstring>

namespace pullguard {
namespace {

constexpr unsigned char kAlpha1 = 1;
constexpr unsigned char kHasTime = 2;

// The slots' hash of an imageRef, eight bytes at a time (multiply and xor-shift per word, then a
// final mix for the low bits the slot index takes): std::hash, byte by byte, was a tenth of a
// decision's instructions for a 71-byte "sha256:<hex>" (bench/NOTES.md). Only this file sees it.
std::uint32_t HashOf(std::string_view s) {
  constexpr std::uint64_t kMul = 0xff51afd7ed558ccdu;
  std::uint64_t h = 0x9e3779b97f4a7c15u ^ s.size();
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 32;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i)
      w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    h = (h ^ w) * kMul;
  }
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 32;
  return static_cast<std::uint32_t>(h);
}

}  // namespace

std::size_t PackedRecords::Find(std::string_view image_ref, std::uint32_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.offset_plus_one == 0) return i;
    if (s.hash != hash) continue;
    const char* blob = blobs_.data() + (s.offset_plus_one - 1);
    // A record is often longer than a cache line (the imageRef alone is 71 bytes): the line after
    // the imageRef, where the mapping starts, is asked for now rather than after the compare.
    __builtin_prefetch(blob + 64);
    std::uint64_t len;
    const char* next;
    if (packed::ReadString(packed::ReadVarint(blob, &len), &next) == image_ref) return i;
  }
}

bool PackedRecords::Encode(const ImagePulledRecord& r, std::string* out) {
  packed::AppendString(r.image_ref, out);
  unsigned char flags =
      (r.api_version == kApiV1Alpha1 ? kAlpha1 : 0) | (r.last_updated_time ? kHasTime : 0);
  out->push_back(static_cast<char>(flags));
  if (r.last_updated_time) {
    auto t = static_cast<std::int64_t>(r.last_updated_time->time_since_epoch().count());
    packed::AppendVarint((static_cast<std::uint64_t>(t) << 1) ^ static_cast<std::uint64_t>(t >> 63),
                         out);
  }
  packed::AppendVarint(r.credential_mapping.size(), out);
  auto id = [&](const std::string& s) {
    auto i = strings_.Intern(s);
    if (i) packed::AppendVarint(*i, out);
    return i.has_value();
  };
  for (const auto& [key, c] : r.credential_mapping) {
    if (!id(key)) return false;
    packed::AppendVarint(c.kubernetes_secrets.size() << 1 | (c.node_pods_accessible ? 1 : 0), out);
    packed::AppendVarint(c.kubernetes_service_accounts.size(), out);
    for (const auto& s : c.kubernetes_secrets) {
      if (!id(s.uid) || !id(s.ns) || !id(s.name) || !id(s.credential_hash)) return false;
    }
    for (const auto& a : c.kubernetes_service_accounts) {
      if (!id(a.uid) || !id(a.ns) || !id(a.name)) return false;
    }
  }
  return true;
}

namespace {

// The fields before the mapping: imageRef, flags, time. Returns where the mapping's count starts.
const char* ReadHead(const char* p, std::string_view* ref, unsigned char* flags,
                     std::optional<RecordTime>* time) {
  std::uint64_t v;
  p = packed::ReadVarint(p, &v);  // the length
  *ref = packed::ReadString(p, &p);
  *flags = static_cast<unsigned char>(*p++);
  time->reset();
  if ((*flags & kHasTime) != 0) {
    p = packed::ReadVarint(p, &v);
    *time = RecordTime(std::chrono::seconds(static_cast<std::int64_t>(v >> 1) ^
                                            -static_cast<std::int64_t>(v & 1)));
  }
  return p;
}

}  // namespace

void PackedRecords::Decode(const char* p, ImagePulledRecord* out) const {
  std::string_view ref;
  unsigned char flags;
  PackedRecordView view;
  p = ReadHead(p, &ref, &flags, &out->last_updated_time);
  out->image_ref.assign(ref);
  out->api_version = (flags & kAlpha1) != 0 ? kApiV1Alpha1 : kApiV1Beta1;
  std::uint64_t entries;
  view.mapping_ = packed::ReadVarint(p, &entries);
  view.entries_ = entries;
  view.strings_ = &strings_;
  out->credential_mapping.clear();
  view.AnyMapping([&](std::string_view key, const PackedCredentials& c) {
    ImagePullCredentials& d =
        out->credential_mapping
            .emplace_hint(out->credential_mapping.end(), std::string(key), ImagePullCredentials())
            ->second;
    d.node_pods_accessible = c.node_pods_accessible;
    for (const PackedSecret& s : c.kubernetes_secrets) {
      d.kubernetes_secrets.push_back({std::string(s.uid), std::string(s.ns), std::string(s.name),
                                      std::string(s.credential_hash)});
    }
    for (const PackedServiceAccount& a : c.kubernetes_service_accounts) {
      d.kubernetes_service_accounts.push_back(
          {std::string(a.uid), std::string(a.ns), std::string(a.name)});
    }
    return false;
  });
}

bool PackedRecords::View(std::string_view image_ref, PackedRecordView* out) const {
  *out = PackedRecordView();
  if (count_ == 0) return false;
  const Slot& s = slots_[Find(image_ref, HashOf(image_ref))];
  if (s.offset_plus_one == 0) return false;
  std::string_view ref;
  unsigned char flags;
  const char* p =
      ReadHead(blobs_.data() + (s.offset_plus_one - 1), &ref, &flags, &out->last_updated_time);
  std::uint64_t entries;
  out->mapping_ = packed::ReadVarint(p, &entries);
  out->entries_ = entries;
  out->strings_ = &strings_;
  Prefetch(out->mapping_, entries);
  return true;
}

// Asks for the strings a decision reads next (each entry's key, each secret's uid and hash) while
// the caller parses the image: each is a cache miss of its own in a large index, and a decision
// otherwise waits for them one after the other (bench/NOTES.md). The first two entries and their
// first two secrets only.
void PackedRecords::Prefetch(const char* p, std::size_t entries) const {
  for (std::size_t e = 0; e < entries && e < 2; ++e) {
    std::uint64_t key;
    std::uint64_t secrets;
    std::uint64_t accounts;
    p = packed::ReadVarint(p, &key);
    strings_.Prefetch(static_cast<StringPool::Id>(key));
    p = packed::ReadVarint(p, &secrets);
    p = packed::ReadVarint(p, &accounts);
    secrets >>= 1;
    for (std::size_t i = 0; i < secrets && i < 2; ++i) {
      std::uint64_t uid;
      packed::ReadVarint(p, &uid);
      strings_.Prefetch(static_cast<StringPool::Id>(uid));
      const char* hash_at = packed::SkipVarints(p, 3);
      std::uint64_t hash;
      packed::ReadVarint(hash_at, &hash);
      strings_.Prefetch(static_cast<StringPool::Id>(hash));
      p = packed::SkipVarints(p, 4);
    }
    p = packed::SkipVarints(p, 4 * (secrets > 2 ? secrets - 2 : 0) + 3 * accounts);
  }
}

std::size_t PackedRecords::BlobSize(std::uint32_t offset) const {
  std::uint64_t len;
  const char* body = packed::ReadVarint(blobs_.data() + offset, &len);
  return static_cast<std::size_t>(body - (blobs_.data() + offset)) + len;
}

bool PackedRecords::Put(const ImagePulledRecord& r) {
  scratch_.clear();
  if (!Encode(r, &scratch_)) return false;
  std::string length;
  packed::AppendVarint(scratch_.size(), &length);
  if (blobs_.size() + length.size() + scratch_.size() >= UINT32_MAX) return false;
  if ((count_ + 1) * 4 > slots_.size() * 3) Grow();
  std::uint32_t hash = HashOf(r.image_ref);
  std::size_t i = Find(r.image_ref, hash);
  Slot& slot = slots_[i];
  if (slot.offset_plus_one != 0) {
    garbage_ += BlobSize(slot.offset_plus_one - 1);
  } else {
    ++count_;
  }
  slot.offset_plus_one = static_cast<std::uint32_t>(blobs_.size()) + 1;
  slot.hash = hash;
  blobs_ += length;
  blobs_ += scratch_;
  if (garbage_ > (1u << 20) && garbage_ * 2 > blobs_.size()) Compact();
  return true;
}

bool PackedRecords::Get(std::string_view image_ref, ImagePulledRecord* out) const {
  if (count_ == 0) return false;
  const Slot& s = slots_[Find(image_ref, HashOf(image_ref))];
  if (s.offset_plus_one == 0) return false;
  Decode(blobs_.data() + (s.offset_plus_one - 1), out);
  return true;
}

bool PackedRecords::Erase(std::string_view image_ref) {
  if (count_ == 0) return false;
  std::size_t i = Find(image_ref, HashOf(image_ref));
  if (slots_[i].offset_plus_one == 0) return false;
  garbage_ += BlobSize(slots_[i].offset_plus_one - 1);
  RemoveSlot(i);
  --count_;
  return true;
}

// Linear probing's deletion without tombstones: later slots of the same run move back into the
// hole when their home position allows it.
void PackedRecords::RemoveSlot(std::size_t i) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t j = (i + 1) & mask; slots_[j].offset_plus_one != 0; j = (j + 1) & mask) {
    std::size_t home = slots_[j].hash & mask;
    // Movable when `home` is not cyclically within (i, j].
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Slot{};
}

void PackedRecords::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.offset_plus_one == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].offset_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

// Rewrites every live record into fresh arenas: drops replaced records and the strings only they
// used. Runs when garbage passes half the arena, so its cost is amortised over the writes.
void PackedRecords::Compact() {
  PackedRecords fresh;
  fresh.slots_.assign(slots_.size(), Slot{});
  bool ok = true;
  ForEach([&](const ImagePulledRecord& r) { ok = fresh.Put(r) && ok; });
  if (ok) *this = std::move(fresh);  // cannot fail: the live data was smaller than before
}

void PackedRecords::Clear() {
  *this = PackedRecords();
}

}  // namespace pullguard
