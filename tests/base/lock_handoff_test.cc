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

// A descriptor of `path` holding its exclusive flock, as the front leaves it across exec (without
// close-on-exec).
int HeldElsewhere(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
  return fd;
}

bool LockedByOthers(const std::string& path) {
  int probe = open(path.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(probe >= 0);
  bool locked = flock(probe, LOCK_EX | LOCK_NB) != 0;
  close(probe);
  return locked;
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
    CHECK(LockedByOthers(a));
  }
  // Released with the adopting lock, and adopted once only: the next lock is an ordinary one.
  CHECK(fcntl(fd, F_GETFD) == -1);
  CHECK_FALSE(LockedByOthers(a));
  auto again = env.LockFile(a, kTry);
  REQUIRE(again.ok());
  CHECK(LockedByOthers(a));
}

TEST_CASE("lock handoff: a named descriptor is adopted only if it holds or gets the lock",
          "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  const std::string a = tmp.path() + "/a.lock";
  int holder = HeldElsewhere(a);  // another holder of a.lock
  SECTION("malformed names of the lock's own descriptor are ignored") {
    int fd = holder;
    AddInheritedLocks(std::to_string(fd) + "x,+" + std::to_string(fd) + ", " + std::to_string(fd) +
                      ",0x" + std::to_string(fd));
    CHECK(env.LockFile(a, kTry).error().kind == ErrorKind::kUnavailable);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);  // not taken, not touched
  }
  SECTION("a descriptor of the same file that does not hold the lock is not adopted") {
    int stray = open(a.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(stray >= 0);
    AddInheritedLocks(std::to_string(stray));
    CHECK(env.LockFile(a, kTry).error().kind == ErrorKind::kUnavailable);
    CHECK(fcntl(stray, F_GETFD) == -1);  // closed once refused
  }
  close(holder);
}

TEST_CASE("lock handoff: a shared request adopts the inherited exclusive lock", "[env]") {
  // The helper waits for nobody, least of all itself, whichever lock it asks for first.
  TempDir tmp;
  const std::string a = tmp.path() + "/a.lock";
  int fd = HeldElsewhere(a);
  AddInheritedLocks(std::to_string(fd));
  {
    auto shared = DefaultEnv().LockFileShared(a, kTry);
    REQUIRE(shared.ok());
    CHECK(LockedByOthers(a));
  }
  CHECK_FALSE(LockedByOthers(a));
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
