// kubelet's KEP-2535 record types (kubelet.config.k8s.io ImagePullIntent, ImagePulledRecord) as
// plain values, plus the file naming rule "sha256-<hex of key>".
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace pullguard {

using RecordTime = std::chrono::sys_seconds;

inline constexpr std::string_view kApiV1Beta1 = "kubelet.config.k8s.io/v1beta1";
inline constexpr std::string_view kApiV1Alpha1 = "kubelet.config.k8s.io/v1alpha1";

struct ImagePullSecret {
  std::string uid;
  std::string ns;  // "namespace" on disk
  std::string name;
  std::string credential_hash;
  bool operator==(const ImagePullSecret&) const = default;
  bool SameCoordinates(const ImagePullSecret& o) const {
    return uid == o.uid && ns == o.ns && name == o.name;
  }
};

struct ImagePullServiceAccount {
  std::string uid;
  std::string ns;
  std::string name;
  bool operator==(const ImagePullServiceAccount&) const = default;
};

// kubelet's order for both lists: namespace, name, uid.
inline bool SecretLess(const ImagePullSecret& a, const ImagePullSecret& b) {
  return std::tie(a.ns, a.name, a.uid) < std::tie(b.ns, b.name, b.uid);
}
inline bool ServiceAccountLess(const ImagePullServiceAccount& a, const ImagePullServiceAccount& b) {
  return std::tie(a.ns, a.name, a.uid) < std::tie(b.ns, b.name, b.uid);
}

struct ImagePullCredentials {
  std::vector<ImagePullSecret> kubernetes_secrets;
  std::vector<ImagePullServiceAccount> kubernetes_service_accounts;
  bool node_pods_accessible = false;
  bool operator==(const ImagePullCredentials&) const = default;
  bool Empty() const {
    return !node_pods_accessible && kubernetes_secrets.empty() &&
           kubernetes_service_accounts.empty();
  }
};

struct ImagePulledRecord {
  // As read (one of the two constants, so no per-record allocation); writes use v1beta1.
  std::string_view api_version = kApiV1Beta1;
  std::optional<RecordTime> last_updated_time;  // null on disk when absent
  std::string image_ref;
  // Keys: the image without tag and digest. std::map sorts like Go's map encoding.
  std::map<std::string, ImagePullCredentials> credential_mapping;
  bool operator==(const ImagePulledRecord&) const = default;
};

struct ImagePullIntent {
  std::string_view api_version = kApiV1Beta1;
  std::string image;
  bool operator==(const ImagePullIntent&) const = default;
};

// "sha256-" + hex(sha256(key)): an intent's key is its image, a record's its imageRef.
std::string RecordFileName(const std::string& key);

// kubelet's listing filter: a "sha256-" prefix and no ".tmp" suffix.
bool IsRecordFileName(const std::string& name);

}  // namespace pullguard
