// Ids are arena offsets, so an id never moves when the arena or the table grows, and reading one
// is a view, not a copy.
#include "cache/string_pool.h"

#include <functional>

namespace pullguard {
namespace packed {

void AppendVarint(std::uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

const char* ReadLongVarint(const char* p, std::uint64_t* v) {
  std::uint64_t r = 0;
  for (int shift = 0;; shift += 7) {
    auto b = static_cast<unsigned char>(*p++);
    r |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  *v = r;
  return p;
}

void AppendString(std::string_view s, std::string* out) {
  AppendVarint(s.size(), out);
  out->append(s);
}

}  // namespace packed

namespace {

std::size_t HashOf(std::string_view s) {
  return std::hash<std::string_view>{}(s);
}

}  // namespace

std::optional<StringPool::Id> StringPool::Intern(std::string_view s) {
  if ((count_ + 1) * 4 > table_.size() * 3) Grow();
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = HashOf(s) & mask;; i = (i + 1) & mask) {
    Id slot = table_[i];
    if (slot == 0) {
      if (arena_.size() + s.size() + 10 >= UINT32_MAX) return std::nullopt;
      Id id = static_cast<Id>(arena_.size());
      packed::AppendString(s, &arena_);
      table_[i] = id + 1;
      ++count_;
      return id;
    }
    if (View(slot - 1) == s) return slot - 1;
  }
}

void StringPool::Grow() {
  std::vector<Id> old = std::move(table_);
  table_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  const std::size_t mask = table_.size() - 1;
  for (Id slot : old) {
    if (slot == 0) continue;
    std::size_t i = HashOf(View(slot - 1)) & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = slot;
  }
}

void StringPool::Clear() {
  std::string().swap(arena_);
  std::vector<Id>().swap(table_);
  count_ = 0;
}

}  // namespace pullguard
