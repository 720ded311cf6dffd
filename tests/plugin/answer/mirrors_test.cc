// Mirrored answers (plugin/answer/mirrors.cc): the keys and their order, checked with the port of
// kubelet's keyring (matcher/keyring.h) that decides which credential kubelet tries first.
#include "plugin/answer/mirrors.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/env_posix.h"
#include "matcher/keyring.h"
#include "matcher/urls_match.h"
#include "tests/support/config_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::kConfigHead;
using pullguard::testing::Keys;
using pullguard::testing::MustDecode;
using pullguard::testing::RequestFor;

namespace {

// The usernames kubelet would try for `image`, in its order, with this auth map.
std::vector<std::string> KubeletTries(const std::vector<KeyedCredential>& auth,
                                      const std::string& image) {
  Keyring ring;
  // Added in reverse so the order comes from the keyring's sorting, not from ours.
  for (auto it = auth.rbegin(); it != auth.rend(); ++it) ring.Add(it->key, it->credential);
  std::vector<std::string> users;
  for (const KeyedCredential& k : ring.Lookup(image)) users.push_back(k.credential.username);
  return users;
}

Credential Cred(const std::string& user) {
  return Credential{user, Secret("pw-" + user)};
}

std::string MirrorConfig(const std::string& strategy, const std::string& extra = "") {
  return kConfigHead +
         "registries:\n"
         "  - match: [\"mirror.internal:5000\"]\n"
         "    cacheDuration: 10m\n"
         "    static: {username: mirror-user, password: m}\n"
         "    mirrors:\n"
         "      docker.io: mirror.internal:5000\n"
         "      quay.io: mirror.internal:5000/quay\n" +
         (strategy.empty() ? "" : "    mirrorCredentialsStrategy: " + strategy + "\n") +
         "  - match: [\"docker.io\", \"quay.io\"]\n"
         "    cacheDuration: 2m\n"
         "    static: {username: hub-user, password: h}\n" +
         extra;
}

}  // namespace

