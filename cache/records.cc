// File naming shared by the store, the index and the audit tools.
#include "cache/records.h"

#include "base/sha256.h"

namespace pullguard {

std::string RecordFileName(const std::string& key) {
  return "sha256-" + Sha256Hex(key);
}

bool IsRecordFileName(const std::string& name) {
  constexpr std::string_view kPrefix = "sha256-";
  constexpr std::string_view kTmp = ".tmp";
  if (name.size() < kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  return !(name.size() >= kTmp.size() &&
           name.compare(name.size() - kTmp.size(), kTmp.size(), kTmp) == 0);
}

}  // namespace pullguard
