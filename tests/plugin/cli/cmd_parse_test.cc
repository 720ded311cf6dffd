// `pullguard parse IMAGE`: exact JSON on stdout for valid images; exit 1, one stderr line and
// empty stdout for invalid ones; exit 2 for usage errors.
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/run.h"

using pullguard::testing::Run;

namespace {

const std::string kE3 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool OneLine(const std::string& s) {
  return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1;
}

}  // namespace

TEST_CASE("parse: valid images print one JSON object") {
  auto v = GENERATE_COPY(values<std::pair<std::string, std::string>>({
      {"busybox",
       R"({"name":"docker.io/library/busybox","domain":"docker.io","path":"library/busybox",)"
       R"("tag":"latest","digest":"","familiar":"busybox"})"},
      {"foo/bar:1.0",
       R"({"name":"docker.io/foo/bar","domain":"docker.io","path":"foo/bar","tag":"1.0",)"
       R"("digest":"","familiar":"foo/bar"})"},
      {"index.docker.io/library/nginx@" + kE3,
       R"({"name":"docker.io/library/nginx","domain":"docker.io","path":"library/nginx",)"
       R"("tag":"","digest":")" +
           kE3 + R"(","familiar":"nginx"})"},
      {"gcr.io/library/busybox:latest@" + kE3,
       R"({"name":"gcr.io/library/busybox","domain":"gcr.io","path":"library/busybox",)"
       R"("tag":"latest","digest":")" +
           kE3 + R"(","familiar":"gcr.io/library/busybox"})"},
      {"localhost:5000/team/app:v2",
       R"({"name":"localhost:5000/team/app","domain":"localhost:5000","path":"team/app",)"
       R"("tag":"v2","digest":"","familiar":"localhost:5000/team/app"})"},
      {"[::1]:5000/repo",
       R"({"name":"[::1]:5000/repo","domain":"[::1]:5000","path":"repo","tag":"latest",)"
       R"("digest":"","familiar":"[::1]:5000/repo"})"},
      {"test.com:5000",
       R"({"name":"docker.io/library/test.com","domain":"docker.io","path":"library/test.com",)"
       R"("tag":"5000","digest":"","familiar":"test.com"})"},
      {"Foo/bar", R"({"name":"Foo/bar","domain":"Foo","path":"bar","tag":"latest","digest":"",)"
                  R"("familiar":"Foo/bar"})"},
      {"docker.io/library/foo/bar",
       R"({"name":"docker.io/library/foo/bar","domain":"docker.io","path":"library/foo/bar",)"
       R"("tag":"latest","digest":"","familiar":"library/foo/bar"})"},
  }));
  CAPTURE(v.first);
  auto r = Run({"parse", v.first});
  CHECK(r.rc == 0);
  CHECK(r.out == v.second + "\n");
  CHECK(r.err.empty());
}

TEST_CASE("parse: invalid images exit 1 with one stderr line and nothing on stdout") {
  auto v = GENERATE_COPY(values<std::pair<std::string, std::string>>({
      {"", "empty image reference"},
      {"Uppercase:tag", "repository name must be lowercase"},
      {std::string(64, 'a'), "64-byte hexadecimal"},
      {"repo@sha256:" + std::string(34, 'f'), "invalid checksum digest length"},
      {"repo@sha256:" + std::string(64, 'F'), "invalid checksum digest format"},
      {"repo@md5:" + std::string(32, 'f'), "unsupported digest algorithm"},
      {std::string(248, 'a'), "must not be more than 255 characters"},
      {"https://github.com/docker/docker", "invalid reference format"},
      {"bad\nname", "invalid reference format"},
  }));
  CAPTURE(v.first);
  auto r = Run({"parse", v.first});
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  CHECK(OneLine(r.err));
  CHECK(r.err.rfind("pullguard parse: ", 0) == 0);
  CHECK(r.err.find(v.second) != std::string::npos);
}

TEST_CASE("parse: the newline in an input is escaped, not printed") {
  auto r = Run({"parse", "bad\nname"});
  CHECK(r.err == "pullguard parse: invalid reference \"bad\\nname\": invalid reference format\n");
}

TEST_CASE("parse: wrong argument count is a usage error") {
  for (const auto& argv :
       {std::vector<std::string>{"parse"}, std::vector<std::string>{"parse", "a", "b"}}) {
    auto r = Run(argv);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK(OneLine(r.err));
  }
  auto h = Run({"parse", "--help"});
  CHECK(h.rc == 0);
  CHECK(h.out.rfind("usage: pullguard parse [OPTIONS] IMAGE\n", 0) == 0);
}
