// An Env that forwards to the real file system but can be told to fail: torn writes (a partial
// temp file and no rename), failed renames, moves, reads, removals and listings. For fault tests.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "base/env.h"

namespace pullguard::testing {

class FaultEnv : public Env {
 public:
  explicit FaultEnv(Env& base) : base_(base) {}

  // Each counter: the next N calls of that kind fail (-1 = every call).
  int fail_writes = 0;   // leaves "<path>.fault.tmp" holding half the data, no rename
  int fail_renames = 0;  // the temp file is complete but never renamed (then removed)
  int fail_moves = 0;    // Rename() fails and moves nothing
  int fail_reads = 0;
  int fail_removes = 0;
  int fail_lists = 0;
  int fail_locks = 0;
  std::string only_path_containing;  // when set, faults hit only matching paths
  int writes_seen = 0;

  Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override;
  Result<OperatorFile> ReadOperatorFile(const std::string& path, std::size_t max_bytes) override;
  Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) override;
  // The same faults as WriteFileAtomic (fail_writes, fail_renames), counted in writes_seen too.
  Status WriteFileAtomicNoSync(const std::string& path, std::string_view data,
                               mode_t mode) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDirs(const std::string& path, mode_t mode) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFileShared(const std::string& path,
                                                   std::chrono::milliseconds timeout) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                             std::chrono::milliseconds timeout) override;

 private:
  bool Hit(int& counter, const std::string& path);
  // The injected write faults shared by both writes; nullopt when the write may go ahead.
  std::optional<Error> WriteFault(const std::string& path, std::string_view data);
  Env& base_;
};

}  // namespace pullguard::testing
