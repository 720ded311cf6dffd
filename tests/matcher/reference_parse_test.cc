// distribution/reference reference_test.go (TestReferenceParse, TestWithNameFailure,
// TestDomainAndPath, TestSerialization) ported to ParseReference, one GENERATE row per vector.
#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "matcher/reference.h"

using pullguard::ParseReference;
using pullguard::ReferenceError;

namespace {

const std::string kF64(64, 'f');
const std::string kSha256 = "sha256:" + kF64;

struct ParseVector {
  std::string input;
  ReferenceError err;
  std::string repository;  // Name(): domain "/" path, or the path when no domain
  std::string domain;
  std::string tag;
  std::string digest;
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("ParseReference: upstream TestReferenceParse") {
  using E = ReferenceError;
  auto v = GENERATE(values<ParseVector>({
      {"test_com", E::kNone, "test_com", "", "", ""},
      {"test.com:tag", E::kNone, "test.com", "", "tag", ""},
      {"test.com:5000", E::kNone, "test.com", "", "5000", ""},
      {"test.com/repo:tag", E::kNone, "test.com/repo", "test.com", "tag", ""},
      {"test:5000/repo", E::kNone, "test:5000/repo", "test:5000", "", ""},
      {"test:5000/repo:tag", E::kNone, "test:5000/repo", "test:5000", "tag", ""},
      {"test:5000/repo@" + kSha256, E::kNone, "test:5000/repo", "test:5000", "", kSha256},
      {"test:5000/repo:tag@" + kSha256, E::kNone, "test:5000/repo", "test:5000", "tag", kSha256},
      {"", E::kEmpty, "", "", "", ""},
      {":justtag", E::kBadFormat, "", "", "", ""},
      {"@" + kSha256, E::kBadFormat, "", "", "", ""},
      {"repo@sha256:" + std::string(34, 'f'), E::kDigestLength, "", "", "", ""},
      {"validname@invaliddigest:" + kF64, E::kDigestUnsupported, "", "", "", ""},
      {"Uppercase:tag", E::kUppercase, "", "", "", ""},
      {"test:5000/Uppercase/lowercase:tag", E::kUppercase, "", "", "", ""},
      {"lowercase:Uppercase", E::kNone, "lowercase", "", "Uppercase", ""},
      // v0.6 limits the path, not domain + path: upstream's 128-segment vector now parses
      // (path is exactly 255) and one more segment is too long.
      {Repeat("a/", 128) + "a:tag", E::kNone, Repeat("a/", 128) + "a", "a", "tag", ""},
      {Repeat("a/", 129) + "a:tag", E::kTooLong, "", "", "", ""},
      {Repeat("a/", 127) + "a:tag-puts-this-over-max", E::kNone, Repeat("a/", 127) + "a", "a",
       "tag-puts-this-over-max", ""},
      {"aa/asdf$$^/aa", E::kBadFormat, "", "", "", ""},
      {"sub-dom1.foo.com/bar/baz/quux", E::kNone, "sub-dom1.foo.com/bar/baz/quux",
       "sub-dom1.foo.com", "", ""},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", E::kNone, "sub-dom1.foo.com/bar/baz/quux",
       "sub-dom1.foo.com", "some-long-tag", ""},
      {"b.gcr.io/test.example.com/my-app:test.example.com", E::kNone,
       "b.gcr.io/test.example.com/my-app", "b.gcr.io", "test.example.com", ""},
      {"xn--n3h.com/myimage:xn--n3h.com", E::kNone, "xn--n3h.com/myimage", "xn--n3h.com",
       "xn--n3h.com", ""},
      {"xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + std::string(128, 'f'), E::kNone,
       "xn--7o8h.com/myimage", "xn--7o8h.com", "xn--7o8h.com", "sha512:" + std::string(128, 'f')},
      {"foo_bar.com:8080", E::kNone, "foo_bar.com", "", "8080", ""},
      {"foo/foo_bar.com:8080", E::kNone, "foo/foo_bar.com", "foo", "8080", ""},
      {"192.168.1.1", E::kNone, "192.168.1.1", "", "", ""},
      {"192.168.1.1:tag", E::kNone, "192.168.1.1", "", "tag", ""},
      {"192.168.1.1:5000", E::kNone, "192.168.1.1", "", "5000", ""},
      {"192.168.1.1/repo", E::kNone, "192.168.1.1/repo", "192.168.1.1", "", ""},
      {"192.168.1.1:5000/repo", E::kNone, "192.168.1.1:5000/repo", "192.168.1.1:5000", "", ""},
      {"192.168.1.1:5000/repo:5050", E::kNone, "192.168.1.1:5000/repo", "192.168.1.1:5000", "5050",
       ""},
      {"[2001:db8::1]", E::kBadFormat, "", "", "", ""},
      {"[2001:db8::1]:5000", E::kBadFormat, "", "", "", ""},
      {"[2001:db8::1]:tag", E::kBadFormat, "", "", "", ""},
      {"[2001:db8::1]/repo", E::kNone, "[2001:db8::1]/repo", "[2001:db8::1]", "", ""},
      {"[2001:db8:1:2:3:4:5:6]/repo:tag", E::kNone, "[2001:db8:1:2:3:4:5:6]/repo",
       "[2001:db8:1:2:3:4:5:6]", "tag", ""},
      {"[2001:db8::1]:5000/repo", E::kNone, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "",
       ""},
      {"[2001:db8::1]:5000/repo:tag", E::kNone, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000",
       "tag", ""},
      {"[2001:db8::1]:5000/repo@" + kSha256, E::kNone, "[2001:db8::1]:5000/repo",
       "[2001:db8::1]:5000", "", kSha256},
      {"[2001:db8::1]:5000/repo:tag@" + kSha256, E::kNone, "[2001:db8::1]:5000/repo",
       "[2001:db8::1]:5000", "tag", kSha256},
      {"[2001:db8::]:5000/repo", E::kNone, "[2001:db8::]:5000/repo", "[2001:db8::]:5000", "", ""},
      {"[::1]:5000/repo", E::kNone, "[::1]:5000/repo", "[::1]:5000", "", ""},
      {"[fe80::1%eth0]:5000/repo", E::kBadFormat, "", "", "", ""},
      {"[fe80::1%@invalidzone]:5000/repo", E::kBadFormat, "", "", "", ""},
  }));
  CAPTURE(v.input);
  ReferenceError why = ReferenceError::kNone;
  auto r = ParseReference(v.input, &why);
  CHECK(why == v.err);
  if (v.err != ReferenceError::kNone) {
    CHECK_FALSE(r.ok());
    return;
  }
  REQUIRE(r.ok());
  CHECK(r->String() == v.input);  // upstream: repo.String() round-trips
  CHECK((r->domain.empty() ? r->path : r->Name()) == v.repository);
  CHECK(r->domain == v.domain);
  CHECK(r->tag == v.tag);
  CHECK(r->digest == v.digest);
}

TEST_CASE("ParseReference: upstream TestWithNameFailure inputs are rejected") {
  auto input =
      GENERATE(as<std::string>{}, "", ":justtag", "@" + kSha256, "validname@invaliddigest:" + kF64,
               Repeat("a/", 129) + "a:tag", "aa/asdf$$^/aa");
  CAPTURE(input);
  CHECK_FALSE(ParseReference(input).ok());
}

TEST_CASE("ParseReference: upstream TestDomainAndPath") {
  auto v = GENERATE(values<std::array<const char*, 3>>({
      {"test.com/foo", "test.com", "foo"},
      {"test_com/foo", "", "test_com/foo"},
      {"test:8080/foo", "test:8080", "foo"},
      {"test.com:8080/foo", "test.com:8080", "foo"},
      {"test-com:8080/foo", "test-com:8080", "foo"},
      {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"},
  }));
  CAPTURE(v[0]);
  auto r = ParseReference(v[0]);
  REQUIRE(r.ok());
  CHECK(r->domain == v[1]);
  CHECK(r->path == v[2]);
}

TEST_CASE("ParseReference: upstream TestSerialization values") {
  auto a = ParseReference("example.com:8000/named");
  REQUIRE(a.ok());
  CHECK(a->Name() == "example.com:8000/named");
  auto b = ParseReference("example.com:8000/named:tagged");
  REQUIRE(b.ok());
  CHECK(b->tag == "tagged");
  auto c = ParseReference(
      "other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112");
  REQUIRE(c.ok());
  CHECK(c->Name() == "other.com/named");
  CHECK(c->digest == "sha256:1234567890098765432112345667890098765432112345667890098765432112");
}
