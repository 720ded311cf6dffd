// Crash safety: writer processes are killed with SIGKILL at random points while they merge new
// secrets into one record (1000 writes in all). After every kill the record must decode and hold
// either the last completed version or the one being written, never a torn or lost state. Then
// the same with four group-commit writers at once (cache/group_commit.h): a killed writer may be
// the one committing everybody's adds, and still no answered add is lost.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "base/env_posix.h"
#include "cache/group_commit.h"
#include "cache/pull_manager.h"
#include "cache/record_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::TempDir;

namespace {

std::size_t SecretCount(FileRecordStore& store) {
  auto r = store.GetRecord("sha256:crash");
  REQUIRE(r.ok());  // decodes, or the test fails here
  if (!r->has_value()) return 0;
  return (*r)->credential_mapping.at("docker.io/crash/test").kubernetes_secrets.size();
}

// Child: announce version k on the pipe, then write it. Never returns.
[[noreturn]] void Writer(const std::string& root, int fd, std::size_t start) {
  FileRecordStore store(DefaultEnv(), root);
  PullManager m(store, *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}));
  for (std::size_t k = start + 1;; ++k) {
    std::uint32_t v = static_cast<std::uint32_t>(k);
    if (write(fd, &v, sizeof v) != sizeof v) _exit(3);
    std::string id = "s" + std::to_string(k);
    auto w =
        m.WritePulledRecordIfChanged("docker.io/crash/test:v1", "sha256:crash",
                                     ImagePullCredentials{{{id, "ns", id, "h" + id}}, {}, false});
    if (!w.ok()) _exit(4);
  }
}

}  // namespace

TEST_CASE("SIGKILL at random points during 1000 writes leaves the old or the new version") {
  TempDir dir;
  std::string root = dir.path() + "/image_manager";
  FileRecordStore store(DefaultEnv(), root);
  REQUIRE(store.Init().ok());
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> delay_us(200, 15000);
  std::size_t completed = 0, total_writes = 0, kills = 0;
  while (total_writes < 1000) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      Writer(root, fds[1], completed);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));  // a writer error would show up as an exit code
    ++kills;
    std::uint32_t v = 0, last = 0;
    std::size_t announced = 0;
    while (read(fds[0], &v, sizeof v) == sizeof v) {
      last = v;
      ++announced;
    }
    close(fds[0]);
    total_writes += announced;
    std::size_t now = SecretCount(store);
    INFO("kill " << kills << ": completed before " << completed << ", last announced " << last
                 << ", on disk " << now);
    if (announced == 0) {
      CHECK(now == completed);
    } else {
      CHECK((now == last || now == last - 1u));
    }
    // No leftover lock blocks the next writer; temp files never count as records.
    auto l = store.ListRecords();
    REQUIRE(l.ok());
    CHECK(l->problems.empty());
    CHECK(l->items.size() == (now == 0 ? 0u : 1u));
    completed = now;
  }
  CHECK(total_writes >= 1000);
  CHECK(kills >= 2);
  // Every secret up to the final version is present exactly once.
  auto r = store.GetRecord("sha256:crash");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  const auto& secrets = (*r)->credential_mapping.at("docker.io/crash/test").kubernetes_secrets;
  std::set<std::string> ids;
  for (const auto& s : secrets) ids.insert(s.uid);
  CHECK(ids.size() == completed);
  for (std::size_t k = 1; k <= completed; ++k) CHECK(ids.count("s" + std::to_string(k)) == 1);
}

