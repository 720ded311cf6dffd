// A line-by-line port of kubelet's image_pull_manager.go merge helpers, including the quirk that
// a new image key takes the credentials exactly as given (unsorted).
#include "cache/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace pullguard {

bool MergePullSecrets(std::vector<ImagePullSecret>& orig, const std::vector<ImagePullSecret>& add) {
  using Key = std::tuple<std::string, std::string, std::string>;  // ns, name, uid: sort order
  std::map<Key, std::string> set;
  for (const auto& s : orig) set[Key{s.ns, s.name, s.uid}] = s.credential_hash;
  bool changed = false;
  for (const auto& s : add) {
    Key k{s.ns, s.name, s.uid};
    auto it = set.find(k);
    if (it == set.end() || it->second != s.credential_hash) {
      changed = true;
      set[k] = s.credential_hash;
    }
  }
  if (!changed) return false;
  std::vector<ImagePullSecret> out;
  out.reserve(set.size());
  for (auto& [k, hash] : set) {
    out.push_back(ImagePullSecret{std::get<2>(k), std::get<0>(k), std::get<1>(k), hash});
  }
  orig = std::move(out);
  return true;
}

bool MergePullServiceAccounts(std::vector<ImagePullServiceAccount>& orig,
                              const std::vector<ImagePullServiceAccount>& add) {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::set<Key> set;
  for (const auto& s : orig) set.insert(Key{s.ns, s.name, s.uid});
  bool changed = false;
  for (const auto& s : add) changed = set.insert(Key{s.ns, s.name, s.uid}).second || changed;
  if (!changed) return false;
  std::vector<ImagePullServiceAccount> out;
  out.reserve(set.size());
  for (const auto& k : set) {
    out.push_back(ImagePullServiceAccount{std::get<2>(k), std::get<0>(k), std::get<1>(k)});
  }
  orig = std::move(out);
  return true;
}

bool MergeCredentials(ImagePulledRecord& record, const std::string& image,
                      const ImagePullCredentials& creds) {
  if (creds.Empty()) return false;
  auto it = record.credential_mapping.find(image);
  if (it == record.credential_mapping.end()) {
    record.credential_mapping.emplace(image, creds);
    return true;
  }
  ImagePullCredentials& selected = it->second;
  if (selected.node_pods_accessible) return false;
  if (creds.node_pods_accessible) {
    selected.node_pods_accessible = true;
    selected.kubernetes_secrets.clear();
    selected.kubernetes_service_accounts.clear();
    return true;
  }
  // kubelet merges secrets when any are given and service accounts otherwise, never both.
  if (!creds.kubernetes_secrets.empty()) {
    return MergePullSecrets(selected.kubernetes_secrets, creds.kubernetes_secrets);
  }
  return MergePullServiceAccounts(selected.kubernetes_service_accounts,
                                  creds.kubernetes_service_accounts);
}

}  // namespace pullguard
