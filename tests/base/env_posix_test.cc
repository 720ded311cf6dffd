// The POSIX Env's rules for pullguard's own files and the operator's (base/env.h, issue 13 items
// 7-9): no link followed in the state dir, no FIFO blocking an exec, directories others can write
// refused when used, operator files checked on the descriptor actually read.
#include "base/env_posix.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::TempDir;

namespace {

bool Exists(const std::string& p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0;
}

constexpr uid_t kNobody = 65534;

}  // namespace

TEST_CASE("env: files under a private directory work as before", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string dir = tmp.path() + "/state/tokens";
  REQUIRE(env.CreateDirs(dir, 0700).ok());
  REQUIRE(env.WriteFileAtomic(dir + "/a.json", "hello", 0600).ok());
  CHECK(*env.ReadFile(dir + "/a.json", 100) == "hello");
  CHECK(env.ListDir(dir)->size() == 1);
  REQUIRE(env.LockFile(dir + "/a.json.lock", std::chrono::milliseconds(100)).ok());
  REQUIRE(env.RemoveFile(dir + "/a.json").ok());
  CHECK(env.RemoveFile(dir + "/a.json").ok());
  CHECK(env.RemoveFile(tmp.path() + "/absent/a.json").ok());
  CHECK(env.ReadFile(dir + "/a.json", 100).error().kind == ErrorKind::kNotFound);
}

TEST_CASE("env: a lock file removed while a process waits on it is taken again on its successor",
          "[env]") {
  // ProofCache::Prune removes idle lock files. A waiter that opened the old file before it was
  // removed must not hold "the" lock while another process holds the new file's.
  const bool shared = GENERATE(false, true);  // a flight's owner, or one of its waiters
  INFO((shared ? "shared" : "exclusive"));
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string dir = tmp.path() + "/state";
  REQUIRE(env.CreateDirs(dir, 0700).ok());
  const std::string path = dir + "/k.lock";
  auto first = env.LockFile(path, std::chrono::milliseconds(0));
  REQUIRE(first.ok());
  struct stat file1 {};
  REQUIRE(stat(path.c_str(), &file1) == 0);
  std::atomic<bool> done{false};
  std::atomic<bool> waiter_locked{false};
  std::jthread waiter([&] {  // joined on every way out
    auto l = shared ? env.LockFileShared(path, std::chrono::milliseconds(5000))
                    : env.LockFile(path, std::chrono::milliseconds(5000));
    waiter_locked = l.ok();
    done = true;
  });
  // The waiter must be blocked on file 1 before it goes: the kernel lists a blocked flock request
  // as "->" in /proc/locks, with the file's inode.
  auto blocked_on_file1 = [&] {
    std::ifstream locks("/proc/locks");
    const std::string ino = ":" + std::to_string(file1.st_ino) + " ";
    for (std::string line; std::getline(locks, line);) {
      if (line.find("->") != std::string::npos && line.find(ino) != std::string::npos) return true;
    }
    return false;
  };
  for (int i = 0; i < 500 && !blocked_on_file1(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(blocked_on_file1());
  REQUIRE(env.RemoveFile(path).ok());
  auto second = env.LockFile(path, std::chrono::milliseconds(0));  // file 2
  REQUIRE(second.ok());
  first->reset();  // file 1 is free: the waiter gets it, sees it is gone, waits on file 2
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(done.load());
  second->reset();
  waiter.join();
  CHECK(waiter_locked.load());
}

TEST_CASE("env: links in the state dir are never followed", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string dir = tmp.path() + "/state";
  REQUIRE(env.CreateDirs(dir, 0700).ok());
  std::string victim = tmp.path() + "/victim";
  std::ofstream(victim) << "attacker's token";
  REQUIRE(symlink(victim.c_str(), (dir + "/token.json").c_str()) == 0);
  auto read = env.ReadFile(dir + "/token.json", 100);
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().kind == ErrorKind::kPermission);
  CHECK(read.error().message.find(dir + "/token.json is a symbolic link") != std::string::npos);
  // A lock through a link would create (as root) whatever file it names.
  std::string target = tmp.path() + "/created-by-root";
  REQUIRE(symlink(target.c_str(), (dir + "/x.lock").c_str()) == 0);
  auto lock = env.LockFile(dir + "/x.lock", std::chrono::milliseconds(100));
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().kind == ErrorKind::kPermission);
  CHECK_FALSE(Exists(target));
  // rename replaces the link itself; the file it named is untouched.
  REQUIRE(env.WriteFileAtomic(dir + "/token.json", "ours", 0600).ok());
  CHECK(*env.ReadFile(dir + "/token.json", 100) == "ours");
  std::ifstream v(victim);
  std::string kept((std::istreambuf_iterator<char>(v)), std::istreambuf_iterator<char>());
  CHECK(kept == "attacker's token");
  // Removing a link removes the link.
  REQUIRE(symlink(victim.c_str(), (dir + "/old.json").c_str()) == 0);
  REQUIRE(env.RemoveFile(dir + "/old.json").ok());
  CHECK(Exists(victim));
}

