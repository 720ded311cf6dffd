// Shared digests (cache/shared_digest.h, kubernetes/kubernetes#138175): one imageRef mapped from
// images of several repositories; two spellings of one repository are one repository.
#include <catch2/catch.hpp>

#include "cache/shared_digest.h"

using namespace pullguard;

TEST_CASE("shared digests: repositories named by a record's credentialMapping") {
  ImagePulledRecord r;
  r.image_ref = "sha256:x";
  CHECK(MappedRepositories(r).empty());
  CHECK_FALSE(IsSharedDigest(r));
  r.credential_mapping["docker.io/library/busybox"].node_pods_accessible = true;
  r.credential_mapping["busybox"].node_pods_accessible = true;  // newer kubelets' familiar key
  CHECK(MappedRepositories(r) == std::vector<std::string>{"docker.io/library/busybox"});
  CHECK_FALSE(IsSharedDigest(r));
  r.credential_mapping["quay.io/private/busybox"].kubernetes_secrets.push_back(
      {"uid", "ns", "s", "hash"});
  CHECK(MappedRepositories(r) ==
        std::vector<std::string>{"docker.io/library/busybox", "quay.io/private/busybox"});
  CHECK(IsSharedDigest(r));
}

TEST_CASE("shared digests: the runtime's names the record does not map (the #138175 case)") {
  // A private pull wrote the record; the same content was preloaded under a public name.
  ImagePulledRecord r;
  r.image_ref = "sha256:x";
  r.credential_mapping["registry.example/private/app"].kubernetes_secrets.push_back(
      {"uid", "ns", "s", "hash"});
  CHECK_FALSE(IsSharedDigest(r));
  std::vector<std::string> names = {"registry.example/private/app:1",
                                    "registry.example/private/app@sha256:" + std::string(64, 'a'),
                                    "app:1", "docker.io/library/app@sha256:" + std::string(64, 'a'),
                                    "not a name"};
  CHECK(UnmappedRepositories(r, names) == std::vector<std::string>{"docker.io/library/app"});
  CHECK(UnmappedRepositories(r, {}).empty());
}
