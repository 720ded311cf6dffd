// Group commit: the same record as kubelet's one-add-at-a-time writes, every queued add answered
// by one write, failures that leave nothing half-done, withdrawal on a lock timeout, orphans of
// dead writers merged, and concurrent processes losing nothing.
#include "cache/group_commit.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "base/env_posix.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"
#include "tests/cache/cache_test_util.h"
#include "tests/support/fault_env.h"
#include "tests/support/run.h"
#include "tests/support/together.h"

using namespace pullguard;
using pullguard::testing::FaultEnv;
using pullguard::testing::FilesIn;
using pullguard::testing::RunTogether;
using pullguard::testing::Slurp;
using pullguard::testing::TempDir;

namespace {

const RecordTime kNow =
    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::from_time_t(1764547200));
const std::string kRef = "sha256:groupcommit";
const std::string kImage = "registry.example/team/app:v1";

ImagePullCredentials Creds(const std::string& id, const std::string& hash = "") {
  ImagePullCredentials c;
  c.kubernetes_secrets.push_back(
      ImagePullSecret{"uid-" + id, "ns", "s-" + id, hash.empty() ? "h-" + id : hash});
  return c;
}

// Queues an add as another writer would (without waiting for it).
std::string Queue(const std::string& pending, const std::string& id,
                  const ImagePullCredentials& creds, const std::string& state = "add") {
  ImagePulledRecord add;
  add.image_ref = kRef;
  add.credential_mapping["registry.example/team/app"] = creds;
  std::string base = pending + "/" + RecordFileName(kRef) + "." + id;
  REQUIRE(DefaultEnv().CreateDirs(pending, 0700).ok());
  REQUIRE(DefaultEnv().WriteFileAtomic(base + "." + state, EncodePulledRecord(add), 0600).ok());
  return base;
}

std::set<std::string> SecretUids(FileRecordStore& store) {
  auto r = store.GetRecord(kRef);
  REQUIRE(r.ok());
  std::set<std::string> out;
  if (!r->has_value()) return out;
  for (const auto& [k, c] : (*r)->credential_mapping) {
    for (const auto& s : c.kubernetes_secrets) {
      CHECK(out.insert(s.uid).second);  // never twice
    }
  }
  return out;
}

bool Exists(const std::string& path) {
  auto i = DefaultEnv().Stat(path);
  return i.ok() && i->exists;
}

}  // namespace

