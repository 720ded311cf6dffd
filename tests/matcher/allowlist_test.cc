// preloadedImagesVerificationAllowlist: kubelet's entry validation (pullmanager
// getAllowlistImagePattern) and matching of normalised pod images.
#include <catch2/catch.hpp>
#include <string>

#include "matcher/allowlist.h"

using pullguard::Allowlist;
using pullguard::ValidateAllowlistEntry;

TEST_CASE("allowlist: valid entries") {
  auto entry =
      GENERATE("docker.io/library/nginx", "test.io/test/*", "test.io/*", "localhost/foo",
               "registry.k8s.io/pause", "example.com:5000/team/app", "x/*", "[::1]:5000/repo");
  CAPTURE(entry);
  CHECK(ValidateAllowlistEntry(entry).ok());
}

TEST_CASE("allowlist: invalid entries and kubelet's messages") {
  auto v = GENERATE(values<std::pair<const char*, const char*>>({
      {"", "the supplied pattern is too short: \"\""},
      {"/*", "at least registry hostname is required: \"/*\""},
      {"*", "not a valid wildcard pattern, only patterns ending with '/*' are allowed: \"*\""},
      {"test.io/*/foo",
       "not a valid wildcard pattern, only patterns ending with '/*' are allowed: "
       "\"test.io/*/foo\""},
      {"test.io/test*",
       "not a valid wildcard pattern, only patterns ending with '/*' are allowed: "
       "\"test.io/test*\""},
      {"*.test.io/*",
       "not a valid wildcard pattern, only patterns ending with '/*' are allowed: "
       "\"*.test.io/*\""},
      {" docker.io/library/nginx",
       "leading/trailing spaces are not allowed: \" docker.io/library/nginx\""},
      {"test.io/test/* ", "leading/trailing spaces are not allowed: \"test.io/test/* \""},
      {"docker.io/library/nginx:1.25",
       "neither tag nor digest is accepted in an image reference: "
       "\"docker.io/library/nginx:1.25\""},
      {"docker.io/library/nginx@sha256:"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "neither tag nor digest is accepted in an image reference: "
       "\"docker.io/library/nginx@sha256:"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\""},
      {"nginx", "image name must be fully qualified (\"docker.io/library/nginx\", not \"nginx\")"},
      {"docker.io/nginx",
       "image name must be fully qualified (\"docker.io/library/nginx\", not \"docker.io/nginx\")"},
      {"index.docker.io/library/nginx",
       "image name must be fully qualified (\"docker.io/library/nginx\", not "
       "\"index.docker.io/library/nginx\")"},
      {"Docker.io/Library/nginx",
       "failed to parse as an image name: invalid reference \"Docker.io/Library/nginx\": "
       "repository name must be lowercase"},
  }));
  CAPTURE(v.first);
  auto s = ValidateAllowlistEntry(v.first);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == v.second);
}

TEST_CASE("allowlist: Make stops at the first invalid entry and names it") {
  auto l = Allowlist::Make({"docker.io/library/nginx", "nginx:latest", "*"});
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().message.find("\"nginx:latest\"") != std::string::npos);
}

TEST_CASE("allowlist: normalised pod images match exact names and /* prefixes") {
  auto l = Allowlist::Make({"docker.io/library/alpine", "test.io/test/*", "localhost:5000/*"});
  REQUIRE(l.ok());
  auto v = GENERATE(values<std::pair<const char*, bool>>({
      {"alpine", true},
      {"alpine:3.20", true},
      {"docker.io/library/alpine", true},
      {"index.docker.io/library/alpine:edge", true},
      {"docker.io/library/alpine@sha256:"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       true},
      {"alpine/git", false},  // docker.io/alpine/git
      {"docker.io/library/alpinex", false},
      {"test.io/test/app", true},
      {"test.io/test/deep/app:1", true},
      {"test.io/test", false},  // the prefix is "test.io/test/"
      {"test.io/tester/app", false},
      {"localhost:5000/anything", true},
      {"localhost/anything", false},
      {"NotAnImage", false},  // unparseable images never match
      {"", false},
  }));
  CAPTURE(v.first);
  CHECK(l->Matches(v.first) == v.second);
}

TEST_CASE("allowlist: pod images as written (kubelet 1.33-1.35, before kubernetes#137629)") {
  // imageMatches at image_pull_policies.go 5ce22905: the pod's string, unparsed.
  auto l = Allowlist::Make({"docker.io/library/alpine", "test.io/test/*", "localhost:5000/*"});
  REQUIRE(l.ok());
  auto v = GENERATE(values<std::pair<const char*, bool>>({
      {"docker.io/library/alpine", true},
      {"alpine", false},
      {"alpine:3.20", false},
      {"docker.io/library/alpine:3.20", false},  // the tag is part of the string
      {"index.docker.io/library/alpine", false},
      {"test.io/test/app", true},
      {"test.io/test/deep/app:1", true},
      {"test.io/test", false},
      {"localhost:5000/anything", true},
      {"NotAnImage", false},
      {"", false},
  }));
  CAPTURE(v.first);
  CHECK(l->MatchesAsWritten(v.first) == v.second);
}
