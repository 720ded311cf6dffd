// The POSIX Env: real files, atomic writes (temp + fsync + rename + directory fsync) and flock.
// Everything that touches the disk for cache/ and registry/ goes through here.
#include "base/env_posix.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <random>

#include "base/env.h"

namespace pullguard {
namespace {

Error IoError(const std::string& what, const std::string& path, int err) {
  ErrorKind kind = ErrorKind::kIo;
  if (err == ENOENT) kind = ErrorKind::kNotFound;
  if (err == EACCES || err == EPERM) kind = ErrorKind::kPermission;
  return MakeError(kind, what + " " + path + ": " + std::strerror(err));
}

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class PosixLock : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override {
    flock(fd_, LOCK_UN);
    close(fd_);
  }

 private:
  int fd_;
};

void OnAlarm(int) {}

// SIGALRM every 10 ms, delivered to the calling thread only, with a handler installed without
// SA_RESTART so a blocking flock returns EINTR. The handler is process-wide: threads waiting at
// once share it, and the last one to finish restores the previous handler (restoring it per
// thread let one thread's timer signal meet the default action, which ends the process: found by
// the ThreadSanitizer run of tests/registry/token_cache_threads_test.cc).
class AlarmTimer {
 public:
  AlarmTimer() {
    {
      std::lock_guard<std::mutex> lock(Mu());
      if (Active()++ == 0) {
        struct sigaction sa {};
        sa.sa_handler = OnAlarm;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        sigaction(SIGALRM, &sa, &Saved());
      }
    }
    struct sigevent sev {};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGALRM;
    sev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
    armed_ = timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0;
    if (armed_) {
      struct itimerspec its {};
      its.it_value.tv_nsec = 10 * 1000 * 1000;
      its.it_interval.tv_nsec = 10 * 1000 * 1000;
      timer_settime(timer_, 0, &its, nullptr);
    }
  }
  ~AlarmTimer() {
    if (armed_) timer_delete(timer_);
    std::lock_guard<std::mutex> lock(Mu());
    if (--Active() == 0) sigaction(SIGALRM, &Saved(), nullptr);
  }
  AlarmTimer(const AlarmTimer&) = delete;
  AlarmTimer& operator=(const AlarmTimer&) = delete;

 private:
  static std::mutex& Mu() {
    static std::mutex mu;
    return mu;
  }
  static int& Active() {
    static int active = 0;
    return active;
  }
  static struct sigaction& Saved() {
    static struct sigaction saved {};
    return saved;
  }
  timer_t timer_{};
  bool armed_ = false;
};

class PosixEnv : public Env {
 public:
  Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("cannot open", path, errno);
    std::string data;
    char buf[65536];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        return IoError("cannot read", path, err);
      }
      if (n == 0) break;
      if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
        close(fd);
        return MakeError(ErrorKind::kInvalidArgument, "file " + path + " is larger than " +
                                                          std::to_string(max_bytes) + " bytes");
      }
      data.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    return data;
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) override {
    // A unique temp name per writer: concurrent writers never share a temp file.
    std::string tmp = path + "." + std::to_string(getpid()) + "." + RandomSuffix() + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return IoError("cannot create", tmp, errno);
    fchmod(fd, mode);  // the umask must not widen or narrow what was asked
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(fd, data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        unlink(tmp.c_str());
        return IoError("cannot write", tmp, err);
      }
      off += static_cast<std::size_t>(n);
    }
    if (fsync(fd) != 0) {
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return IoError("cannot fsync", tmp, err);
    }
    close(fd);
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      unlink(tmp.c_str());
      return IoError("cannot rename to", path, err);
    }
    int dfd = open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove", path, errno);
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return IoError("cannot list", dir, errno);
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    closedir(d);
    return names;
  }

  Status CreateDirs(const std::string& path, mode_t mode) override {
    if (path.empty()) return Status::Ok();
    std::string cur;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      cur = path.substr(0, pos);
      if (cur.empty()) continue;
      if (mkdir(cur.c_str(), mode) != 0 && errno != EEXIST)
        return IoError("cannot create", cur, errno);
    }
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return IoError("cannot stat", path, errno);
    if (!S_ISDIR(st.st_mode)) return MakeError(ErrorKind::kIo, path + " is not a directory");
    return Status::Ok();
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st {};
    FileInfo info;
    if (stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return info;
      return IoError("cannot stat", path, errno);
    }
    info.exists = true;
    info.is_dir = S_ISDIR(st.st_mode);
    info.mode = st.st_mode & 07777;
    info.owner = st.st_uid;
    info.size = static_cast<std::size_t>(st.st_size);
    info.mtime = std::chrono::system_clock::time_point(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec));
    return info;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                             std::chrono::milliseconds timeout) override {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("cannot open lock", path, errno);
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return std::unique_ptr<FileLock>(new PosixLock(fd));
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      close(fd);
      return IoError("cannot lock", path, err);
    }
    // Block in the kernel, so the lock passes to a waiter the moment it is released (polling
    // waiters miss those moments and can starve under contention). A per-thread timer signal
    // interrupts flock; it repeats, so a signal that lands just before flock blocks is harmless.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    AlarmTimer timer;
    int rc;
    for (;;) {
      rc = flock(fd, LOCK_EX);
      if (rc == 0 || errno != EINTR || std::chrono::steady_clock::now() >= deadline) break;
    }
    if (rc == 0) return std::unique_ptr<FileLock>(new PosixLock(fd));
    int err = errno;
    close(fd);
    if (err == EINTR) {
      return MakeError(ErrorKind::kUnavailable, "another process holds the lock " + path);
    }
    return IoError("cannot lock", path, err);
  }

 private:
  static std::string RandomSuffix() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::to_string(rng() % 1000000000ULL);
  }
};

}  // namespace

Env& DefaultEnv() {
  static PosixEnv env;
  return env;
}

}  // namespace pullguard
