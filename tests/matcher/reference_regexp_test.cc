// distribution/reference regexp_test.go (TestDomainRegexp, TestFullNameRegexp,
// TestReferenceRegexp, TestIdentifierRegexp) against the hand-written grammar and its RE2 oracle,
// with submatches; then both on every short string over the grammar's alphabet.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/reference_grammar.h"
#include "tests/support/reference_grammar_re2.h"

namespace g = pullguard::grammar;
namespace oracle = pullguard::testing::re2_grammar;

TEST_CASE("grammar: upstream TestDomainRegexp") {
  auto v = GENERATE(values<std::pair<const char*, bool>>({
      {"test.com", true},
      {"test.com:10304", true},
      {"test.com:http", false},
      {"localhost", true},
      {"localhost:8080", true},
      {"a", true},
      {"a.b", true},
      {"ab.cd.com", true},
      {"a-b.com", true},
      {"-ab.com", false},
      {"ab-.com", false},
      {"ab.c-om", true},
      {"ab.-com", false},
      {"ab.com-", false},
      {"0101.com", true},
      {"001a.com", true},
      {"b.gbc.io:443", true},
      {"b.gbc.io", true},
      {"xn--n3h.com", true},
      {"Asdf.com", true},
      {"192.168.1.1:75050", true},
      {"192.168.1.1:750050", true},
      {"[fd00:1:2::3]:75050", true},
      {"[fd00:1:2::3]75050", false},
      {"[fd00:1:2::3]::75050", false},
      {"[fd00:1:2::3%eth0]:75050", false},
      {"[fd00123123123]:75050", true},
      {"[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050", true},
      {"[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505", true},
      {"fd00:1:2::3:75050", false},
  }));
  CAPTURE(v.first);
  CHECK(g::MatchDomain(v.first) == v.second);
  CHECK(oracle::MatchDomain(v.first) == v.second);
}

