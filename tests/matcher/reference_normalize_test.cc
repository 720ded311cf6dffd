// distribution/reference normalize_test.go (TestValidateReferenceName, TestValidateRemoteName,
// TestParseRepositoryInfo, TestParseReferenceWithTagAndDigest, TestParseAnyReference,
// TestNormalizedSplitHostname) and kubernetes pkg/util/parsers/parsers_test.go, ported.
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "matcher/reference.h"

using pullguard::ParseKubernetesImage;
using pullguard::ParseNormalizedReference;
using pullguard::ReferenceError;

namespace {
const std::string kHex64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";
}  // namespace

TEST_CASE("normalize: upstream TestValidateReferenceName valid names") {
  auto name = GENERATE(
      as<std::string>{}, "docker/docker", "library/debian", "debian", "docker.io/docker/docker",
      "docker.io/library/debian", "docker.io/debian", "index.docker.io/docker/docker",
      "index.docker.io/library/debian", "index.docker.io/debian", "127.0.0.1:5000/docker/docker",
      "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian", "192.168.0.1", "192.168.0.1:80",
      "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
      "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker",
      "[fc00::1]:5000/docker/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
      "docker.io/" + kHex64, "Docker/docker", "DOCKER/docker");
  CAPTURE(name);
  auto r = ParseNormalizedReference(name);
  CHECK(r.ok());
}

TEST_CASE("normalize: upstream TestValidateReferenceName invalid names") {
  auto name = GENERATE(as<std::string>{}, "https://github.com/docker/docker", "docker/Docker",
                       "-docker", "-docker/docker", "-docker.io/docker/docker", "docker///docker",
                       "docker.io/docker/Docker", "docker.io/docker///docker", "[fc00::1]",
                       "[fc00::1]:5000", "fc00::1:5000/debian", "[fe80::1%eth0]:5000/debian",
                       "[2001:db8:3:4::192.0.2.33]:5000/debian", kHex64);
  CAPTURE(name);
  CHECK_FALSE(ParseNormalizedReference(name).ok());
}

TEST_CASE("normalize: upstream TestValidateRemoteName") {
  auto valid = GENERATE(as<std::string>{}, "docker/docker",
                        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
                        "docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker",
                        "jess/t", "dock__er/docker");
  CAPTURE(valid);
  CHECK(ParseNormalizedReference(valid).ok());
}

TEST_CASE("normalize: upstream TestValidateRemoteName invalid") {
  auto invalid = GENERATE(
      as<std::string>{}, "docker/Docker", "docker///docker", kHex64, "-docker/docker",
      "docker-/docker", "-docker-/docker", "____/____", "_docker/_docker", "dock..er/docker",
      "dock_.er/docker", "dock-.er/docker", "docker/",
      "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
      "namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
      "lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_"
      "255/docker");
  CAPTURE(invalid);
  CHECK_FALSE(ParseNormalizedReference(invalid).ok());
}

namespace {

struct RepoInfo {
  const char* remote;
  const char* familiar;
  const char* full;
  const char* ambiguous;
  const char* domain;
};

}  // namespace

