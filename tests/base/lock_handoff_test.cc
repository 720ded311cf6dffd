// Locks carried across the static front's handoff (base/lock_handoff.h). A test cannot exec
// itself, so the "inherited" descriptor is one this process opens and locks through another open
// file description, exactly what the helper finds after exec: a lock held by a descriptor it did
// not open through its Env. The handoff end to end (a front that wins a flight and hands over) is
// every network e2e test's: the helper would wait for itself without adoption.
#include "base/lock_handoff.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "base/env_posix.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::TempDir;

namespace {

constexpr std::chrono::milliseconds kTry{0};

// A descriptor of `path` holding its exclusive flock, as the front leaves it across exec.
int HeldElsewhere(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
  return fd;
}

}  // namespace

TEST_CASE("lock handoff: an inherited lock is adopted, once, for its own file only", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  const std::string a = tmp.path() + "/a.lock", b = tmp.path() + "/b.lock";
  int fd = HeldElsewhere(a);
  // Without adoption the lock is another holder's: a try fails.
  CHECK(env.LockFile(a, kTry).error().kind == ErrorKind::kUnavailable);

  AddInheritedLocks(std::to_string(fd));
  CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);  // nothing the helper runs inherits it
  {
    auto other = env.LockFile(b, kTry);  // another file: not adopted, locked normally
    REQUIRE(other.ok());
    auto adopted = env.LockFile(a, kTry);
    REQUIRE(adopted.ok());
    // Adopted means held: a second open file description still cannot take it.
    int probe = open(a.c_str(), O_RDWR | O_CLOEXEC);
    CHECK(flock(probe, LOCK_EX | LOCK_NB) != 0);
    close(probe);
  }
  // Released with the adopting lock, and adopted once only: the next lock is an ordinary one.
  CHECK(fcntl(fd, F_GETFD) == -1);
  auto again = env.LockFile(a, kTry);
  REQUIRE(again.ok());
  int probe = open(a.c_str(), O_RDWR | O_CLOEXEC);
  CHECK(flock(probe, LOCK_EX | LOCK_NB) != 0);
  close(probe);
}

TEST_CASE("lock handoff: names that are not inherited lock files are ignored", "[env]") {
  TempDir tmp;
  int dir = open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // stdin, a directory, garbage, a closed descriptor: none is taken.
  AddInheritedLocks("0,x,," + std::to_string(dir) + ",999999,-4");
  close(dir);
  const std::string a = tmp.path() + "/a.lock";
  int fd = HeldElsewhere(a);
  CHECK(DefaultEnv().LockFile(a, kTry).error().kind == ErrorKind::kUnavailable);
  close(fd);
}

TEST_CASE("lock handoff: the front names its exclusive locks and takes them back", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  auto exclusive = env.LockFile(tmp.path() + "/x.lock", kTry);
  auto shared = env.LockFileShared(tmp.path() + "/s.lock", kTry);
  REQUIRE(exclusive.ok());
  REQUIRE(shared.ok());
  REQUIRE(PassHeldLocksAcrossExec().ok());
  const char* named = getenv(kHandoffLocksVariable);
  REQUIRE(named != nullptr);
  std::string list = named;
  CHECK(list.find(',') == std::string::npos);  // the exclusive lock only
  int fd = std::stoi(list);
  CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);  // survives the exec
  TakeBackHeldLocks();
  CHECK(getenv(kHandoffLocksVariable) == nullptr);
  CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
}