namespace {

struct WriterMsg {
  std::uint32_t acked;  // 0: about to add `id`, 1: `id` answered
  std::uint32_t id;
};

// Child for the group-commit test: adds secret c<id> for id = first, first+1, ... through the
// pending queue, announcing each id before the add and again once it is answered. Never returns.
[[noreturn]] void QueueWriter(const std::string& root, int fd, std::uint32_t first) {
  FileRecordStore store(DefaultEnv(), root, std::chrono::minutes(2));
  GroupCommit commit(DefaultEnv(), store, [] {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  });
  for (std::uint32_t id = first;; ++id) {
    WriterMsg m{0, id};
    if (write(fd, &m, sizeof m) != sizeof m) _exit(3);
    std::string s = "c" + std::to_string(id);
    auto w = commit.Add("docker.io/crash/test:v1", "sha256:crash",
                        ImagePullCredentials{{{s, "ns", s, "h" + s}}, {}, false});
    if (!w.ok()) {
      std::fprintf(stderr, "writer: %s\n", w.error().message.c_str());
      _exit(4);
    }
    if (!*w) _exit(5);
    m.acked = 1;
    if (write(fd, &m, sizeof m) != sizeof m) _exit(3);
  }
}

struct LiveWriter {
  pid_t pid = -1;
  int fd = -1;
};

}  // namespace

TEST_CASE("SIGKILLed group-commit writers lose at most their own unanswered add") {
  TempDir dir;
  std::string root = dir.path() + "/image_manager";
  FileRecordStore store(DefaultEnv(), root);
  REQUIRE(store.Init().ok());
  std::mt19937 rng(20261201);
  std::uniform_int_distribution<int> delay_us(1000, 30000);
  std::set<std::uint32_t> announced, acked;
  std::uint32_t next_first = 1;
  auto start = [&]() {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::uint32_t first = next_first;
    next_first += 100000;
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      QueueWriter(root, fds[1], first);
    }
    close(fds[1]);
    return LiveWriter{pid, fds[0]};
  };
  // Reads what a dead writer said, to its end.
  auto drain = [&](LiveWriter& w) {
    int status = 0;
    waitpid(w.pid, &status, 0);
    INFO("exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    CHECK(WIFSIGNALED(status));  // a writer error would show up as an exit code
    WriterMsg m{};
    while (read(w.fd, &m, sizeof m) == sizeof m) (m.acked ? acked : announced).insert(m.id);
    close(w.fd);
  };
  std::vector<LiveWriter> writers;
  for (int i = 0; i < 4; ++i) writers.push_back(start());
  int kills = 0;
  while ((acked.size() < 400 || kills < 20) && kills < 400) {
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    std::size_t victim = static_cast<std::size_t>(rng() % writers.size());
    kill(writers[victim].pid, SIGKILL);
    drain(writers[victim]);
    ++kills;
    writers[victim] = start();
    // Whatever was killed where, the record decodes.
    REQUIRE(store.GetRecord("sha256:crash").ok());
  }
  for (LiveWriter& w : writers) {
    kill(w.pid, SIGKILL);
    drain(w);
  }
  INFO("kills " << kills << ", acked " << acked.size() << ", announced " << announced.size());
  CHECK(acked.size() >= 400);

  // One more add merges whatever the dead writers left queued or claimed.
  GroupCommit commit(DefaultEnv(), store, [] {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  });
  REQUIRE(commit
              .Add("docker.io/crash/test:v1", "sha256:crash",
                   ImagePullCredentials{{{"final", "ns", "final", "hfinal"}}, {}, false})
              .ok());
  auto r = store.GetRecord("sha256:crash");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  const auto& secrets = (*r)->credential_mapping.at("docker.io/crash/test").kubernetes_secrets;
  std::set<std::string> uids;
  for (const auto& s : secrets) CHECK(uids.insert(s.uid).second);
  // Every answered add is in the record; everything in it was asked for by some writer.
  std::size_t lost = 0;
  for (std::uint32_t id : acked) lost += uids.count("c" + std::to_string(id)) == 1 ? 0 : 1;
  CHECK(lost == 0);
  for (const std::string& u : uids) {
    if (u == "final") continue;
    CHECK(announced.count(static_cast<std::uint32_t>(std::stoul(u.substr(1)))) == 1);
  }
  // Nothing stays queued (temp files of writers killed while queueing are swept later).
  for (const std::string& name : pullguard::testing::FilesIn(commit.PendingDir())) {
    INFO(name);
    std::string state = name.substr(name.rfind('.') + 1);
    CHECK(state != "add");
    CHECK(state != "claimed");
    CHECK(state != "changed");
  }
}