TEST_CASE("normalize: upstream TestParseRepositoryInfo") {
  auto tc = GENERATE(values<RepoInfo>({
      {"fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io"},
      {"library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io"},
      {"nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "", "docker.io"},
      {"other/library", "other/library", "docker.io/other/library", "", "docker.io"},
      {"private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "",
       "127.0.0.1:8000"},
      {"privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "",
       "127.0.0.1:8000"},
      {"private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", "",
       "example.com"},
      {"privatebase", "example.com/privatebase", "example.com/privatebase", "", "example.com"},
      {"private/moonbase", "example.com:8000/private/moonbase", "example.com:8000/private/moonbase",
       "", "example.com:8000"},
      {"privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee", "",
       "example.com:8000"},
      {"library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base",
       "index.docker.io/library/ubuntu-12.04-base", "docker.io"},
      {"library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io"},
      {"library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", "", "docker.io"},
      {"store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "", "docker.io"},
      {"bar", "Foo/bar", "Foo/bar", "", "Foo"},
      {"bar", "FOO/bar", "FOO/bar", "", "FOO"},
  }));
  std::vector<std::string> inputs = {tc.familiar, tc.full};
  if (*tc.ambiguous != '\0') inputs.push_back(tc.ambiguous);
  for (const std::string& in : inputs) {
    CAPTURE(in);
    auto r = ParseNormalizedReference(in);
    REQUIRE(r.ok());
    CHECK(r->Familiar() == tc.familiar);
    CHECK(r->String() == tc.full);
    CHECK(r->domain == tc.domain);
    CHECK(r->path == tc.remote);
    auto name = pullguard::ParseNormalizedName(in);
    REQUIRE(name.ok());
    CHECK(*name == tc.full);  // no tag or digest in these: the full form is the name
  }
}

TEST_CASE("normalize: upstream TestParseReferenceWithTagAndDigest") {
  const std::string short_ref =
      "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
  auto r = ParseNormalizedReference(short_ref);
  REQUIRE(r.ok());
  CHECK(r->String() == "docker.io/library/" + short_ref);
  CHECK(r->tag == "latest");
  CHECK(r->digest == "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
  CHECK(r->Familiar() + ":" + r->tag + "@" + r->digest == short_ref);
}

TEST_CASE("normalize: upstream TestInvalidReferenceComponents") {
  CHECK_FALSE(ParseNormalizedReference("-foo").ok());
  CHECK(ParseNormalizedReference("busybox").ok());
  CHECK_FALSE(ParseNormalizedReference("busybox:-foo").ok());  // WithTag(ref, "-foo")
  CHECK_FALSE(ParseNormalizedReference("busybox@foo").ok());   // WithDigest(ref, "foo")
}

TEST_CASE("normalize: upstream TestParseAnyReference (named forms)") {
  const std::string d = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
  auto v = GENERATE_COPY(values<std::pair<std::string, std::string>>({
      {"redis", "docker.io/library/redis"},
      {"redis:latest", "docker.io/library/redis:latest"},
      {"docker.io/library/redis:latest", "docker.io/library/redis:latest"},
      {"redis@" + d, "docker.io/library/redis@" + d},
      {"docker.io/library/redis@" + d, "docker.io/library/redis@" + d},
      {"dmcgowan/myapp", "docker.io/dmcgowan/myapp"},
      {"dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest"},
      {"docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest"},
      {"dmcgowan/myapp@" + d, "docker.io/dmcgowan/myapp@" + d},
      {"docker.io/dmcgowan/myapp@" + d, "docker.io/dmcgowan/myapp@" + d},
      {"dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
       "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9"},
      {"dbcc1", "docker.io/library/dbcc1"},
  }));
  CAPTURE(v.first);
  auto r = ParseNormalizedReference(v.first);
  REQUIRE(r.ok());
  CHECK(r->String() == v.second);
}

TEST_CASE("normalize: upstream TestNormalizedSplitHostname") {
  auto v = GENERATE(values<std::array<const char*, 3>>({
      {"test.com/foo", "test.com", "foo"},
      {"test_com/foo", "docker.io", "test_com/foo"},
      {"docker/migrator", "docker.io", "docker/migrator"},
      {"test.com:8080/foo", "test.com:8080", "foo"},
      {"test-com:8080/foo", "test-com:8080", "foo"},
      {"foo", "docker.io", "library/foo"},
      {"xn--n3h.com/foo", "xn--n3h.com", "foo"},
      {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"},
      {"docker.io/foo", "docker.io", "library/foo"},
      {"docker.io/library/foo", "docker.io", "library/foo"},
      {"docker.io/library/foo/bar", "docker.io", "library/foo/bar"},
  }));
  CAPTURE(v[0]);
  auto r = ParseNormalizedReference(v[0]);
  REQUIRE(r.ok());
  CHECK(r->domain == v[1]);
  CHECK(r->path == v[2]);
}

namespace {

struct K8sVector {
  const char* input;
  const char* repo;
  const char* tag;
  const char* digest;
};

constexpr const char* kE3 =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace

TEST_CASE("kubernetes: upstream parsers_test TestParseImageName") {
  auto v = GENERATE(values<K8sVector>({
      {"root", "docker.io/library/root", "latest", ""},
      {"root:tag", "docker.io/library/root", "tag", ""},
      {"root@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "docker.io/library/root", "", kE3},
      {"user/repo", "docker.io/user/repo", "latest", ""},
      {"user/repo:tag", "docker.io/user/repo", "tag", ""},
      {"user/repo@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "docker.io/user/repo", "", kE3},
      {"url:5000/repo", "url:5000/repo", "latest", ""},
      {"url:5000/repo:tag", "url:5000/repo", "tag", ""},
      {"url:5000/repo@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "url:5000/repo", "", kE3},
      // tag and digest both kept, as kubelet does
      {"url:5000/"
       "repo:latest@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "url:5000/repo", "latest", kE3},
  }));
  CAPTURE(v.input);
  auto r = ParseKubernetesImage(v.input);
  REQUIRE(r.ok());
  CHECK(r->Name() == v.repo);
  CHECK(r->tag == v.tag);
  CHECK(r->digest == v.digest);
  auto name = pullguard::ParseNormalizedName(v.input);
  REQUIRE(name.ok());
  CHECK(*name == v.repo);
}

TEST_CASE("kubernetes: ParseImageName rejects what ParseNormalizedNamed rejects") {
  auto input =
      GENERATE("ROOT", "http://root", "", ":", "nodejs@@", "nodejs::", "nodejs@sha256:asdf@");
  CAPTURE(input);
  CHECK_FALSE(ParseKubernetesImage(input).ok());
  CHECK_FALSE(pullguard::ParseNormalizedName(input).ok());
}

// The examples in spec/matching.md, with the error kind each invalid one must report.
TEST_CASE("matching.md examples") {
  const std::string h64(64, 'a');
  auto ok = ParseKubernetesImage("busybox");
  REQUIRE(ok.ok());
  CHECK(ok->Name() == "docker.io/library/busybox");
  CHECK(ok->tag == "latest");
  CHECK(ParseKubernetesImage("localhost/fooo")->Name() == "localhost/fooo");
  CHECK(ParseKubernetesImage("localhost")->Name() == "docker.io/library/localhost");
  CHECK(ParseKubernetesImage("Foo/bar")->domain == "Foo");
  CHECK(ParseKubernetesImage("example.com:8000/privatebasee")->domain == "example.com:8000");
  auto v6 = ParseKubernetesImage("[::1]:5000/repo");
  REQUIRE(v6.ok());
  CHECK(v6->domain == "[::1]:5000");
  CHECK(v6->path == "repo");
  auto tc = ParseKubernetesImage("test.com:5000");
  REQUIRE(tc.ok());
  CHECK(tc->Name() == "docker.io/library/test.com");
  CHECK(tc->tag == "5000");
  auto both = ParseKubernetesImage("gcr.io/library/busybox:latest@sha256:" + h64);
  REQUIRE(both.ok());
  CHECK(both->tag == "latest");
  CHECK(both->digest == "sha256:" + h64);
  CHECK(both->Familiar() == "gcr.io/library/busybox");
  CHECK(ParseKubernetesImage("docker.io/" + h64).ok());
  CHECK(ParseKubernetesImage("index.docker.io/foo")->Name() == "docker.io/library/foo");

  using E = ReferenceError;
  auto bad = GENERATE_COPY(values<std::pair<std::string, ReferenceError>>({
      {"", E::kEmpty},
      {"Uppercase:tag", E::kUppercase},
      {"[2001:db8::1]:5000", E::kBadFormat},
      {"fc00::1:5000/debian", E::kBadFormat},
      {"https://github.com/docker/docker", E::kBadFormat},
      {"-docker", E::kBadFormat},
      {"docker-/docker", E::kBadFormat},
      {"docker///docker", E::kBadFormat},
      {"____/____", E::kBadFormat},
      {"dock..er/docker", E::kBadFormat},
      {"repo@sha256:" + std::string(34, 'f'), E::kDigestLength},
      {"validname@invaliddigest:" + h64, E::kDigestUnsupported},
      {"registry.com:8080/myapp:invalid~tag", E::kBadFormat},
      {"foo.com:http/bar", E::kBadFormat},
      {h64, E::kHexIdentifier},
      {"repo@sha256:" + std::string(64, 'A'), E::kDigestFormat},
      {"repo@sha384:" + std::string(64, 'a'), E::kDigestLength},
      {"repo@sha512:" + std::string(128, 'a'), E::kNone},
      {"repo@sha384:" + std::string(96, 'a'), E::kNone},
      {"docker.io/library/" + std::string(247, 'a'), E::kNone},
      {std::string(247, 'a'), E::kNone},
      {std::string(248, 'a'), E::kTooLong},
      {"gcr.io/Foo/bar", E::kUppercase},
  }));
  CAPTURE(bad.first);
  ReferenceError why = E::kHexIdentifier;
  auto r = ParseKubernetesImage(bad.first, &why);
  CHECK(r.ok() == (bad.second == E::kNone));
  CHECK(why == bad.second);
}

// Found by tests/fuzz/reference_fuzz.cc: the first component has a '.', so it is taken as the
// domain, but '_' is not valid in a host, so upstream's grammar reads the whole text as a path.
TEST_CASE("normalize: an invalid host before the first '/' becomes part of the path (upstream)") {
  auto r = ParseKubernetesImage("foo_bar.com/app:1");
  REQUIRE(r.ok());
  CHECK(r->domain.empty());
  CHECK(r->path == "foo_bar.com/app");
  CHECK(r->Name() == "foo_bar.com/app");
  CHECK(r->Familiar() == "foo_bar.com/app");
  auto fuzz = ParseKubernetesImage("ccc_cccccccccr.io/lb/1/15y5ibraryo:44tcba2098fc1c1g");
  REQUIRE(fuzz.ok());
  CHECK(fuzz->Name() == "ccc_cccccccccr.io/lb/1/15y5ibraryo");
  CHECK(fuzz->tag == "44tcba2098fc1c1g");
}

// Found by tests/fuzz/reference_fuzz.cc: upstream's familiar form of a Docker Hub path whose
// first component looks like a host reads back as that host; kept as upstream does it.
TEST_CASE("normalize: familiar form keeps upstream's Docker Hub ambiguity") {
  auto r = ParseKubernetesImage("docker.io/gcb3irer.io/gc8f1c1g");
  REQUIRE(r.ok());
  CHECK(r->path == "gcb3irer.io/gc8f1c1g");
  CHECK(r->Familiar() == "gcb3irer.io/gc8f1c1g");
}

TEST_CASE("error messages are one line and name the input") {
  auto r = ParseKubernetesImage("Uppercase:tag");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "invalid reference \"Uppercase:tag\": repository name must be lowercase");
  auto d = ParseKubernetesImage("repo@sha256:abcd" + std::string(60, 'A'));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("invalid checksum digest format") != std::string::npos);
  auto l = ParseKubernetesImage("repo@sha256:" + std::string(34, 'f'));
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().message.find("invalid checksum digest length") != std::string::npos);
  auto u = ParseKubernetesImage("repo@md5:" + std::string(32, 'f'));
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().message.find("unsupported digest algorithm") != std::string::npos);
  auto t = ParseKubernetesImage(std::string(248, 'a'));
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message.find("must not be more than 255 characters") != std::string::npos);
  for (auto* e : {&r, &d, &l, &u, &t}) CHECK(e->error().message.find('\n') == std::string::npos);
}
