// `pullguard match PATTERN IMAGE`: grep's exit codes (0 match, 1 no match, 2 invalid input),
// never anything on stdout, one stderr line on invalid input.
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/run.h"

using pullguard::testing::Run;

namespace {

struct MatchCase {
  const char* pattern;
  const char* image;
  int rc;
};

}  // namespace

TEST_CASE("match: matching.md vectors through the CLI") {
  auto v = GENERATE(values<MatchCase>({
      {"*.kubernetes.io", "prefix.kubernetes.io", 0},
      {"*.kubernetes.io", "kubernetes.io", 1},
      {"*.*.kubernetes.io", "prefix.kubernetes.io", 1},
      {"prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", 0},
      {"*-good.kubernetes.io", "prefix-good.kubernetes.io", 0},
      {"k*.io", "quay.io", 1},
      {"*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", 1},
      {"prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", 1},
      {"a?c.io", "abc.io", 1},
      {"bar.example.com/pong", "bar.example.com/pongz", 0},
      {"a[b].io", "ab.io", 2},
      {"quay.io", "quay.io:http/x", 2},
      {"a%zz.io", "a.io", 2},
  }));
  CAPTURE(v.pattern, v.image);
  auto r = Run({"match", v.pattern, v.image});
  CHECK(r.rc == v.rc);
  CHECK(r.out.empty());
  if (v.rc == 2) {
    CHECK(r.err.rfind("pullguard match: ", 0) == 0);
    CHECK(r.err.find('\n') == r.err.size() - 1);
  } else {
    CHECK(r.err.empty());
  }
}

TEST_CASE("match --normalize: the image is the repository kubelet pulls") {
  auto v = GENERATE(values<MatchCase>({
      {"docker.io", "busybox:1.36", 0},
      {"docker.io/library", "busybox", 0},
      {"*.io", "nginx", 0},
      {"quay.io", "busybox", 1},
      {"registry.k8s.io", "registry.k8s.io/pause:3.9", 0},
      {"docker.io", "Uppercase:tag", 2},
  }));
  CAPTURE(v.pattern, v.image);
  auto r = Run({"match", "--normalize", v.pattern, v.image});
  CHECK(r.rc == v.rc);
  CHECK(r.out.empty());
  CHECK(r.err.empty() == (v.rc != 2));
  // without --normalize the bare name is its own host
  if (std::string(v.image) == "busybox" && std::string(v.pattern) == "docker.io/library") {
    CHECK(Run({"match", v.pattern, v.image}).rc == 1);
  }
}

TEST_CASE("match: wrong argument count exits 2") {
  const std::string see = " (see 'pullguard match --help')\n";
  for (const auto& [argv, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"match"}, "PATTERN is required"},
           {{"match", "a"}, "IMAGE is required"},
           {{"match", "a", "b", "c"}, "unexpected argument \"c\""}}) {
    auto r = Run(argv);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "pullguard match: " + message + see);
  }
}