TEST_CASE("group commit: the record is byte for byte what one-at-a-time writes make",
          "[group_commit]") {
  TempDir a, b;
  FileRecordStore grouped(DefaultEnv(), a.path());
  FileRecordStore single(DefaultEnv(), b.path());
  REQUIRE(single.Init().ok());
  GroupCommit commit(DefaultEnv(), grouped, [] { return kNow; });
  PullManagerOptions opts;
  opts.now = [] { return kNow; };
  PullManager manager(
      single, *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}), opts);
  std::vector<std::pair<std::string, ImagePullCredentials>> adds = {
      {kImage, Creds("b")},
      {kImage, Creds("a")},
      {kImage, Creds("a")},             // the same again: unchanged
      {kImage, Creds("a", "rotated")},  // a new hash for the same secret
      {"registry.example/team/other:v2", Creds("c")},
  };
  ImagePullCredentials sa;
  sa.kubernetes_service_accounts.push_back(ImagePullServiceAccount{"uid-sa", "ns", "puller"});
  adds.push_back({"registry.example/team/sa:v1", sa});
  ImagePullCredentials node;
  node.node_pods_accessible = true;
  adds.push_back({kImage, node});
  for (const auto& [image, creds] : adds) {
    auto g = commit.Add(image, kRef, creds);
    auto s = manager.WritePulledRecordIfChanged(image, kRef, creds);
    REQUIRE(g.ok());
    REQUIRE(s.ok());
    CHECK(*g == *s);
    CHECK(Slurp(grouped.RecordPath(kRef)) == Slurp(single.RecordPath(kRef)));
  }
  // Nothing stays queued; kubelet's directories hold only the record.
  CHECK(FilesIn(commit.PendingDir()).empty());
  CHECK(FilesIn(a.path() + "/pulled") == std::vector<std::string>{RecordFileName(kRef)});
  struct stat st {};
  REQUIRE(stat(commit.PendingDir().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("group commit: one write answers every queued add, oldest first", "[group_commit]") {
  TempDir tmp;
  FaultEnv env(DefaultEnv());
  FileRecordStore store(env, tmp.path());
  GroupCommit commit(env, store, [] { return kNow; });
  std::string pending = commit.PendingDir();
  std::string b1 = Queue(pending, "0000000000000001-1-1", Creds("q1"));
  std::string b2 = Queue(pending, "0000000000000002-1-2", Creds("q2"));
  // Claimed by a committer that died before writing: merged again.
  std::string b3 = Queue(pending, "0000000000000003-1-3", Creds("q3"), "claimed");
  // Already in the record: answered as unchanged.
  std::string b4 = Queue(pending, "0000000000000004-1-4", Creds("q1"));
  int before = env.writes_seen;
  auto r = commit.Add(kImage, kRef, Creds("mine"));
  REQUIRE(r.ok());
  CHECK(*r);
  // The queued add and the record: two writes for five adds.
  CHECK(env.writes_seen - before == 2);
  CHECK(SecretUids(store) == std::set<std::string>{"uid-q1", "uid-q2", "uid-q3", "uid-mine"});
  CHECK(Exists(b1 + ".done-changed"));
  CHECK(Exists(b2 + ".done-changed"));
  CHECK(Exists(b3 + ".done-changed"));
  CHECK(Exists(b4 + ".done-same"));
  CHECK(FilesIn(pending).size() == 4);
}

TEST_CASE("group commit: a committer that died after writing still gets its adds answered right",
          "[group_commit]") {
  TempDir tmp;
  FileRecordStore store(DefaultEnv(), tmp.path());
  GroupCommit commit(DefaultEnv(), store, [] { return kNow; });
  REQUIRE(commit.Add(kImage, kRef, Creds("before")).ok());
  // The dead committer had marked both (.changed) and written the record with "written" only.
  REQUIRE(commit.Add(kImage, kRef, Creds("written")).ok());
  std::string pending = commit.PendingDir();
  std::string written = Queue(pending, "0000000000000001-1-1", Creds("written"), "changed");
  std::string lost = Queue(pending, "0000000000000002-1-2", Creds("lost"), "changed");
  // An add it had claimed that changes nothing (already there before its batch).
  std::string same = Queue(pending, "0000000000000003-1-3", Creds("before"), "claimed");
  REQUIRE(commit.Add(kImage, kRef, Creds("mine")).ok());
  CHECK(SecretUids(store) ==
        std::set<std::string>{"uid-before", "uid-written", "uid-lost", "uid-mine"});
  CHECK(Exists(written + ".done-changed"));
  CHECK(Exists(lost + ".done-changed"));
  CHECK(Exists(same + ".done-same"));
}

TEST_CASE("group commit: an add that does not decode is refused, the others go ahead",
          "[group_commit]") {
  TempDir tmp;
  FileRecordStore store(DefaultEnv(), tmp.path());
  GroupCommit commit(DefaultEnv(), store, [] { return kNow; });
  std::string pending = commit.PendingDir();
  std::string good = Queue(pending, "0000000000000001-1-1", Creds("ok"));
  std::string bad = pending + "/" + RecordFileName(kRef) + ".0000000000000002-1-2";
  REQUIRE(DefaultEnv().WriteFileAtomic(bad + ".add", "{\"not\":\"a record\"}", 0600).ok());
  // Another record's add waits for a writer of that record.
  ImagePulledRecord other;
  other.image_ref = "sha256:other";
  other.credential_mapping["registry.example/x"] = Creds("x");
  std::string foreign = pending + "/" + RecordFileName("sha256:other") + ".0000000000000003-1-3";
  REQUIRE(DefaultEnv().WriteFileAtomic(foreign + ".add", EncodePulledRecord(other), 0600).ok());
  REQUIRE(commit.Add(kImage, kRef, Creds("mine")).ok());
  CHECK(SecretUids(store) == std::set<std::string>{"uid-ok", "uid-mine"});
  CHECK(Exists(bad + ".rejected"));
  CHECK(Exists(good + ".done-changed"));
  CHECK(Exists(foreign + ".add"));
}

TEST_CASE("group commit: a failed record write answers nobody and loses no queued add",
          "[group_commit]") {
  TempDir tmp;
  FaultEnv env(DefaultEnv());
  FileRecordStore store(env, tmp.path());
  GroupCommit commit(env, store, [] { return kNow; });
  REQUIRE(commit.Add(kImage, kRef, Creds("first")).ok());
  std::string record = Slurp(store.RecordPath(kRef));
  std::string other = Queue(commit.PendingDir(), "0000000000000001-1-1", Creds("other"));
  env.only_path_containing = "/pulled/";
  env.fail_writes = 1;
  auto r = commit.Add(kImage, kRef, Creds("mine"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("No space left on device") != std::string::npos);
  CHECK(Slurp(store.RecordPath(kRef)) == record);
  // The other writer's add is back in the queue for it to commit; this one's is gone.
  CHECK(FilesIn(commit.PendingDir()) ==
        std::vector<std::string>{RecordFileName(kRef) + ".0000000000000001-1-1.add"});
  (void)other;

  SECTION("a corrupt record is never overwritten") {
    tmp.Write("pulled/" + RecordFileName(kRef), "{corrupt");
    auto c = commit.Add(kImage, kRef, Creds("again"));
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::kCorrupt);
    CHECK(Slurp(store.RecordPath(kRef)) == "{corrupt");
    CHECK(FilesIn(commit.PendingDir()).size() == 1);
  }
}

TEST_CASE("group commit: a writer that times out on the lock withdraws its add", "[group_commit]") {
  TempDir tmp;
  FileRecordStore store(DefaultEnv(), tmp.path(), std::chrono::milliseconds(50));
  GroupCommit commit(DefaultEnv(), store, [] { return kNow; });
  REQUIRE(store.Init().ok());
  std::string lock_path =
      tmp.path() + "/locks/pulled-" + RecordFileName(kRef).substr(7, 2) + ".lock";
  auto held = DefaultEnv().LockFile(lock_path, std::chrono::milliseconds(100));
  REQUIRE(held.ok());
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto r = commit.Add(kImage, kRef, Creds("late"));
    bool ok = !r.ok() && r.error().kind == ErrorKind::kUnavailable &&
              FilesIn(commit.PendingDir()).empty();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  held->reset();
  CHECK_FALSE(Exists(store.RecordPath(kRef)));
}

TEST_CASE("group commit: answers nobody collected are swept after a while", "[group_commit]") {
  TempDir tmp;
  FileRecordStore store(DefaultEnv(), tmp.path());
  GroupCommit commit(DefaultEnv(), store, [] { return kNow; });
  std::string pending = commit.PendingDir();
  std::string old_done = Queue(pending, "0000000000000001-1-1", Creds("x"), "done-same");
  std::string new_done = Queue(pending, "0000000000000002-1-2", Creds("y"), "done-changed");
  std::string old_tmp = pending + "/" + RecordFileName(kRef) + ".0000000000000003-1-3.add.9.9.tmp";
  REQUIRE(DefaultEnv().WriteFileAtomic(old_tmp, "half", 0600).ok());
  auto age = [](const std::string& path, RecordTime when) {
    struct timeval tv[2] = {};
    tv[0].tv_sec = tv[1].tv_sec = static_cast<time_t>(when.time_since_epoch().count());
    REQUIRE(utimes(path.c_str(), tv) == 0);
  };
  age(old_done + ".done-same", kNow - std::chrono::hours(1));
  age(old_tmp, kNow - std::chrono::hours(1));
  age(new_done + ".done-changed", kNow - std::chrono::minutes(1));
  REQUIRE(commit.Add(kImage, kRef, Creds("mine")).ok());
  CHECK_FALSE(Exists(old_done + ".done-same"));
  CHECK_FALSE(Exists(old_tmp));
  CHECK(Exists(new_done + ".done-changed"));
}

TEST_CASE("group commit: 8 processes x 40 adds lose nothing and duplicate nothing",
          "[group_commit]") {
  TempDir tmp;
  constexpr int kProcs = 8, kAdds = 40;
  int failures = RunTogether(kProcs, [&](int p) {
    FileRecordStore store(DefaultEnv(), tmp.path(), std::chrono::minutes(2));
    GroupCommit commit(DefaultEnv(), store, [] { return kNow; });
    for (int i = 0; i < kAdds; ++i) {
      auto r = commit.Add(kImage, kRef, Creds(std::to_string(p) + "-" + std::to_string(i)));
      if (!r.ok() || !*r) return 1;
    }
    return 0;
  });
  CHECK(failures == 0);
  FileRecordStore store(DefaultEnv(), tmp.path());
  auto uids = SecretUids(store);
  CHECK(uids.size() == static_cast<std::size_t>(kProcs * kAdds));
  for (int p = 0; p < kProcs; ++p) {
    for (int i = 0; i < kAdds; ++i) {
      CHECK(uids.count("uid-" + std::to_string(p) + "-" + std::to_string(i)) == 1);
    }
  }
  GroupCommit commit(DefaultEnv(), store, [] { return kNow; });
  CHECK(FilesIn(commit.PendingDir()).empty());
}
