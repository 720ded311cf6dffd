// URLsMatch vectors ported from kubernetes pkg/credentialprovider/keyring_test.go (TestUrlsMatch)
// plus the Go net/url and filepath.Match behaviours kubelet inherits.
#include <catch2/catch.hpp>
#include <string>

#include "matcher/glob.h"
#include "matcher/go_url.h"
#include "matcher/urls_match.h"

using pullguard::GoFilepathMatch;
using pullguard::ParseSchemelessUrl;
using pullguard::UrlsMatch;

namespace {

struct MatchVector {
  const char* pattern;
  const char* image;
  bool match;
};

}  // namespace

TEST_CASE("URLsMatch: upstream TestUrlsMatch vectors") {
  auto v = GENERATE(values<MatchVector>({
      // match when there is no path component
      {"*.kubernetes.io", "prefix.kubernetes.io", true},
      {"prefix.*.io", "prefix.kubernetes.io", true},
      {"prefix.kubernetes.*", "prefix.kubernetes.io", true},
      {"*-good.kubernetes.io", "prefix-good.kubernetes.io", true},
      // match with path components
      {"*.kubernetes.io/blah", "prefix.kubernetes.io/blah", true},
      {"prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", true},
      // match with path components and ports
      {"*.kubernetes.io:1111/blah", "prefix.kubernetes.io:1111/blah", true},
      {"prefix.*.io:1111/foo", "prefix.kubernetes.io:1111/foo/bar", true},
      // no match when number of parts mismatch
      {"*.kubernetes.io", "kubernetes.io", false},
      {"*.*.kubernetes.io", "prefix.kubernetes.io", false},
      {"*.*.kubernetes.io", "kubernetes.io", false},
      // no match when some parts mismatch
      {"kubernetes.io", "kubernetes.com", false},
      {"k*.io", "quay.io", false},
      // no match when ports mismatch
      {"*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", false},
      {"prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", false},
  }));
  CAPTURE(v.pattern, v.image);
  auto r = UrlsMatch(v.pattern, v.image);
  REQUIRE(r.ok());
  CHECK(*r == v.match);
}

TEST_CASE("URLsMatch: Go URL parse semantics kubelet inherits") {
  auto v = GENERATE(values<MatchVector>({
      // '?' starts a query: the pattern host is "a", one label against two
      {"a?c.io", "abc.io", false},
      // '#' starts a fragment: the host is "gcr" on both sides
      {"gcr#x.io", "gcr", true},
      // the path is a plain string prefix, not per segment
      {"bar.example.com/pong", "bar.example.com/pongz", true},
      {"bar.example.com/pong", "bar.example.com/pong/pang", true},
      {"bar.example.com/pong", "bar.example.com/ping", false},
      // a port on one side only
      {"example.com", "example.com:5000/x", false},
      {"example.com:5000", "example.com/x", false},
      // case-sensitive labels
      {"Example.com", "example.com", false},
      // '*' stays within a label
      {"*", "a.b", false},
      {"*.*", "a.b", true},
      // ']' alone is an ordinary host byte and a literal in the glob
      {"a]b.io", "a]b.io", true},
      // percent escapes in the path are decoded before the prefix test
      {"r.io/a%2Fb", "r.io/a/b/c", true},
      // IPv6 literals with a port: SplitHostPort strips the brackets
      {"[::1]:5000", "[::1]:5000/repo", true},
      {"[::1]:5000", "[::2]:5000/repo", false},
      // without a port the brackets stay and become a glob class: upstream's quirk
      {"[::1]", "[::1]/repo", false},
      // userinfo is dropped by the URL parser
      {"u@quay.io", "quay.io/foo", true},
      // empty pattern: one empty label, matches only an empty host
      {"", "", true},
      {"", "quay.io", false},
  }));
  CAPTURE(v.pattern, v.image);
  auto r = UrlsMatch(v.pattern, v.image);
  REQUIRE(r.ok());
  CHECK(*r == v.match);
}

TEST_CASE("URLsMatch: inputs Go's URL parser or filepath.Match reject are errors") {
  auto v = GENERATE(values<std::pair<const char*, const char*>>({
      {"a[b].io", "ab.io"},           // '[' not at the start of the host
      {"[ab].io", "a.io"},            // '[' at the start but not an IPv6 literal
      {"[1.2.3.4]", "x"},             // IPv4 in brackets
      {"quay.io", "qu[a]y.io"},       // the image side fails too
      {"a%zz.io", "a.io"},            // bad escape
      {"a%41.io", "aA.io"},           // ASCII may not be escaped in a host
      {"quay.io/%zz", "quay.io/x"},   // bad escape in the path
      {"quay.io#%zz", "quay.io"},     // bad escape in the fragment
      {"quay.io:http", "quay.io"},    // port must be digits
      {"qu ay.io", "quay.io"},        // space in a host
      {"quay.io\x01", "quay.io"},     // control character
      {"[a-c]cr.io", "bcr.io"},       // a glob class cannot survive the URL parser
      {"g\\cr.io", "gcr.io"},         // nor can a backslash escape
      {"[]a", "a"},                   // junk after ']'
      {"u:p%zz@quay.io", "quay.io"},  // bad escape in userinfo
  }));
  CAPTURE(v.first, v.second);
  auto r = UrlsMatch(v.first, v.second);
  CHECK_FALSE(r.ok());
}