TEST_CASE("mirrors: ordered keys match the image and sort in kubelet's order") {
  struct Case {
    std::string name;
    std::vector<std::string> keys;
  };
  const std::vector<Case> cases = {
      {"docker.io/library/busybox",
       {"docker.io/library/busybox", "docker.io/library", "docker.io", "*.io", "*.*"}},
      {"registry.k8s.io/pause",
       {"registry.k8s.io/pause", "registry.k8s.io", "*.k8s.io", "*.*.io", "*.*.*"}},
      {"localhost:5000/team/app",
       {"localhost:5000/team/app", "localhost:5000/team", "localhost:5000", "*:5000"}},
      {"[::1]:5000/repo", {"[::1]:5000/repo", "[::1]:5000"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::vector<std::string> keys = OrderedKeysFor(c.name);
    CHECK(keys == c.keys);
    std::vector<KeyedCredential> auth;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto m = UrlsMatch(keys[i], c.name);
      REQUIRE(m.ok());
      CHECK(*m);
      auth.push_back({keys[i], Cred("u" + std::to_string(i))});
    }
    std::vector<std::string> want;
    for (std::size_t i = 0; i < keys.size(); ++i) want.push_back("u" + std::to_string(i));
    CHECK(KubeletTries(auth, c.name) == want);
  }
  // Kubelet drops a leading /v2/ from a key's path, so such a key is never handed out.
  for (const std::string& k : OrderedKeysFor("reg.example/v2/app")) {
    CHECK(NormalizeKeyringKey(k) == k);
  }
}

TEST_CASE("mirrors: the three strategies order the mirror's and the upstream's credential") {
  const std::string image = "docker.io/library/busybox";
  auto only = MirroredAuth(MirrorCredentialsStrategy::kMirrorOnly, image, {Cred("m")}, {Cred("u")});
  CHECK(KubeletTries(only, image) == std::vector<std::string>{"m"});
  CHECK(Keys(only) == std::vector<std::string>{image});
  auto first =
      MirroredAuth(MirrorCredentialsStrategy::kMirrorFirst, image, {Cred("m")}, {Cred("u")});
  CHECK(KubeletTries(first, image) == std::vector<std::string>{"m", "u"});
  auto last = MirroredAuth(MirrorCredentialsStrategy::kMirrorLast, image, {Cred("m")},
                           {Cred("u1"), Cred("u2")});
  CHECK(KubeletTries(last, image) == std::vector<std::string>{"u1", "u2", "m"});
  // The same credential from both sides is tried once.
  auto same =
      MirroredAuth(MirrorCredentialsStrategy::kMirrorFirst, image, {Cred("m")}, {Cred("m")});
  CHECK(same.size() == 1);
  // No upstream credential: the mirror's alone.
  CHECK(KubeletTries(MirroredAuth(MirrorCredentialsStrategy::kMirrorLast, image, {Cred("m")}, {}),
                     image) == std::vector<std::string>{"m"});
}

TEST_CASE("mirrors: resolve answers the upstream image with the mirror's credential") {
  struct Case {
    std::string strategy;
    std::vector<std::string> tries;
    GoDuration duration;
  };
  for (const Case& c :
       std::vector<Case>{{"", {"mirror-user"}, 10 * kMinute},
                         {"MirrorCredentialsOnly", {"mirror-user"}, 10 * kMinute},
                         {"MirrorCredentialsFirst", {"mirror-user", "hub-user"}, 2 * kMinute},
                         {"MirrorCredentialsLast", {"hub-user", "mirror-user"}, 2 * kMinute}}) {
    INFO("strategy " << c.strategy);
    Config config = MustDecode(MirrorConfig(c.strategy));
    for (const std::string& image :
         {std::string("docker.io/library/busybox"), std::string("busybox:1.36")}) {
      INFO(image);
      auto r = Resolve(config, RequestFor(image), DefaultEnv());
      REQUIRE(r.ok());
      CHECK(r->cache_key_type == CacheKeyType::kImage);
      CHECK(r->cache_duration == c.duration);
      CHECK(KubeletTries(r->auth, "docker.io/library/busybox") == c.tries);
      // Cut for this image: another repository of the registry matches none of the keys that
      // carry a credential ahead of the registry's own.
      CHECK(Keys(r->auth).front() == "docker.io/library/busybox");
    }
  }
}

TEST_CASE("mirrors: a mirror with a path prefix, direct pulls from the mirror, other registries") {
  Config config = MustDecode(MirrorConfig("MirrorCredentialsOnly",
                                          "  - match: [\"ghcr.io\"]\n"
                                          "    cacheKeyType: Global\n"
                                          "    static: {username: gh, password: g}\n"));
  auto quay = Resolve(config, RequestFor("quay.io/org/app"), DefaultEnv());
  REQUIRE(quay.ok());
  CHECK(KubeletTries(quay->auth, "quay.io/org/app") == std::vector<std::string>{"mirror-user"});
  // The mirror itself, named directly: its entry as any other.
  auto direct = Resolve(config, RequestFor("mirror.internal:5000/library/busybox"), DefaultEnv());
  REQUIRE(direct.ok());
  CHECK(Keys(direct->auth) == std::vector<std::string>{"mirror.internal:5000"});
  CHECK(direct->cache_key_type == CacheKeyType::kRegistry);
  // A Global answer would be reused for docker.io images without asking: narrowed to Registry.
  auto gh = Resolve(config, RequestFor("ghcr.io/org/app"), DefaultEnv());
  REQUIRE(gh.ok());
  CHECK(gh->cache_key_type == CacheKeyType::kRegistry);
  CHECK(Keys(gh->auth) == std::vector<std::string>{"ghcr.io"});
}

TEST_CASE("mirrors: an entry whose source has no credential for the mirror's repository fails") {
  Config config = MustDecode(kConfigHead +
                             "registries:\n"
                             "  - match: [\"mirror.internal:5000/other\"]\n"
                             "    static: {username: m, password: m}\n"
                             "    mirrors: {docker.io: mirror.internal:5000}\n");
  auto r = Resolve(config, RequestFor("docker.io/library/busybox"), DefaultEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "registries[0]: the entry has no credential for mirror.internal:5000/library/busybox (the "
        "mirror of docker.io/library/busybox)");
}

TEST_CASE(
    "mirrors: an upstream credential kubelet finds only by the Docker Hub fallback is re-keyed") {
  // Kubelet uses an index.docker.io key only when no key matched; next to the mirror's keys it
  // would never be tried, so the answer gives it a key that matches the image.
  pullguard::testing::TempDir dir;
  std::string hub = dir.Write(
      "hub.json", R"({"auths":{"https://index.docker.io/v1/":{"username":"hub","password":"h"}}})");
  Config config = MustDecode(kConfigHead +
                             "registries:\n"
                             "  - match: [\"mirror.internal:5000\"]\n"
                             "    static: {username: mirror-user, password: m}\n"
                             "    mirrors: {docker.io: mirror.internal:5000}\n"
                             "    mirrorCredentialsStrategy: MirrorCredentialsLast\n"
                             "  - match: [\"docker.io\"]\n"
                             "    dockerConfig: " +
                             hub + "\n");
  auto r = Resolve(config, RequestFor("docker.io/library/busybox"), DefaultEnv());
  REQUIRE(r.ok());
  CHECK(KubeletTries(r->auth, "docker.io/library/busybox") ==
        std::vector<std::string>{"hub", "mirror-user"});
}
