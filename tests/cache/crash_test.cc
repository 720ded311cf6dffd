// Crash safety: writer processes are killed with SIGKILL at random points while they merge new
// secrets into one record (1000 writes in all). After every kill the record must decode and hold
// either the last completed version or the one being written, never a torn or lost state.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <thread>

#include "base/env_posix.h"
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