TEST_CASE("ParseSchemelessUrl splits host, port and path like kubelet's SplitURL") {
  auto u = ParseSchemelessUrl("registry.example.com:5000/team/app");
  REQUIRE(u.ok());
  CHECK(u->host == "registry.example.com");
  CHECK(u->port == "5000");
  CHECK(u->path == "/team/app");
  auto v6 = ParseSchemelessUrl("[fe80::1%25eth0]:443/x");
  REQUIRE(v6.ok());
  CHECK(v6->host == "fe80::1%eth0");
  CHECK(v6->port == "443");
  auto bare = ParseSchemelessUrl("quay.io");
  REQUIRE(bare.ok());
  CHECK(bare->host == "quay.io");
  CHECK(bare->port.empty());
  CHECK(bare->path.empty());
  // "host:" parses (empty port is valid for Go), and SplitHostPort gives an empty port
  auto colon = ParseSchemelessUrl("quay.io:/x");
  REQUIRE(colon.ok());
  CHECK(colon->host == "quay.io");
  CHECK(colon->port.empty());
}

namespace {

struct GlobVector {
  const char* pattern;
  const char* name;
  bool match;
  bool error;
};

}  // namespace

// Go's path/filepath match_test.go table (Unix rows).
TEST_CASE("GoFilepathMatch: Go's matchTests") {
  auto v = GENERATE(values<GlobVector>({
      {"abc", "abc", true, false},
      {"*", "abc", true, false},
      {"*c", "abc", true, false},
      {"a*", "a", true, false},
      {"a*", "abc", true, false},
      {"a*", "ab/c", false, false},
      {"a*/b", "abc/b", true, false},
      {"a*/b", "a/c/b", false, false},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", true, false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false},
      {"a*b?c*x", "abxbbxdbxebxczzx", true, false},
      {"a*b?c*x", "abxbbxdbxebxczzy", false, false},
      {"ab[c]", "abc", true, false},
      {"ab[b-d]", "abc", true, false},
      {"ab[e-g]", "abc", false, false},
      {"ab[^c]", "abc", false, false},
      {"ab[^b-d]", "abc", false, false},
      {"ab[^e-g]", "abc", true, false},
      {"a\\*b", "a*b", true, false},
      {"a\\*b", "ab", false, false},
      {"a?b",
       "a\xe2\x98\xba"
       "b",
       true, false},
      {"a[^a]b",
       "a\xe2\x98\xba"
       "b",
       true, false},
      {"a???b",
       "a\xe2\x98\xba"
       "b",
       false, false},
      {"a[^a][^a][^a]b",
       "a\xe2\x98\xba"
       "b",
       false, false},
      {"[a-\xce\xb6]*", "\xce\xb1", true, false},
      {"*[a-\xce\xb6]", "A", false, false},
      {"a?b", "a/b", false, false},
      {"a*b", "a/b", false, false},
      {"[\\]a]", "]", true, false},
      {"[\\-]", "-", true, false},
      {"[x\\-]", "x", true, false},
      {"[x\\-]", "-", true, false},
      {"[x\\-]", "z", false, false},
      {"[\\-x]", "x", true, false},
      {"[\\-x]", "-", true, false},
      {"[\\-x]", "a", false, false},
      {"[]a]", "]", false, true},
      {"[-]", "-", false, true},
      {"[x-]", "x", false, true},
      {"[x-]", "-", false, true},
      {"[x-]", "z", false, true},
      {"[-x]", "x", false, true},
      {"[-x]", "-", false, true},
      {"[-x]", "a", false, true},
      {"\\", "a", false, true},
      {"[a-b-c]", "a", false, true},
      {"[", "a", false, true},
      {"[^", "a", false, true},
      {"[^bc", "a", false, true},
      {"a[", "a", false, true},
      {"a[", "ab", false, true},
      {"a[", "x", false, true},
      {"a/b[", "x", false, true},
      {"*x", "xxx", true, false},
  }));
  CAPTURE(v.pattern, v.name);
  auto r = GoFilepathMatch(v.pattern, v.name);
  if (v.error) {
    CHECK_FALSE(r.ok());
  } else {
    REQUIRE(r.ok());
    CHECK(*r == v.match);
  }
}
