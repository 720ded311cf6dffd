// Shared digests (cache/shared_digest.h). Keys written in familiar form by newer kubelets
// ("busybox") and in normalised form ("docker.io/library/busybox") name one repository.
#include "cache/shared_digest.h"

#include <algorithm>
#include <set>

#include "cache/pull_manager.h"

namespace pullguard {

std::vector<std::string> MappedRepositories(const ImagePulledRecord& record) {
  std::set<std::string> repos;
  for (const auto& [key, creds] : record.credential_mapping) {
    auto n = TrimImageTagDigest(key);
    repos.insert(n.ok() ? *n : key);
  }
  return {repos.begin(), repos.end()};
}

bool IsSharedDigest(const ImagePulledRecord& record) {
  return MappedRepositories(record).size() >= 2;
}

std::vector<std::string> UnmappedRepositories(const ImagePulledRecord& record,
                                              const std::vector<std::string>& runtime_names) {
  std::vector<std::string> mapped = MappedRepositories(record);
  std::set<std::string> out;
  for (const std::string& name : runtime_names) {
    auto n = TrimImageTagDigest(name);
    if (!n.ok()) continue;  // not an image name: nothing a pod could name either
    if (!std::binary_search(mapped.begin(), mapped.end(), *n)) out.insert(*n);
  }
  return {out.begin(), out.end()};
}

}  // namespace pullguard
