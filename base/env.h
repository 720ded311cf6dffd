// Env: the narrow file-system seam (after LevelDB). The interface does no I/O itself; the POSIX
// implementation is base/env_posix.h and tests substitute one that injects faults.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pullguard {

struct FileInfo {
  bool exists = false;
  bool is_dir = false;
  mode_t mode = 0;  // permission bits only
  uid_t owner = 0;
  std::size_t size = 0;
  std::chrono::system_clock::time_point mtime;
};

// Held while alive; releasing it unlocks. Obtained from Env::LockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;
  // Reads a whole file; a file larger than max_bytes is an error (kInvalidArgument).
  virtual Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) = 0;
  // temp file with `mode` + fsync + rename + fsync of the directory.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) = 0;
  // Removing a file that does not exist is not an error.
  virtual Status RemoveFile(const std::string& path) = 0;
  // Plain names of the directory's entries (no "." or ".."), unsorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // mkdir -p; creates missing directories with `mode`.
  virtual Status CreateDirs(const std::string& path, mode_t mode) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // Exclusive flock(2) on `path` (created 0600 if missing). Blocks up to `timeout`, then
  // kUnavailable. Coordinates processes, not threads of one process.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                                     std::chrono::milliseconds timeout) = 0;
};

}  // namespace pullguard
