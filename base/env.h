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
  bool is_regular = false;
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

// A file the operator names, as read by Env::ReadOperatorFile: its bytes, and what fstat(2) of the
// descriptor they were read from says (so a check of `info` is a check of the bytes in `data`).
struct OperatorFile {
  std::string data;
  FileInfo info;
};

// One directory of pullguard's own files opened once, for a reader of many files in it (the
// record index's load, cache/record_index.cc): the directory and the path to it are checked once,
// at Env::OpenDirectoryReader, instead of once per file; each file is then opened relative to the
// opened directory, with the same rules as Env::ReadFile (no link, no FIFO, a regular file). A
// directory renamed away while the reader is open is still the one read (its listing too).
// ReadFile and Stat may run on several threads at once.
class DirectoryReader {
 public:
  virtual ~DirectoryReader() = default;
  // As Env::ListDir of the directory.
  virtual Result<std::vector<std::string>> List() = 0;
  // As Env::ReadFile of the directory's file `name` (errors name the whole path).
  virtual Result<std::string> ReadFile(const std::string& name, std::size_t max_bytes) = 0;
  // As Env::Stat of the directory's entry `name` (a link is followed, as stat(2) does).
  virtual Result<FileInfo> Stat(const std::string& name) = 0;
};

// Two kinds of files go through an Env:
//  - pullguard's own (state dir: token cache, locks, evidence, records; the metrics textfile):
//    ReadFile, WriteFileAtomic, RemoveFile, ListDir, CreateDirs and LockFile never follow a
//    symbolic link in the file's own name, never block on a FIFO, want a regular file, and refuse
//    a directory that someone else could change under them (base/env_posix.cc says the rules).
//    A refusal is kPermission, one line naming the path and the fix.
//  - the operator's (config, password files, docker config, kubelet's config): ReadOperatorFile
//    follows symbolic links (Kubernetes Secret and ConfigMap volumes are links) and checks the file
//    it actually opened.
class Env {
 public:
  virtual ~Env() = default;
  // Reads a whole file; a file larger than max_bytes is an error (kInvalidArgument).
  virtual Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) = 0;
  // Reads a whole file the operator named: symbolic links followed, then the opened descriptor must
  // be a regular file on a real file system (not /proc or /sys) owned by the effective user or
  // root (kPermission otherwise). The caller applies its own mode rules to `info`.
  virtual Result<OperatorFile> ReadOperatorFile(const std::string& path, std::size_t max_bytes) = 0;
  // temp file with `mode` + fsync + rename + fsync of the directory.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) = 0;
  // temp file with `mode` + rename, no fsync: readers see the old or the whole new file while the
  // machine runs, but a crash of the machine may lose the write or leave an empty file. Only for
  // files whose loss is harmless by design (a pending add whose writer is not yet answered, a
  // proof outcome that is proven again when missing); each fsync costs milliseconds.
  virtual Status WriteFileAtomicNoSync(const std::string& path, std::string_view data,
                                       mode_t mode) = 0;
  // rename(2) within one file system, no fsync; kNotFound when `from` does not exist.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removing a file that does not exist is not an error.
  virtual Status RemoveFile(const std::string& path) = 0;
  // Plain names of the directory's entries (no "." or ".."), unsorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // mkdir -p; creates missing directories with `mode`.
  virtual Status CreateDirs(const std::string& path, mode_t mode) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // A reader of the files of `dir` (errors as ListDir's). Default: one that calls ListDir,
  // ReadFile and Stat on `dir` + "/" + name, so an Env that only overrides those (a test's fault
  // injector) sees every file.
  virtual Result<std::unique_ptr<DirectoryReader>> OpenDirectoryReader(const std::string& dir);
  // Exclusive flock(2) on `path` (created 0600 if missing). Blocks up to `timeout`, then
  // kUnavailable; a timeout of zero only tries. Coordinates processes, not threads of one process.
  // The lock held is on the file `path` names when it is granted: a lock file removed (by a holder)
  // while a process waited is taken again on the new one, so removing a held lock file is safe.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                                     std::chrono::milliseconds timeout) = 0;
  // Shared flock(2): any number of holders at once, never alongside an exclusive one. For the
  // waiters of a single flight, who only read what the exclusive holder wrote: the kernel grants
  // it to all of them together when the holder releases, where an exclusive lock would pass from
  // one waiter to the next. An Env without shared locks may give an exclusive one (slower, still
  // correct), which is the default.
  virtual Result<std::unique_ptr<FileLock>> LockFileShared(const std::string& path,
                                                           std::chrono::milliseconds timeout) {
    return LockFile(path, timeout);
  }
  // The same Env for a directory that another service owns (node-exporter's textfile directory):
  // files are still never opened through a symbolic link and temp files are still created
  // exclusively, but the directory's owner and mode are not checked. Default: this Env.
  virtual Env& SharedDirectories() { return *this; }
};

}  // namespace pullguard
