// Output and Input (base/output.h, base/input.h): a command's bytes without iostreams. FdOutput
// hands each whole line to one write(2), holds a partial line until it ends or is flushed.
#include "base/output.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "base/input.h"

using namespace pullguard;

namespace {

// What is waiting in the pipe, read without blocking; "" when nothing is.
std::string Drain(int fd) {
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

TEST_CASE("output: text, chars and integers", "[output]") {
  StringOutput out;
  out << "a" << std::string("b") << std::string_view("c") << ' ' << 42 << ' ' << std::size_t{7}
      << ' ' << -3 << ' ' << std::int64_t{1} << '\n';
  CHECK(out.text == "abc 42 7 -3 1\n");
}

TEST_CASE("output: a descriptor gets whole lines, a partial line once flushed", "[output]") {
  int p[2];
  REQUIRE(pipe2(p, O_NONBLOCK) == 0);
  {
    FdOutput out(p[1]);
    out << "pullguard get-credentials: "
        << "no such file";
    CHECK(Drain(p[0]).empty());  // held: half a line never reaches a reader
    out << "\n";
    CHECK(Drain(p[0]) == "pullguard get-credentials: no such file\n");
    out << "{\"kind\":\"CredentialProviderResponse\"}";
    CHECK(Drain(p[0]).empty());
    out.Flush();
    CHECK(Drain(p[0]) == "{\"kind\":\"CredentialProviderResponse\"}");
    out << "last";
  }
  CHECK(Drain(p[0]) == "last");  // the destructor flushes
  close(p[0]);
  close(p[1]);
}

TEST_CASE("output: a line larger than the pipe is written in full", "[output]") {
  int p[2];
  REQUIRE(pipe(p) == 0);
  const std::string big(200000, 'x');
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    FdOutput out(p[1]);
    out << big << "\n";
    _exit(0);
  }
  close(p[1]);
  FdInput in(p[0]);
  std::string got;
  char buf[4096];
  for (long n; (n = in.Read(buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(got == big + "\n");
}

TEST_CASE("input: a string is read in pieces, then the end", "[output]") {
  StringInput in("hello");
  char buf[3];
  CHECK(in.Read(buf, sizeof buf) == 3);
  CHECK(std::string(buf, 3) == "hel");
  CHECK(in.Read(buf, sizeof buf) == 2);
  CHECK(std::string(buf, 2) == "lo");
  CHECK(in.Read(buf, sizeof buf) == 0);
  FdInput bad(-1);
  CHECK(bad.Read(buf, sizeof buf) == -1);
}
