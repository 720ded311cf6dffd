// A line-by-line port of kubelet's image_pull_manager.go merge helpers, including the quirk that
// a new image key takes the credentials exactly as given (unsorted); and their batch form for
// group commit, tested against them.
#include "cache/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace pullguard {
namespace {

using SecretKey = std::tuple<std::string, std::string, std::string>;  // ns, name, uid: sort order

void Insert(std::map<SecretKey, std::string>& set, const std::vector<ImagePullSecret>& from) {
  for (const auto& s : from) set[SecretKey{s.ns, s.name, s.uid}] = s.credential_hash;
}

// Adds `add` to `set`; whether anything was new or got a new hash.
bool MergeInto(std::map<SecretKey, std::string>& set, const std::vector<ImagePullSecret>& add) {
  bool changed = false;
  for (const auto& s : add) {
    auto [it, inserted] = set.try_emplace(SecretKey{s.ns, s.name, s.uid}, s.credential_hash);
    if (!inserted && it->second != s.credential_hash) {
      it->second = s.credential_hash;  // the new hash wins
      changed = true;
    }
    changed = changed || inserted;
  }
  return changed;
}

std::vector<ImagePullSecret> Sorted(const std::map<SecretKey, std::string>& set) {
  std::vector<ImagePullSecret> out;
  out.reserve(set.size());
  for (const auto& [k, hash] : set) {
    out.push_back(ImagePullSecret{std::get<2>(k), std::get<0>(k), std::get<1>(k), hash});
  }
  return out;
}

}  // namespace

bool MergePullSecrets(std::vector<ImagePullSecret>& orig, const std::vector<ImagePullSecret>& add) {
  std::map<SecretKey, std::string> set;
  Insert(set, orig);
  if (!MergeInto(set, add)) return false;
  orig = Sorted(set);
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

std::vector<ImagePullCredentials> CredentialSetMerges(
    const std::vector<ImagePullSecret>& secrets,
    const std::vector<ImagePullServiceAccount>& service_accounts, bool node_pods_accessible) {
  if (node_pods_accessible) return {ImagePullCredentials{{}, {}, true}};
  ImagePullCredentials s, a;
  MergePullSecrets(s.kubernetes_secrets, secrets);
  MergePullServiceAccounts(a.kubernetes_service_accounts, service_accounts);
  std::vector<ImagePullCredentials> out;
  if (!s.Empty()) out.push_back(std::move(s));
  if (!a.Empty()) out.push_back(std::move(a));
  if (out.empty()) out.emplace_back();
  return out;
}

std::vector<bool> MergeCredentialsInOrder(
    ImagePulledRecord& record,
    const std::vector<std::pair<std::string, ImagePullCredentials>>& adds) {
  // image -> its secrets as a set, while consecutive adds merge secrets into it; `dirty` once one
  // changed something (only then is the entry rewritten, sorted, as MergePullSecrets would).
  struct Open {
    std::map<SecretKey, std::string> set;
    bool dirty = false;
  };
  std::map<std::string, Open> open;
  auto close = [&](const std::string& image) {
    auto it = open.find(image);
    if (it == open.end()) return;
    if (it->second.dirty) {
      record.credential_mapping[image].kubernetes_secrets = Sorted(it->second.set);
    }
    open.erase(it);
  };
  std::vector<bool> changed;
  changed.reserve(adds.size());
  for (const auto& [image, creds] : adds) {
    auto entry = record.credential_mapping.find(image);
    // MergeCredentials' path to MergePullSecrets; anything else goes through it as is.
    bool secrets = !creds.Empty() && entry != record.credential_mapping.end() &&
                   !entry->second.node_pods_accessible && !creds.node_pods_accessible &&
                   !creds.kubernetes_secrets.empty();
    if (!secrets) {
      close(image);
      changed.push_back(MergeCredentials(record, image, creds));
      continue;
    }
    auto [o, fresh] = open.try_emplace(image);
    if (fresh) Insert(o->second.set, entry->second.kubernetes_secrets);
    bool c = MergeInto(o->second.set, creds.kubernetes_secrets);
    o->second.dirty = o->second.dirty || c;
    changed.push_back(c);
  }
  while (!open.empty()) close(open.begin()->first);
  return changed;
}

}  // namespace pullguard