TEST_CASE("env: a FIFO never blocks, and is not a file", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string fifo = tmp.path() + "/token.json";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto read = env.ReadFile(fifo, 100);  // would block forever with a plain open(2)
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().message.find("not a regular file") != std::string::npos);
  CHECK_FALSE(env.LockFile(fifo, std::chrono::milliseconds(100)).ok());
  auto op = env.ReadOperatorFile(fifo, 100);
  REQUIRE_FALSE(op.ok());
  CHECK(op.error().kind == ErrorKind::kPermission);
}

TEST_CASE("env: directories others could write are refused when used", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string state = tmp.path() + "/state";
  REQUIRE(mkdir(state.c_str(), 0700) == 0);
  REQUIRE(chmod(state.c_str(), 0777) == 0);
  SECTION("the file's own directory") {
    auto r = env.WriteFileAtomic(state + "/f", "x", 0600);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kPermission);
    CHECK(r.error().message ==
          state +
              " is writable by group or others (mode 0777): another user could replace "
              "pullguard's files there; chmod 700 " +
              state);
    CHECK_FALSE(env.ReadFile(state + "/f", 10).ok());
    CHECK_FALSE(env.ListDir(state).ok());
    CHECK_FALSE(env.LockFile(state + "/l.lock", std::chrono::milliseconds(10)).ok());
    CHECK_FALSE(Exists(state + "/l.lock"));
  }
  SECTION("a directory above it, and mkdir -p stops there") {
    auto r = env.CreateDirs(state + "/tokens", 0700);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(state + " is writable by group or others") == 0);
    CHECK(r.error().message.find("chmod go-w " + state) != std::string::npos);
    CHECK_FALSE(Exists(state + "/tokens"));
  }
  SECTION("a sticky directory above it (/tmp) is fine, as the file's own directory it is not") {
    REQUIRE(chmod(state.c_str(), 01777) == 0);
    CHECK(env.CreateDirs(state + "/tokens", 0700).ok());
    CHECK_FALSE(env.WriteFileAtomic(state + "/f", "x", 0600).ok());
  }
  SECTION("group-writable, and owned by another user") {
    REQUIRE(chmod(state.c_str(), 0770) == 0);
    CHECK_FALSE(env.ReadFile(state + "/f", 10).ok());
    REQUIRE(chmod(state.c_str(), 0700) == 0);
    if (geteuid() == 0) {
      REQUIRE(chown(state.c_str(), kNobody, kNobody) == 0);
      auto r = env.ReadFile(state + "/f", 10);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().message.find("is owned by uid 65534") != std::string::npos);
      CHECK(r.error().message.find("chown 0 " + state) != std::string::npos);
      // The metrics textfile's directory may belong to node-exporter: only its owner and mode
      // are not checked there; links still are.
      REQUIRE(chmod(state.c_str(), 0777) == 0);
      Env& shared = env.SharedDirectories();
      REQUIRE(shared.WriteFileAtomic(state + "/m.prom", "x 1\n", 0644).ok());
      CHECK(*shared.ReadFile(state + "/m.prom", 10) == "x 1\n");
      REQUIRE(symlink("/etc/passwd", (state + "/evil.prom").c_str()) == 0);
      CHECK_FALSE(shared.ReadFile(state + "/evil.prom", 1000).ok());
      REQUIRE(symlink((tmp.path() + "/made").c_str(), (state + "/m.prom.lock").c_str()) == 0);
      CHECK_FALSE(shared.LockFile(state + "/m.prom.lock", std::chrono::milliseconds(10)).ok());
      CHECK_FALSE(Exists(tmp.path() + "/made"));
    }
  }
}

