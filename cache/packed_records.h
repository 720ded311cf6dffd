// The record index's storage (pullguard's own, no kubelet counterpart): kubelet's
// ImagePulledRecords keyed by imageRef, each packed into a few dozen bytes of one arena with its
// strings interned (cache/string_pool.h), instead of a heap object per field and per map node
// (~850 bytes per record before; the figures are in bench/NOTES.md). Get decodes a record back;
// View reads one in place, for decisions (no copy, no allocation).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cache/records.h"
#include "cache/string_pool.h"

namespace pullguard {

// One secret or service account of a packed record, as views into the index.
struct PackedSecret {
  std::string_view uid;
  std::string_view ns;
  std::string_view name;
  std::string_view credential_hash;
};
struct PackedServiceAccount {
  std::string_view uid;
  std::string_view ns;
  std::string_view name;
};

// The secrets or service accounts of a credentialMapping entry: a forward range that reads the
// string ids as it goes.
template <class T>
class PackedList {
 public:
  class iterator {
   public:
    iterator(const char* p, const StringPool* strings, std::size_t left)
        : p_(p), strings_(strings), left_(left) {}
    T operator*() const;
    iterator& operator++();
    bool operator==(const iterator& o) const { return left_ == o.left_; }
    bool operator!=(const iterator& o) const { return left_ != o.left_; }

   private:
    const char* p_;
    const StringPool* strings_;
    std::size_t left_;
  };
  PackedList() = default;
  PackedList(const char* p, const StringPool* strings, std::size_t n)
      : p_(p), strings_(strings), n_(n) {}
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  iterator begin() const { return iterator(p_, strings_, n_); }
  iterator end() const { return iterator(nullptr, strings_, 0); }

 private:
  const char* p_ = nullptr;
  const StringPool* strings_ = nullptr;
  std::size_t n_ = 0;
};

// One credentialMapping entry read in place (what ImagePullCredentials holds).
struct PackedCredentials {
  bool node_pods_accessible = false;
  PackedList<PackedSecret> kubernetes_secrets;
  PackedList<PackedServiceAccount> kubernetes_service_accounts;
};

// A record read in place: what a decision reads of it. Views into the index, valid until the
// index changes (a write through it may move its arenas).
class PackedRecordView {
 public:
  bool present() const { return strings_ != nullptr; }
  std::optional<RecordTime> last_updated_time;
  std::size_t mapping_size() const { return entries_; }
  // Calls f(key, const PackedCredentials&) for each credentialMapping entry in key order, until
  // f returns true; returns whether it did.
  template <class F>
  bool AnyMapping(F&& f) const;

 private:
  friend class PackedRecords;
  const char* mapping_ = nullptr;  // the first entry
  std::size_t entries_ = 0;
  const StringPool* strings_ = nullptr;
};

class PackedRecords {
 public:
  // Inserts the record of r.image_ref or replaces it. False, and nothing changed, when the arenas
  // would pass 4 GiB (offsets are 32-bit).
  bool Put(const ImagePulledRecord& r);
  // False when there was no record of `image_ref`.
  bool Erase(std::string_view image_ref);
  // Decodes the record of `image_ref` into `out`; false when there is none.
  bool Get(std::string_view image_ref, ImagePulledRecord* out) const;
  // The record of `image_ref` read in place; false when there is none.
  bool View(std::string_view image_ref, PackedRecordView* out) const;
  // Calls f(const ImagePulledRecord&) for every record, in no particular order.
  template <class F>
  void ForEach(F&& f) const {
    ImagePulledRecord r;
    for (const Slot& s : slots_) {
      if (s.offset_plus_one == 0) continue;
      Decode(blobs_.data() + (s.offset_plus_one - 1), &r);
      f(static_cast<const ImagePulledRecord&>(r));
    }
  }
  std::size_t size() const { return count_; }
  // Bytes held: records (with garbage not yet compacted), slots and strings.
  std::size_t bytes() const {
    return blobs_.size() + slots_.size() * sizeof(Slot) + strings_.bytes();
  }
  void Clear();

 private:
  struct Slot {
    std::uint32_t offset_plus_one = 0;  // 0: empty
    std::uint32_t hash = 0;             // of the imageRef's text
  };

  // The slot holding `image_ref`, or the empty slot where it would go.
  std::size_t Find(std::string_view image_ref, std::uint32_t hash) const;
  bool Encode(const ImagePulledRecord& r, std::string* out);
  void Decode(const char* blob, ImagePulledRecord* out) const;
  std::size_t BlobSize(std::uint32_t offset) const;
  void Prefetch(const char* mapping, std::size_t entries) const;
  void RemoveSlot(std::size_t i);
  void Grow();
  void Compact();

  std::string blobs_;        // varint length, then the packed record; replaced ones stay as garbage
  std::vector<Slot> slots_;  // linear probing on the imageRef's hash
  StringPool strings_;
  std::size_t count_ = 0;
  std::size_t garbage_ = 0;  // bytes of blobs_ no slot points to
  std::string scratch_;
};

namespace packed {

// Skips `n` varints.
inline const char* SkipVarints(const char* p, std::size_t n) {
  for (; n > 0; --n) {
    while ((static_cast<unsigned char>(*p) & 0x80) != 0) ++p;
    ++p;
  }
  return p;
}

inline std::string_view ReadId(const char*& p, const StringPool& strings) {
  std::uint64_t id;
  p = ReadVarint(p, &id);
  return strings.View(static_cast<StringPool::Id>(id));
}

}  // namespace packed

template <>
inline PackedSecret PackedList<PackedSecret>::iterator::operator*() const {
  const char* p = p_;
  PackedSecret s;
  s.uid = packed::ReadId(p, *strings_);
  s.ns = packed::ReadId(p, *strings_);
  s.name = packed::ReadId(p, *strings_);
  s.credential_hash = packed::ReadId(p, *strings_);
  return s;
}

template <>
inline PackedServiceAccount PackedList<PackedServiceAccount>::iterator::operator*() const {
  const char* p = p_;
  PackedServiceAccount a;
  a.uid = packed::ReadId(p, *strings_);
  a.ns = packed::ReadId(p, *strings_);
  a.name = packed::ReadId(p, *strings_);
  return a;
}

template <class T>
typename PackedList<T>::iterator& PackedList<T>::iterator::operator++() {
  p_ = packed::SkipVarints(p_, std::is_same_v<T, PackedSecret> ? 4 : 3);
  --left_;
  return *this;
}

template <class F>
bool PackedRecordView::AnyMapping(F&& f) const {
  const char* p = mapping_;
  for (std::size_t e = 0; e < entries_; ++e) {
    std::string_view key = packed::ReadId(p, *strings_);
    std::uint64_t secrets;
    std::uint64_t accounts;
    p = packed::ReadVarint(p, &secrets);
    p = packed::ReadVarint(p, &accounts);
    PackedCredentials c;
    c.node_pods_accessible = (secrets & 1) != 0;
    c.kubernetes_secrets = PackedList<PackedSecret>(p, strings_, secrets >> 1);
    p = packed::SkipVarints(p, 4 * (secrets >> 1));
    c.kubernetes_service_accounts = PackedList<PackedServiceAccount>(p, strings_, accounts);
    p = packed::SkipVarints(p, 3 * accounts);
    if (f(key, static_cast<const PackedCredentials&>(c))) return true;
  }
  return false;
}

}  // namespace pullguard
