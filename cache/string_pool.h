// Interned strings for the record index (pullguard's own, no kubelet counterpart): every distinct
// string once, in one arena, named by a 32-bit id. The strings of kubelet's records repeat across
// records (namespaces, secret names and UIDs, credential hashes, repositories), so an index over
// many records holds each once instead of once per record. Also the varints and length-prefixed
// strings the index packs its records with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pullguard {

namespace packed {

void AppendVarint(std::uint64_t v, std::string* out);
const char* ReadLongVarint(const char* p, std::uint64_t* v);
// Reads the varint at `p`; returns where the next item starts. Inline, all of it: string ids are
// arena offsets (three or four bytes in a large index), read several times per decision.
inline const char* ReadVarint(const char* p, std::uint64_t* v) {
  auto b = static_cast<unsigned char>(*p++);
  std::uint64_t r = b & 0x7f;
  for (int shift = 7; b >= 0x80; shift += 7) {
    b = static_cast<unsigned char>(*p++);
    r |= static_cast<std::uint64_t>(b & 0x7f) << shift;
  }
  *v = r;
  return p;
}

// A string as its varint length, then its bytes.
void AppendString(std::string_view s, std::string* out);
// The string that starts at `p` (a view into the buffer); `next` gets where the next item starts.
inline std::string_view ReadString(const char* p, const char** next) {
  std::uint64_t n;
  p = ReadVarint(p, &n);
  *next = p + n;
  return std::string_view(p, static_cast<std::size_t>(n));
}

}  // namespace packed

class StringPool {
 public:
  using Id = std::uint32_t;

  // The id of `s`, added when new; nullopt when the arena would pass 4 GiB (ids are offsets).
  std::optional<Id> Intern(std::string_view s);
  // The text of an id; valid until the next Intern.
  std::string_view View(Id id) const {
    const char* next;
    return packed::ReadString(arena_.data() + id, &next);
  }
  // Starts loading an id's text into the cache (a hint; no effect on what View returns).
  void Prefetch(Id id) const { __builtin_prefetch(arena_.data() + id); }
  std::size_t size() const { return count_; }
  // Bytes held: the arena and the table.
  std::size_t bytes() const { return arena_.size() + table_.size() * sizeof(Id); }
  void Clear();

 private:
  void Grow();

  std::string arena_;      // packed strings back to back
  std::vector<Id> table_;  // linear probing; 0 = empty, else the arena offset + 1
  std::size_t count_ = 0;
};

}  // namespace pullguard