TEST_CASE("env: a directory checked once is checked again when it changes", "[env]") {
  // The POSIX Env remembers the directories it checked (base/env_posix.cc, CheckedDirectories);
  // what changes after the first use must still be refused.
  TempDir tmp;
  Env& env = DefaultEnv();
  const std::string parent = tmp.path() + "/p";
  const std::string state = parent + "/state";
  REQUIRE(env.CreateDirs(state, 0700).ok());
  REQUIRE(env.WriteFileAtomic(state + "/f", "x", 0600).ok());
  SECTION("its own mode") {
    REQUIRE(chmod(state.c_str(), 0777) == 0);
    auto r = env.ReadFile(state + "/f", 10);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kPermission);
  }
  SECTION("replaced by a link to a private directory") {
    REQUIRE(mkdir((tmp.path() + "/elsewhere").c_str(), 0700) == 0);
    REQUIRE(rename(state.c_str(), (tmp.path() + "/old").c_str()) == 0);
    REQUIRE(symlink((tmp.path() + "/elsewhere").c_str(), state.c_str()) == 0);
    auto r = env.WriteFileAtomic(state + "/f", "y", 0600);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kPermission);
    CHECK_FALSE(Exists(tmp.path() + "/elsewhere/f"));
  }
  SECTION("replaced by another directory under a parent others can now write") {
    REQUIRE(rename(state.c_str(), (tmp.path() + "/old").c_str()) == 0);
    REQUIRE(mkdir(state.c_str(), 0700) == 0);
    REQUIRE(chmod(parent.c_str(), 0777) == 0);
    auto r = env.ReadFile(state + "/f", 10);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(parent + " is writable by group or others") == 0);
  }
  SECTION("unchanged, it still works") {
    CHECK(*env.ReadFile(state + "/f", 10) == "x");
    CHECK(env.WriteFileAtomic(state + "/g", "z", 0600).ok());
  }
}

TEST_CASE("env: the state dir itself must not be a link", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string real = tmp.path() + "/real";
  REQUIRE(mkdir(real.c_str(), 0700) == 0);
  std::string link = tmp.path() + "/tokens";
  REQUIRE(symlink(real.c_str(), link.c_str()) == 0);
  std::ofstream(real + "/" + std::string(64, 'a') + ".json") << "{}";
  auto list = env.ListDir(link);  // what the token cache's pruning would walk
  REQUIRE_FALSE(list.ok());
  CHECK(list.error().message.find(link + " is a symbolic link") == 0);
  CHECK_FALSE(env.RemoveFile(link + "/" + std::string(64, 'a') + ".json").ok());
  CHECK(Exists(real + "/" + std::string(64, 'a') + ".json"));
  CHECK_FALSE(env.CreateDirs(link, 0700).ok());
  // A link above the last directory is the operator's path and is followed.
  CHECK(env.CreateDirs(link + "/sub", 0700).ok());
}

