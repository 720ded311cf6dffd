// JoinFlight (base/single_flight.h): the first process works under the exclusive lock; waiters
// are woken together under a shared lock and use its result; a flight that left nothing makes
// the next waiter the worker; a wait is bounded.
#include "base/single_flight.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>
#include <vector>

#include "base/env_posix.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::TempDir;
using std::chrono::milliseconds;

namespace {

bool Exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}

// How many flock requests are blocked on `path` (/proc/locks lists each with "->"), so that a
// test releases the lock only once every waiter is really waiting for it.
int BlockedOn(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  std::string inode = ":" + std::to_string(st.st_ino) + " ";
  std::ifstream locks("/proc/locks");
  int n = 0;
  for (std::string line; std::getline(locks, line);) {
    if (line.find("->") != std::string::npos && line.find(inode) != std::string::npos) ++n;
  }
  return n;
}

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

int ExitCode(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("single flight: a free lock makes this process the worker", "[single_flight]") {
  TempDir tmp;
  std::string lock = tmp.path() + "/f.lock";
  bool asked = false;
  auto l = JoinFlight(DefaultEnv(), lock, milliseconds(1000), [&] { return asked = true; });
  REQUIRE(l.ok());
  CHECK(*l != nullptr);
  CHECK_FALSE(asked);
  // Held exclusively: nobody else gets it, not even a shared holder.
  CHECK_FALSE(DefaultEnv().LockFileShared(lock, milliseconds(0)).ok());
  CHECK_FALSE(DefaultEnv().LockFile(lock, milliseconds(0)).ok());
}

TEST_CASE("single flight: waiters read the worker's result together, under a shared lock",
          "[single_flight]") {
  TempDir tmp;
  const std::string lock = tmp.path() + "/f.lock";
  const std::string result = tmp.path() + "/result";
  constexpr int kWaiters = 6;
  auto worker = DefaultEnv().LockFile(lock, milliseconds(1000));
  REQUIRE(worker.ok());
  std::vector<pid_t> pids;
  for (int i = 0; i < kWaiters; ++i) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      bool read = false;
      auto l = JoinFlight(DefaultEnv(), lock, milliseconds(10000), [&] {
        read = Exists(result);
        // Every waiter holds the lock at the same moment: with an exclusive lock passed from
        // one waiter to the next, this barrier would never fill.
        std::ofstream(tmp.path() + "/in-" + std::to_string(i)) << "x";
        bool all = WaitFor([&] {
          for (int j = 0; j < kWaiters; ++j) {
            if (!Exists(tmp.path() + "/in-" + std::to_string(j))) return false;
          }
          return true;
        });
        return read && all;
      });
      _exit(l.ok() && *l == nullptr && read ? 0 : 1);
    }
    pids.push_back(pid);
  }
  REQUIRE(WaitFor([&] { return BlockedOn(lock) == kWaiters; }));
  std::ofstream(result) << "token";
  worker->reset();
  for (pid_t pid : pids) CHECK(ExitCode(pid) == 0);
}

TEST_CASE("single flight: a flight that left nothing makes a waiter the next worker",
          "[single_flight]") {
  TempDir tmp;
  const std::string lock = tmp.path() + "/f.lock";
  auto worker = DefaultEnv().LockFile(lock, milliseconds(1000));
  REQUIRE(worker.ok());
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int asked = 0;
    auto l = JoinFlight(DefaultEnv(), lock, milliseconds(10000), [&] { return ++asked, false; });
    // The next worker holds the exclusive lock.
    bool exclusive =
        l.ok() && *l != nullptr && !DefaultEnv().LockFileShared(lock, milliseconds(0)).ok();
    _exit(exclusive && asked == 1 ? 0 : 1);
  }
  REQUIRE(WaitFor([&] { return BlockedOn(lock) == 1; }));
  worker->reset();
  CHECK(ExitCode(pid) == 0);
}

TEST_CASE("single flight: a lock held past the timeout is kUnavailable, the result never read",
          "[single_flight]") {
  TempDir tmp;
  const std::string lock = tmp.path() + "/f.lock";
  auto worker = DefaultEnv().LockFile(lock, milliseconds(1000));
  REQUIRE(worker.ok());
  bool asked = false;
  auto l = JoinFlight(DefaultEnv(), lock, milliseconds(50), [&] { return asked = true; });
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().kind == ErrorKind::kUnavailable);
  CHECK_FALSE(asked);
}
