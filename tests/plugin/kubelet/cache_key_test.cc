// The cache-key rule (plugin/kubelet/cache_key.h): which patterns belong in an answer kubelet
// caches under the image, its registry, or globally.
#include "plugin/kubelet/cache_key.h"

#include <catch2/catch.hpp>

using namespace pullguard;

TEST_CASE("cache key: registry and repository pieces of an image", "[cache_key]") {
  CHECK(RegistryOf("registry.example:5000/team/app") == "registry.example:5000");
  CHECK(RegistryOf("busybox") == "busybox");
  CHECK(StripTagAndDigest("registry.example:5000/team/app:1") == "registry.example:5000/team/app");
  CHECK(StripTagAndDigest("registry.example:5000/team/app") == "registry.example:5000/team/app");
  CHECK(StripTagAndDigest("r.example/app:1@sha256:abc") == "r.example/app");
  CHECK(StripTagAndDigest("app:1") == "app");
}

TEST_CASE("cache key: a pattern is in scope when it covers an image sharing the key",
          "[cache_key]") {
  struct Case {
    const char* pattern;
    const char* image;
    CacheKeyType scope;
    bool want;
  };
  const Case cases[] = {
      // Image: URLsMatch on the image itself (path prefixes, per-label globs).
      {"r.example/team", "r.example/team/app", CacheKeyType::kImage, true},
      {"r.example/other", "r.example/team/app", CacheKeyType::kImage, false},
      {"*.example", "r.example/team/app", CacheKeyType::kImage, true},
      // Registry: any image of the image's registry, so a sibling path pattern belongs too.
      {"r.example/other", "r.example/team/app", CacheKeyType::kRegistry, true},
      {"*.example/x", "r.example/team/app", CacheKeyType::kRegistry, true},
      {"q.example", "r.example/team/app", CacheKeyType::kRegistry, false},
      {"r.example:5000", "r.example/team/app", CacheKeyType::kRegistry, false},
      // Global: every pattern.
      {"q.example", "r.example/team/app", CacheKeyType::kGlobal, true},
  };
  for (const Case& c : cases) {
    INFO(c.pattern << " vs " << c.image << " scope " << CacheKeyTypeName(c.scope));
    auto in = PatternInScope(c.pattern, c.image, c.scope);
    REQUIRE(in.ok());
    CHECK(*in == c.want);
  }
  auto kept = PatternsInScope({"q.example", "r.example/a", "r.example/b"}, "r.example/a/app",
                              CacheKeyType::kRegistry);
  REQUIRE(kept.ok());
  CHECK(*kept == std::vector<std::string>{"r.example/a", "r.example/b"});
}
