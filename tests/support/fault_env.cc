// Faults are decided per call so a test can fail exactly the write it is interested in.
#include "tests/support/fault_env.h"

#include <fcntl.h>
#include <unistd.h>

namespace pullguard::testing {

bool FaultEnv::Hit(int& counter, const std::string& path) {
  if (counter == 0) return false;
  if (!only_path_containing.empty() && path.find(only_path_containing) == std::string::npos) {
    return false;
  }
  if (counter > 0) --counter;
  return true;
}

Result<std::string> FaultEnv::ReadFile(const std::string& path, std::size_t max_bytes) {
  if (Hit(fail_reads, path)) return MakeError(ErrorKind::kIo, "injected read fault " + path);
  return base_.ReadFile(path, max_bytes);
}

Result<OperatorFile> FaultEnv::ReadOperatorFile(const std::string& path, std::size_t max_bytes) {
  if (Hit(fail_reads, path)) return MakeError(ErrorKind::kIo, "injected read fault " + path);
  return base_.ReadOperatorFile(path, max_bytes);
}

std::optional<Error> FaultEnv::WriteFault(const std::string& path, std::string_view data) {
  ++writes_seen;
  if (Hit(fail_writes, path)) {
    // A torn write: half the bytes in a temp file, as a crash or a full disk would leave them.
    std::string tmp = path + ".fault.tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      auto n = write(fd, data.data(), data.size() / 2);
      (void)n;
      close(fd);
    }
    return MakeError(ErrorKind::kIo, "injected write fault " + path + ": No space left on device");
  }
  if (Hit(fail_renames, path)) {
    return MakeError(ErrorKind::kIo, "injected rename fault " + path);
  }
  return std::nullopt;
}

Status FaultEnv::WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  if (auto e = WriteFault(path, data)) return *e;
  return base_.WriteFileAtomic(path, data, mode);
}

Status FaultEnv::WriteFileAtomicNoSync(const std::string& path, std::string_view data,
                                       mode_t mode) {
  if (auto e = WriteFault(path, data)) return *e;
  return base_.WriteFileAtomicNoSync(path, data, mode);
}

Status FaultEnv::Rename(const std::string& from, const std::string& to) {
  if (Hit(fail_moves, from)) return MakeError(ErrorKind::kIo, "injected move fault " + from);
  return base_.Rename(from, to);
}

Status FaultEnv::RemoveFile(const std::string& path) {
  if (Hit(fail_removes, path)) return MakeError(ErrorKind::kIo, "injected remove fault " + path);
  return base_.RemoveFile(path);
}

Result<std::vector<std::string>> FaultEnv::ListDir(const std::string& dir) {
  if (Hit(fail_lists, dir)) return MakeError(ErrorKind::kIo, "injected list fault " + dir);
  return base_.ListDir(dir);
}

Status FaultEnv::CreateDirs(const std::string& path, mode_t mode) {
  return base_.CreateDirs(path, mode);
}

Result<FileInfo> FaultEnv::Stat(const std::string& path) {
  return base_.Stat(path);
}

Result<std::unique_ptr<FileLock>> FaultEnv::LockFileShared(const std::string& path,
                                                           std::chrono::milliseconds timeout) {
  if (Hit(fail_locks, path)) {
    return MakeError(ErrorKind::kUnavailable, "injected lock fault " + path);
  }
  return base_.LockFileShared(path, timeout);
}

Result<std::unique_ptr<FileLock>> FaultEnv::LockFile(const std::string& path,
                                                     std::chrono::milliseconds timeout) {
  if (Hit(fail_locks, path)) {
    return MakeError(ErrorKind::kUnavailable, "injected lock fault " + path);
  }
  return base_.LockFile(path, timeout);
}

}  // namespace pullguard::testing