namespace {

struct NameVector {
  std::string input;
  bool match;
  std::vector<std::string> subs;  // domain, path; empty = not checked
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("grammar: upstream TestFullNameRegexp") {
  auto v = GENERATE(values<NameVector>({
      {"", false, {}},
      {"short", true, {"", "short"}},
      {"simple/name", true, {"simple", "name"}},
      {"library/ubuntu", true, {"library", "ubuntu"}},
      {"docker/stevvooe/app", true, {"docker", "stevvooe/app"}},
      {"aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb",
       true,
       {"aa", "aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb"}},
      {"aa/aa/bb/bb/bb", true, {"aa", "aa/bb/bb/bb"}},
      {"a/a/a/a", true, {"a", "a/a/a"}},
      {"a/a/a/a/", false, {}},
      {"a//a/a", false, {}},
      {"a", true, {"", "a"}},
      {"a/aa", true, {"a", "aa"}},
      {"a/aa/a", true, {"a", "aa/a"}},
      {"foo.com", true, {"", "foo.com"}},
      {"foo.com/", false, {}},
      {"foo.com:8080/bar", true, {"foo.com:8080", "bar"}},
      {"foo.com:http/bar", false, {}},
      {"foo.com/bar", true, {"foo.com", "bar"}},
      {"foo.com/bar/baz", true, {"foo.com", "bar/baz"}},
      {"localhost:8080/bar", true, {"localhost:8080", "bar"}},
      {"sub-dom1.foo.com/bar/baz/quux", true, {"sub-dom1.foo.com", "bar/baz/quux"}},
      {"blog.foo.com/bar/baz", true, {"blog.foo.com", "bar/baz"}},
      {"a^a", false, {}},
      {"aa/asdf$$^/aa", false, {}},
      {"asdf$$^/aa", false, {}},
      {"aa-a/a", true, {"aa-a", "a"}},
      {Repeat("a/", 128) + "a", true, {"a", Repeat("a/", 127) + "a"}},
      {"a-/a/a/a", false, {}},
      {"foo.com/a-/a/a", false, {}},
      {"-foo/bar", false, {}},
      {"foo/bar-", false, {}},
      {"foo-/bar", false, {}},
      {"foo/-bar", false, {}},
      {"_foo/bar", false, {}},
      {"foo_bar", true, {"", "foo_bar"}},
      {"foo_bar.com", true, {"", "foo_bar.com"}},
      {"foo_bar.com:8080", false, {}},
      {"foo_bar.com:8080/app", false, {}},
      {"foo.com/foo_bar", true, {"foo.com", "foo_bar"}},
      {"____/____", false, {}},
      {"_docker/_docker", false, {}},
      {"docker_/docker_", false, {}},
      {"b.gcr.io/test.example.com/my-app", true, {"b.gcr.io", "test.example.com/my-app"}},
      {"xn--n3h.com/myimage", true, {"xn--n3h.com", "myimage"}},
      {"xn--7o8h.com/myimage", true, {"xn--7o8h.com", "myimage"}},
      {"example.com/xn--7o8h.com/myimage", true, {"example.com", "xn--7o8h.com/myimage"}},
      {"example.com/some_separator__underscore/myimage",
       true,
       {"example.com", "some_separator__underscore/myimage"}},
      {"example.com/__underscore/myimage", false, {}},
      {"example.com/..dots/myimage", false, {}},
      {"example.com/.dots/myimage", false, {}},
      {"example.com/nodouble..dots/myimage", false, {}},
      {"docker./docker", false, {}},
      {".docker/docker", false, {}},
      {"docker-/docker", false, {}},
      {"-docker/docker", false, {}},
      {"do..cker/docker", false, {}},
      {"do__cker:8080/docker", false, {}},
      {"do__cker/docker", true, {"", "do__cker/docker"}},
      {"registry.io/foo/project--id.module--name.ver---sion--name",
       true,
       {"registry.io", "foo/project--id.module--name.ver---sion--name"}},
      {"Asdf.com/foo/bar", true, {}},
      {"Foo/FarB", false, {}},
  }));
  CAPTURE(v.input);
  std::string_view domain;
  std::string_view path;
  bool matched = g::MatchName(v.input, &domain, &path);
  CHECK(matched == v.match);
  if (matched && !v.subs.empty()) {
    CHECK(domain == v.subs[0]);
    CHECK(path == v.subs[1]);
  }
  std::string oracle_domain;
  std::string oracle_path;
  CHECK(oracle::MatchName(v.input, &oracle_domain, &oracle_path) == v.match);
  if (matched) {
    CHECK(domain == oracle_domain);
    CHECK(path == oracle_path);
  }
}

TEST_CASE("grammar: upstream TestReferenceRegexp") {
  const std::string d = "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912";
  auto v = GENERATE_COPY(values<NameVector>({
      {"registry.com:8080/myapp:tag", true, {"registry.com:8080/myapp", "tag", ""}},
      {"registry.com:8080/myapp@" + d, true, {"registry.com:8080/myapp", "", d}},
      {"registry.com:8080/myapp:tag2@" + d, true, {"registry.com:8080/myapp", "tag2", d}},
      {"registry.com:8080/myapp@sha256:badbadbadbad", false, {}},
      {"registry.com:8080/myapp:invalid~tag", false, {}},
      {"bad_hostname.com:8080/myapp:tag", false, {}},
      {"localhost:8080@" + d, true, {"localhost", "8080", d}},
      {"localhost:8080/name@" + d, true, {"localhost:8080/name", "", d}},
      {"localhost:http/name@" + d, false, {}},
      {"localhost@" + d, true, {"localhost", "", d}},
      {"registry.com:8080/myapp@bad", false, {}},
      {"registry.com:8080/myapp@2bad", false, {}},
  }));
  CAPTURE(v.input);
  g::ReferenceMatch m;
  bool matched = g::MatchReference(v.input, &m);
  CHECK(matched == v.match);
  if (matched) {
    CHECK(m.name == v.subs[0]);
    CHECK(m.tag == v.subs[1]);
    CHECK(m.digest == v.subs[2]);
  }
  std::string oracle_name;
  std::string oracle_tag;
  std::string oracle_digest;
  CHECK(oracle::MatchReference(v.input, &oracle_name, &oracle_tag, &oracle_digest) == v.match);
}

TEST_CASE("grammar: upstream TestIdentifierRegexp") {
  auto v = GENERATE(values<std::pair<const char*, bool>>({
      {"da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", true},
      {"7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C", false},
      {"da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf", false},
      {"sha256:da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", false},
      {"da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482", false},
  }));
  CAPTURE(v.first);
  CHECK(g::MatchIdentifier(v.first) == v.second);
  CHECK(oracle::MatchIdentifier(v.first) == v.second);
}

namespace {

// Every function of the hand-written grammar against the oracle on one input, submatches included.
void CheckAgainstOracle(const std::string& in) {
  CAPTURE(in);
  REQUIRE(g::MatchDomain(in) == oracle::MatchDomain(in));
  REQUIRE(g::MatchIdentifier(in) == oracle::MatchIdentifier(in));
  REQUIRE(g::MatchDigest(in) == oracle::MatchDigest(in));
  REQUIRE(g::MatchLowerHex(in) == oracle::MatchLowerHex(in));
  std::string_view a, b;
  std::string oa, ob, oc;
  bool name = g::MatchName(in, &a, &b);
  REQUIRE(name == oracle::MatchName(in, &oa, &ob));
  if (name) REQUIRE((a == oa && b == ob));
  g::ReferenceMatch m;
  bool ref = g::MatchReference(in, &m);
  REQUIRE(ref == oracle::MatchReference(in, &oa, &ob, &oc));
  if (ref) {
    REQUIRE((m.name == oa && m.tag == ob && m.digest == oc));
    std::string domain, path;
    REQUIRE(oracle::MatchName(oa, &domain, &path));
    REQUIRE((m.domain == domain && m.path == path));
  }
}

}  // namespace

TEST_CASE("grammar: agrees with the RE2 oracle on every short string over its alphabet") {
  // Each byte class the grammar tells apart, once: lower, upper, digit, hex, every separator.
  const std::string alphabet = "aA0f._-/:@[]+";
  std::vector<std::string> level = {""};
  std::size_t checked = 0;
  for (int len = 0; len <= 4; ++len) {
    std::vector<std::string> next;
    for (const std::string& s : level) {
      CheckAgainstOracle(s);
      ++checked;
      if (len < 4) {
        for (char c : alphabet) next.push_back(s + c);
      }
    }
    level = std::move(next);
  }
  CHECK(checked == 1 + 13 + 169 + 2197 + 28561);
  // The same short strings inside the long forms: tags of 127-129 bytes, digests of 31-33 hex
  // digits, a domain with a port, so length limits and digest shapes are crossed too.
  const std::string hex32(32, 'a');
  for (const std::string& mid : {std::string("a"), std::string("A:"), std::string("_"),
                                 std::string("a.b"), std::string("0-"), std::string("+a")}) {
    for (const std::string& prefix :
         {std::string(""), std::string("x.io:5000/"), std::string("[::1]/"), std::string("a/b")}) {
      CheckAgainstOracle(prefix + mid);
      CheckAgainstOracle(prefix + "r:" + std::string(126, 'v') + mid);
      CheckAgainstOracle(prefix + "r@" + mid + ":" + hex32);
      CheckAgainstOracle(prefix + "r@sha256" + mid + ":" + hex32.substr(1));
      CheckAgainstOracle(prefix + "r:t@" + mid + "b:" + hex32 + "F");
      CheckAgainstOracle(mid + ":" + hex32);
    }
  }
}