TEST_CASE("env: operator files are checked on the descriptor read", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string file = tmp.Write("config.yaml", "kind: x\n", 0640);
  auto ok = env.ReadOperatorFile(file, 100);
  REQUIRE(ok.ok());
  CHECK(ok->data == "kind: x\n");
  CHECK(ok->info.mode == 0640);
  // Kubernetes Secret and ConfigMap volumes are links: followed, and the target's mode is seen.
  std::string link = tmp.path() + "/link.yaml";
  REQUIRE(symlink(file.c_str(), link.c_str()) == 0);
  auto via = env.ReadOperatorFile(link, 100);
  REQUIRE(via.ok());
  CHECK(via->info.mode == 0640);
  auto environ_file = env.ReadOperatorFile("/proc/self/environ", 1 << 20);
  REQUIRE_FALSE(environ_file.ok());
  CHECK(environ_file.error().message.find("pseudo file system") != std::string::npos);
  CHECK(env.ReadOperatorFile(tmp.path(), 100).error().message.find("Is a directory") !=
        std::string::npos);
  CHECK(env.ReadOperatorFile(tmp.path() + "/absent", 100).error().kind == ErrorKind::kNotFound);
  if (geteuid() == 0) {
    REQUIRE(chown(file.c_str(), kNobody, kNobody) == 0);
    auto other = env.ReadOperatorFile(link, 100);
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().kind == ErrorKind::kPermission);
    CHECK(other.error().message.find("is owned by uid 65534") != std::string::npos);
  }
}

TEST_CASE("env: a directory reader keeps ReadFile's rules for each file", "[env]") {
  TempDir tmp;
  Env& env = DefaultEnv();
  std::string dir = tmp.path() + "/state";
  REQUIRE(env.CreateDirs(dir, 0700).ok());
  REQUIRE(env.WriteFileAtomic(dir + "/a.json", "hello", 0600).ok());
  std::string big(200000, 'x');  // more than one read
  REQUIRE(env.WriteFileAtomic(dir + "/big.json", big, 0600).ok());
  std::string victim = tmp.path() + "/victim";
  std::ofstream(victim) << "attacker's token";
  REQUIRE(symlink(victim.c_str(), (dir + "/link.json").c_str()) == 0);
  REQUIRE(mkfifo((dir + "/fifo.json").c_str(), 0600) == 0);
  REQUIRE(mkdir((dir + "/sub").c_str(), 0700) == 0);

  auto reader = env.OpenDirectoryReader(dir);
  REQUIRE(reader.ok());
  auto names = (*reader)->List();
  REQUIRE(names.ok());
  CHECK(names->size() == 5);
  CHECK(*(*reader)->ReadFile("a.json", 100) == "hello");
  CHECK(*(*reader)->ReadFile("big.json", big.size()) == big);
  auto too_big = (*reader)->ReadFile("big.json", big.size() - 1);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().message.find(dir + "/big.json is larger than") != std::string::npos);
  auto link = (*reader)->ReadFile("link.json", 100);
  REQUIRE_FALSE(link.ok());
  CHECK(link.error().kind == ErrorKind::kPermission);
  CHECK(link.error().message.find(dir + "/link.json is a symbolic link") != std::string::npos);
  auto fifo = (*reader)->ReadFile("fifo.json", 100);  // must not block
  REQUIRE_FALSE(fifo.ok());
  CHECK(fifo.error().message.find("not a regular file") != std::string::npos);
  CHECK_FALSE((*reader)->ReadFile("sub", 100).ok());
  CHECK((*reader)->Stat("sub")->is_dir);
  CHECK_FALSE((*reader)->Stat("gone.json")->exists);
  auto gone = (*reader)->ReadFile("gone.json", 100);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().kind == ErrorKind::kNotFound);
  CHECK(gone.error().message.find(dir + "/gone.json") != std::string::npos);

  // The directory's own checks happen when it is opened.
  std::string open_dir = tmp.path() + "/open";
  REQUIRE(mkdir(open_dir.c_str(), 0777) == 0);
  REQUIRE(chmod(open_dir.c_str(), 0777) == 0);
  auto refused = env.OpenDirectoryReader(open_dir);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::kPermission);
  CHECK_FALSE(env.OpenDirectoryReader(tmp.path() + "/absent").ok());
}
