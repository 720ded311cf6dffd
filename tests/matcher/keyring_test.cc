// Keyring vectors ported from kubernetes pkg/credentialprovider/keyring_test.go
// (TestDockerKeyringForGlob, TestKeyringMiss, Docker Hub fallback, TestDockerKeyringLookup,
// TestIssue3797, TestIsDefaultRegistryMatch).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "matcher/keyring.h"

using pullguard::Credential;
using pullguard::KeyedCredential;
using pullguard::Keyring;
using pullguard::NormalizeKeyringKey;
using pullguard::Secret;

namespace {

Credential Cred(const std::string& user, const std::string& pass) {
  return Credential{user, Secret(pass)};
}

std::vector<std::string> Users(const std::vector<KeyedCredential>& found) {
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(f.credential.username);
  return out;
}

}  // namespace

TEST_CASE("keyring: upstream TestDockerKeyringForGlob") {
  auto v = GENERATE(values<std::pair<const char*, const char*>>({
      {"https://hello.kubernetes.io", "hello.kubernetes.io"},
      {"https://*.docker.io", "prefix.docker.io"},
      {"https://prefix.*.io", "prefix.docker.io"},
      {"https://prefix.docker.*", "prefix.docker.io"},
      {"https://*.docker.io/path", "prefix.docker.io/path"},
      {"https://prefix.*.io/path", "prefix.docker.io/path/subpath"},
      {"https://prefix.docker.*/path", "prefix.docker.io/path"},
      {"https://*.docker.io:8888", "prefix.docker.io:8888"},
      {"https://prefix.*.io:8888", "prefix.docker.io:8888"},
      {"https://prefix.docker.*:8888", "prefix.docker.io:8888"},
      {"https://*.docker.io/path:1111", "prefix.docker.io/path:1111"},
      {"https://*.docker.io/v1/", "prefix.docker.io/path:1111"},
      {"https://*.docker.io/v2/", "prefix.docker.io/path:1111"},
      {"https://prefix.docker.*/path:1111", "prefix.docker.io/path:1111"},
      {"prefix.docker.io:1111", "prefix.docker.io:1111/path"},
      {"*.docker.io:1111", "prefix.docker.io:1111/path"},
  }));
  CAPTURE(v.first, v.second);
  Keyring k;
  k.Add(v.first, Cred("foo", "bar"));
  auto found = k.Lookup(std::string(v.second) + "/foo/bar");
  REQUIRE(found.size() == 1);
  CHECK(found[0].credential == Cred("foo", "bar"));
}

TEST_CASE("keyring: upstream TestKeyringMiss") {
  auto v = GENERATE(values<std::pair<const char*, const char*>>({
      {"https://hello.kubernetes.io", "world.mesos.org/foo/bar"},
      {"https://*.docker.com", "prefix.docker.io"},
      {"https://suffix.*.io", "prefix.docker.io"},
      {"https://prefix.docker.c*", "prefix.docker.io"},
      {"https://prefix.*.io/path:1111", "prefix.docker.io/path/subpath:1111"},
      {"suffix.*.io", "prefix.docker.io"},
  }));
  CAPTURE(v.first, v.second);
  Keyring k;
  k.Add(v.first, Cred("foo", "bar"));
  CHECK(k.Lookup(std::string(v.second) + "/foo/bar").empty());
}

TEST_CASE("keyring: Docker Hub fallback to index.docker.io (upstream Hit/Miss tests)") {
  Keyring k;
  k.Add("https://index.docker.io/v1/", Cred("foo", "bar"));
  REQUIRE(k.Lookup("google/docker-registry").size() == 1);  // unqualified
  REQUIRE(k.Lookup("jenkins").size() == 1);                 // unqualified library
  // qualified: matches the key directly (host index.docker.io), not only through the fallback
  auto q = k.Lookup("index.docker.io/v1//google/docker-registry");
  REQUIRE(q.size() == 1);
  CHECK(q[0].key == "index.docker.io");
  CHECK(k.Lookup("world.mesos.org/foo/bar").empty());
}

TEST_CASE("keyring: upstream TestIsDefaultRegistryMatch through the fallback") {
  Keyring k;
  k.Add("index.docker.io", Cred("hub", "x"));
  auto v = GENERATE(values<std::pair<const char*, bool>>({
      {"foo/bar", true},
      {"docker.io/foo/bar", true},
      {"index.docker.io/foo/bar", true},
      {"foo", true},
      {"", false},
      {"registry.tld/foo/bar", false},
      {"registry:5000/foo/bar", false},
      {"myhostdocker.io/foo/bar", false},
  }));
  CAPTURE(v.first);
  CHECK(k.Lookup(v.first).empty() == !v.second);
}

TEST_CASE("keyring: upstream TestDockerKeyringLookup: every match, most specific first") {
  Keyring k;
  k.Add("bar.example.com/pong", Cred("grace", "squash"));
  k.Add("bar.example.com", Cred("ada", "smash"));
  using V = std::vector<std::string>;
  auto v = GENERATE(values<std::pair<const char*, V>>({
      {"bar.example.com", V{"ada"}},                     // direct match
      {"bar.example.com/pong", V{"grace", "ada"}},       // deeper match first
      {"bar.example.com/ping", V{"ada"}},                // deeper path ignored
      {"bar.example.com/pongz", V{"grace", "ada"}},      // first part of a path token
      {"bar.example.com/pong/pang", V{"grace", "ada"}},  // regardless of sub-path
      {"example.com", V{}},                              // no host match
      {"foo.example.com", V{}},
  }));
  CAPTURE(v.first);
  CHECK(Users(k.Lookup(v.first)) == v.second);
}

TEST_CASE("keyring: upstream TestIssue3797: scheme and /v1/ stripped") {
  Keyring k;
  k.Add("https://quay.io/v1/", Cred("rex", "tiny arms"));
  for (const char* image : {"quay.io", "quay.io/foo", "quay.io/foo/bar"}) {
    CAPTURE(image);
    CHECK(Users(k.Lookup(image)) == std::vector<std::string>{"rex"});
  }
}

TEST_CASE("keyring: equal keys keep insertion order; unparseable keys are ignored") {
  Keyring k;
  k.Add("quay.io", Cred("first", "1"));
  k.Add("https://quay.io/v2/", Cred("second", "2"));
  k.Add("http://quay.io", Cred("third", "3"));
  k.Add("qu[a]y.io", Cred("ignored", "4"));
  CHECK(Users(k.Lookup("quay.io/x")) == std::vector<std::string>{"first", "second", "third"});
}

TEST_CASE("NormalizeKeyringKey strips scheme and /v1/ /v2/") {
  CHECK(NormalizeKeyringKey("https://index.docker.io/v1/") == "index.docker.io");
  CHECK(NormalizeKeyringKey("http://quay.io/v2/team") == "quay.io/team");
  CHECK(NormalizeKeyringKey("quay.io/v1") == "quay.io/v1");  // no trailing slash: a real path
  CHECK(NormalizeKeyringKey("registry:5000/") == "registry:5000");
  CHECK(NormalizeKeyringKey("gcr.io/project") == "gcr.io/project");
}
