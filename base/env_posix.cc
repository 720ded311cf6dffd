// The POSIX Env: real files, atomic writes (temp + fsync + rename + directory fsync) and flock.
// Everything that touches the disk for cache/ and registry/ goes through here, so the rules for
// pullguard's own files are kept in one place:
//  - a file is opened relative to its directory's descriptor (openat) with O_NOFOLLOW | O_NONBLOCK
//    | O_CLOEXEC and fstat()ed: a symbolic link is refused (ELOOP), a FIFO never blocks the open,
//    and anything but a regular file is refused; temp files are O_CREAT | O_EXCL;
//  - the directory itself is opened with O_NOFOLLOW (never a symbolic link) and must be owned by
//    the effective user or root and not writable by group or others; every directory above it
//    (followed as the operator's paths are) must be owned by the effective user or root and not
//    writable by group or others unless sticky (/tmp). Whoever could write one of them could swap
//    pullguard's files (a token handed to kubelet, a record deciding a pull) or point root's
//    writes elsewhere. SharedDirectories() skips the owner and mode checks (node-exporter's
//    textfile directory belongs to another user) but keeps everything else.
#include "base/env_posix.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <random>

#include "base/env.h"
#include "base/lock_handoff.h"
#include "base/output.h"

namespace pullguard {
namespace {

Error IoError(const std::string& what, const std::string& path, int err) {
  ErrorKind kind = ErrorKind::kIo;
  if (err == ENOENT) kind = ErrorKind::kNotFound;
  if (err == EACCES || err == EPERM) kind = ErrorKind::kPermission;
  return MakeError(kind, what + " " + path + ": " + std::strerror(err));
}

Error Unsafe(const std::string& message) {
  return MakeError(ErrorKind::kPermission, message);
}

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

bool TrustedOwner(uid_t owner) {
  return owner == 0 || owner == geteuid();
}

std::string OwnerFix(const std::string& path) {
  return "chown " + std::to_string(geteuid()) + " " + path;
}

// The rules for the directory a file lives in (`last`) and for the directories above it.
Status CheckDirectory(const std::string& path, const struct stat& st, bool last) {
  if (!S_ISDIR(st.st_mode)) return Unsafe(path + " is not a directory");
  if (!TrustedOwner(st.st_uid)) {
    return Unsafe(path + " is owned by uid " + std::to_string(st.st_uid) +
                  ", not by the user pullguard runs as (uid " + std::to_string(geteuid()) +
                  ") or root; " + OwnerFix(path));
  }
  bool sticky = (st.st_mode & S_ISVTX) != 0;
  if ((st.st_mode & 022) != 0 && (last || !sticky)) {
    return Unsafe(path + " is writable by group or others (mode " + Mode(st.st_mode) +
                  "): another user could replace pullguard's files there; chmod " +
                  (last ? "700 " : "go-w ") + path);
  }
  return Status::Ok();
}

// Every directory prefix of `dir`, shortest first ("/a/b" -> "/", "/a", "/a/b"; "a/b" -> "a",
// "a/b").
std::vector<std::string> Prefixes(std::string d) {
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (d.empty()) d = ".";
  std::vector<std::string> out;
  if (d.front() == '/') out.push_back("/");
  for (std::size_t i = 1; i <= d.size(); ++i) {
    if ((i == d.size() || d[i] == '/') && d[i - 1] != '/') out.push_back(d.substr(0, i));
  }
  return out;
}

// The directories this process has opened and checked (as the last directory of a path), by
// path: which directory it was. Every file operation opens its directory again, and the walk that
// checks each directory above it cost an exec adding one record ~90 openat, ~90 fstat and ~90
// close (bench/NOTES.md). A later open of the same path that lands on the same directory (device
// and inode, the last component opened without following a link) is that directory: its own mode
// and owner are checked again on the new descriptor, the walk above it is not repeated within the
// process. A path that now leads elsewhere is walked and checked afresh.
class CheckedDirectories {
 public:
  static CheckedDirectories& Get() {
    static CheckedDirectories* dirs = new CheckedDirectories();  // never destroyed: used until exit
    return *dirs;
  }
  std::optional<std::pair<dev_t, ino_t>> Find(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = dirs_.find(path);
    if (it == dirs_.end()) return std::nullopt;
    return it->second;
  }
  void Remember(const std::string& path, const struct stat& st) {
    std::lock_guard<std::mutex> l(mu_);
    if (dirs_.size() < 256) dirs_[path] = {st.st_dev, st.st_ino};
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<dev_t, ino_t>> dirs_;
};

// Opens the last directory of `dir` with O_NOFOLLOW (and, when `check`, checks it and every
// directory above it); `create` makes missing ones with `mode` on the way (mkdir -p).
Result<Fd> OpenDirectory(const std::string& dir, bool check, bool create, mode_t mode) {
  const std::vector<std::string> prefixes = Prefixes(dir);
  if (check) {
    const std::string& p = prefixes.back();
    if (auto seen = CheckedDirectories::Get().Find(p)) {
      Fd fd(open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
      struct stat st {};
      if (fd.get() >= 0 && fstat(fd.get(), &st) == 0 && st.st_dev == seen->first &&
          st.st_ino == seen->second) {
        PG_TRY(CheckDirectory(p, st, /*last=*/true));
        return fd;
      }
    }
  }
  Fd fd;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const std::string& p = prefixes[i];
    bool last = i + 1 == prefixes.size();
    // Above the last directory the operator's path is followed; the last one is never a link.
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (last ? O_NOFOLLOW : 0);
    int raw = open(p.c_str(), flags);
    if (raw < 0 && errno == ENOENT && create) {
      if (mkdir(p.c_str(), mode) != 0 && errno != EEXIST) return IoError("cannot create", p, errno);
      raw = open(p.c_str(), flags);
    }
    if (raw < 0) {
      int err = errno;
      struct stat lst {};
      if (last && (err == ELOOP || err == ENOTDIR) && lstat(p.c_str(), &lst) == 0 &&
          S_ISLNK(lst.st_mode)) {
        return Unsafe(p +
                      " is a symbolic link; pullguard keeps its files in a real directory "
                      "(set the real path, or replace the link with a directory)");
      }
      if (err == ENOTDIR) return MakeError(ErrorKind::kIo, p + " is not a directory");
      return IoError("cannot open", p, err);
    }
    fd = Fd(raw);
    if (!check) continue;
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return IoError("cannot stat", p, errno);
    PG_TRY(CheckDirectory(p, st, last));
    if (last) CheckedDirectories::Get().Remember(p, st);
  }
  return fd;
}

// fstat of an opened descriptor: a regular file (`st` filled), or an error naming `path` (a
// directory, or a FIFO, socket or device, with `fix` after the kinds).
Status RequireRegularFile(int fd, const std::string& path, const char* fix, struct stat& st) {
  if (fstat(fd, &st) != 0) return IoError("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) return IoError("cannot read", path, EISDIR);
  if (!S_ISREG(st.st_mode)) {
    return Unsafe(path + " is not a regular file (a FIFO, socket or device" + fix + ")");
  }
  return Status::Ok();
}

// Opens `name` in the directory `dfd` without following a link and without blocking on a FIFO;
// the descriptor must be a regular file (`st` receives its fstat). `path_of()` names the file in
// errors; it is only called on one, so a caller reading many files builds no path per file.
template <class PathOf>
Result<Fd> OpenNameIn(int dfd, const char* name, const PathOf& path_of, int flags, mode_t mode,
                      struct stat& st) {
  int raw = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  if (raw < 0) {
    int err = errno;
    if (err == ELOOP) {
      return Unsafe(path_of() +
                    " is a symbolic link; pullguard never follows links to its own files "
                    "(remove it)");
    }
    if (err == ENXIO) return Unsafe(path_of() + " is not a regular file (remove it)");
    return IoError(flags & O_CREAT ? "cannot create" : "cannot open", path_of(), err);
  }
  Fd fd(raw);
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    PG_TRY(RequireRegularFile(fd.get(), path_of(), "; remove it", st));
  }
  // Back to blocking I/O for the regular file (O_NONBLOCK was only for the open).
  int fl = fcntl(fd.get(), F_GETFL);
  if (fl >= 0) fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

Result<Fd> OpenFileIn(int dfd, const std::string& path, int flags, mode_t mode = 0) {
  struct stat st {};
  return OpenNameIn(
      dfd, BaseName(path).c_str(), [&] { return path; }, flags, mode, st);
}

// Reads to the end of the file; `size_hint` (its fstat size) sizes the buffer so that a file that
// did not change is read straight into the result with one read, plus the one that sees its end.
template <class PathOf>
Result<std::string> ReadAllNamed(int fd, const PathOf& path_of, std::size_t max_bytes,
                                 std::size_t size_hint = 0) {
  std::string data;
  data.resize(std::min(size_hint, max_bytes) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) data.resize(std::max<std::size_t>(2 * used, 65536));
    ssize_t n = read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", path_of(), errno);
    }
    if (n == 0) break;
    if (used + static_cast<std::size_t>(n) > max_bytes) {
      return MakeError(ErrorKind::kInvalidArgument, "file " + path_of() + " is larger than " +
                                                        std::to_string(max_bytes) + " bytes");
    }
    used += static_cast<std::size_t>(n);
  }
  data.resize(used);
  return data;
}

Result<std::string> ReadAll(int fd, const std::string& path, std::size_t max_bytes,
                            std::size_t size_hint = 0) {
  return ReadAllNamed(
      fd, [&] { return path; }, max_bytes, size_hint);
}

FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.exists = true;
  info.is_dir = S_ISDIR(st.st_mode);
  info.is_regular = S_ISREG(st.st_mode);
  info.mode = st.st_mode & 07777;
  info.owner = st.st_uid;
  info.size = static_cast<std::size_t>(st.st_size);
  info.mtime = std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec) +
                                                     std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  return info;
}

// stat(2) of `name` relative to `dfd` (links followed); a missing entry is FileInfo{}.
template <class PathOf>
Result<FileInfo> StatAt(int dfd, const char* name, const PathOf& path_of) {
  struct stat st {};
  if (fstatat(dfd, name, &st, 0) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileInfo{};
    return IoError("cannot stat", path_of(), errno);
  }
  return InfoOf(st);
}

// The entries of an opened directory but "." and ".."; takes the descriptor (closedir closes it).
Result<std::vector<std::string>> ListOpened(Fd fd, const std::string& dir) {
  DIR* d = fdopendir(fd.get());
  if (d == nullptr) return IoError("cannot list", dir, errno);
  fd.release();
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  closedir(d);
  return names;
}

// The POSIX DirectoryReader: the directory checked and opened once (OpenDirectory), every file
// opened relative to it with OpenNameIn's rules. One openat, fstat, two fcntl, two reads and a
// close per file, where ReadFile by path also opens, checks and closes every directory above it
// (about three times the system calls; bench/NOTES.md).
class PosixDirectoryReader : public DirectoryReader {
 public:
  PosixDirectoryReader(Fd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}

  Result<std::vector<std::string>> List() override {
    // Its own descriptor: readdir moves the offset of the one it reads.
    int raw = openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (raw < 0) return IoError("cannot list", dir_, errno);
    return ListOpened(Fd(raw), dir_);
  }

  Result<std::string> ReadFile(const std::string& name, std::size_t max_bytes) override {
    auto path_of = [&] { return dir_ + "/" + name; };
    struct stat st {};
    auto fd = OpenNameIn(fd_.get(), name.c_str(), path_of, O_RDONLY, 0, st);
    if (!fd.ok()) return fd.error();
    return ReadAllNamed(fd->get(), path_of, max_bytes, static_cast<std::size_t>(st.st_size));
  }

  Result<FileInfo> Stat(const std::string& name) override {
    return StatAt(fd_.get(), name.c_str(), [&] { return dir_ + "/" + name; });
  }

 private:
  Fd fd_;
  std::string dir_;
};

// Kernel pseudo file systems: their "files" (/proc/self/environ, /sys/...) are views of the
// process or the kernel, never an operator's config or secret.
bool PseudoFileSystem(int fd) {
  struct statfs fs {};
  if (fstatfs(fd, &fs) != 0) return false;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case SECURITYFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case TRACEFS_MAGIC:
    case BPF_FS_MAGIC:
      return true;
    default:
      return false;
  }
}

class PosixLock : public FileLock {
 public:
  // `exclusive`: carried across the static front's handoff (base/lock_handoff.h).
  PosixLock(int fd, bool exclusive) : fd_(fd) {
    if (exclusive) NoteExclusiveLock(fd_);
  }
  ~PosixLock() override {
    ForgetLock(fd_);
    flock(fd_, LOCK_UN);
    close(fd_);
  }

 private:
  int fd_;
};

void OnAlarm(int) {}

// SIGALRM at the caller's deadline and every 10 ms after, delivered to the calling thread only,
// with a handler installed without SA_RESTART so a blocking flock returns EINTR. The handler is
// process-wide: threads waiting at once share it, and the last one to finish restores the previous
// handler (restoring it per thread let one thread's timer signal meet the default action, which
// ends the process: found by the ThreadSanitizer run of
// tests/registry/token_cache_threads_test.cc).
class AlarmTimer {
 public:
  // First signal once `first` has passed (the caller's deadline), then every 10 ms.
  explicit AlarmTimer(std::chrono::nanoseconds first) {
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
      // Not earlier: a waiter woken before its deadline would only block again (with 64 waiters
      // every 10 ms, hundreds of wake-ups for nothing).
      auto ns = std::max<std::chrono::nanoseconds::rep>(first.count(), 1);
      its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
      its.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
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
  explicit PosixEnv(bool check_directories) : check_(check_directories) {}

  Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override {
    auto dir = OpenDirectory(DirName(path), check_, false, 0);
    if (!dir.ok()) return dir.error();
    struct stat st {};
    auto fd = OpenNameIn(
        dir->get(), BaseName(path).c_str(), [&] { return path; }, O_RDONLY, 0, st);
    if (!fd.ok()) return fd.error();
    return ReadAll(fd->get(), path, max_bytes, static_cast<std::size_t>(st.st_size));
  }

  Result<OperatorFile> ReadOperatorFile(const std::string& path, std::size_t max_bytes) override {
    // Links followed: Kubernetes mounts Secrets and ConfigMaps as links into a timestamped dir.
    // Every check below is on the descriptor, so what is checked is what is read.
    int raw = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (raw < 0) return IoError("cannot open", path, errno);
    Fd fd(raw);
    struct stat st {};
    PG_TRY(RequireRegularFile(fd.get(), path, "", st));
    if (PseudoFileSystem(fd.get())) {
      return Unsafe(path +
                    " is on a kernel pseudo file system (/proc, /sys); pullguard reads "
                    "only real files");
    }
    if (!TrustedOwner(st.st_uid)) {
      return Unsafe(path + " is owned by uid " + std::to_string(st.st_uid) +
                    ", not by the user pullguard runs as (uid " + std::to_string(geteuid()) +
                    ") or root: whoever owns it decides what pullguard reads; " + OwnerFix(path));
    }
    int fl = fcntl(fd.get(), F_GETFL);
    if (fl >= 0) fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    auto data = ReadAll(fd.get(), path, max_bytes, static_cast<std::size_t>(st.st_size));
    if (!data.ok()) return data.error();
    return OperatorFile{std::move(*data), InfoOf(st)};
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) override {
    return Write(path, data, mode, /*durable=*/true);
  }

  Status WriteFileAtomicNoSync(const std::string& path, std::string_view data,
                               mode_t mode) override {
    return Write(path, data, mode, /*durable=*/false);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    // Both names are resolved in checked directories; renameat moves a link itself, never the
    // file it points to.
    auto from_dir = OpenDirectory(DirName(from), check_, false, 0);
    if (!from_dir.ok()) return from_dir.error();
    auto to_dir = OpenDirectory(DirName(to), check_, false, 0);
    if (!to_dir.ok()) return to_dir.error();
    if (renameat(from_dir->get(), BaseName(from).c_str(), to_dir->get(), BaseName(to).c_str()) !=
        0) {
      return IoError("cannot rename", from, errno);
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    auto dir = OpenDirectory(DirName(path), check_, false, 0);
    if (!dir.ok()) {
      if (dir.error().kind == ErrorKind::kNotFound) return Status::Ok();
      return dir.error();
    }
    // unlinkat removes a link itself, never what it points to.
    if (unlinkat(dir->get(), BaseName(path).c_str(), 0) != 0 && errno != ENOENT) {
      return IoError("cannot remove", path, errno);
    }
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    auto fd = OpenDirectory(dir, check_, false, 0);
    if (!fd.ok()) return fd.error();
    return ListOpened(std::move(*fd), dir);
  }

  Result<std::unique_ptr<DirectoryReader>> OpenDirectoryReader(const std::string& dir) override;

  Status CreateDirs(const std::string& path, mode_t mode) override {
    if (path.empty()) return Status::Ok();
    // Each directory is checked before the next one is made in it.
    auto fd = OpenDirectory(path, check_, true, mode);
    if (!fd.ok()) return fd.error();
    return Status::Ok();
  }

  Result<FileInfo> Stat(const std::string& path) override {
    return StatAt(AT_FDCWD, path.c_str(), [&] { return path; });
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                             std::chrono::milliseconds timeout) override {
    return Lock(path, timeout, LOCK_EX);
  }

  Result<std::unique_ptr<FileLock>> LockFileShared(const std::string& path,
                                                   std::chrono::milliseconds timeout) override {
    return Lock(path, timeout, LOCK_SH);
  }

  Env& SharedDirectories() override;

 private:
  bool check_;

  // flock(2) with `op` (LOCK_EX or LOCK_SH) on `path`, created 0600 if missing. A lock file may be
  // removed by its owner's Prune while another process waits on it (plugin/answer/proof_cache.h):
  // a lock taken on a file that `path` no longer names is let go and taken again on the file
  // that it names now, so two processes never both hold "the" lock of one path.
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path, std::chrono::milliseconds timeout,
                                         int op) {
    auto dir = OpenDirectory(DirName(path), check_, false, 0);
    if (!dir.ok()) return MakeError(dir.error().kind, "lock: " + dir.error().message);
    const std::string base = BaseName(path);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Each pass needs another process to remove the file while holding it; a path that keeps
    // changing under the lock that often is someone's loop, not clean-up.
    for (int pass = 0;; ++pass) {
      if (pass == 100) {
        return MakeError(ErrorKind::kUnavailable,
                         "the lock file " + path + " was replaced 100 times while waiting for it");
      }
      auto opened = OpenFileIn(dir->get(), path, O_RDWR | O_CREAT, 0600);
      if (!opened.ok()) return opened.error();
      int fd = opened->release();
      // The lock this very program held before the front handed it over (base/lock_handoff.h).
      if (int inherited = AdoptInheritedLock(fd); inherited >= 0) {
        close(fd);
        return std::unique_ptr<FileLock>(new PosixLock(inherited, true));
      }
      Status locked = Flock(fd, op, path, timeout.count() <= 0, deadline);
      if (!locked.ok()) {
        close(fd);
        return locked.error();
      }
      struct stat held {};
      struct stat named {};
      bool gone = false;
      if (fstat(fd, &held) != 0 ||
          (fstatat(dir->get(), base.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 &&
           !(gone = errno == ENOENT))) {
        int err = errno;
        close(fd);
        return IoError("cannot stat the lock", path, err);
      }
      if (!gone && held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
        return std::unique_ptr<FileLock>(new PosixLock(fd, op == LOCK_EX));
      }
      flock(fd, LOCK_UN);  // removed (or replaced) while this process waited: the new one
      close(fd);
    }
  }

  // Takes the lock on `fd`: at once when `try_only`, else blocking in the kernel until `deadline`.
  static Status Flock(int fd, int op, const std::string& path, bool try_only,
                      std::chrono::steady_clock::time_point deadline) {
    if (flock(fd, op | LOCK_NB) == 0) return Status::Ok();
    if (int err = errno; err != EWOULDBLOCK && err != EINTR)
      return IoError("cannot lock", path, err);
    auto busy = [&] {
      return Status(MakeError(ErrorKind::kUnavailable, "another process holds the lock " + path));
    };
    auto left = deadline - std::chrono::steady_clock::now();
    if (try_only || left.count() <= 0) return busy();
    // Block in the kernel, so the lock passes to a waiter the moment it is released (polling
    // waiters miss those moments and can starve under contention). A per-thread timer signal
    // interrupts flock at the deadline; it repeats, so a signal that lands just before flock
    // blocks is harmless.
    AlarmTimer timer(left);
    int err;
    for (;;) {
      err = flock(fd, op) == 0 ? 0 : errno;
      if (err != EINTR || std::chrono::steady_clock::now() >= deadline) break;
    }
    if (err == 0) return Status::Ok();
    if (err == EINTR) return busy();
    return IoError("cannot lock", path, err);
  }

  // The temp file, the rename and (when durable) the fsyncs of the file and its directory, all
  // relative to the checked directory's descriptor.
  Status Write(const std::string& path, std::string_view data, mode_t mode, bool durable) {
    auto dir = OpenDirectory(DirName(path), check_, false, 0);
    if (!dir.ok()) return dir.error();
    int dfd = dir->get();
    // A unique temp name per writer: concurrent writers never share a temp file.
    std::string tmp = path + "." + std::to_string(getpid()) + "." + RandomSuffix() + ".tmp";
    std::string tmp_name = BaseName(tmp);
    auto opened = OpenFileIn(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (!opened.ok()) return opened.error();
    Fd fd = std::move(*opened);
    fchmod(fd.get(), mode);  // the umask must not widen or narrow what was asked
    auto fail = [&](const char* what, int err) {
      fd.reset();
      unlinkat(dfd, tmp_name.c_str(), 0);
      return IoError(what, tmp, err);
    };
    if (!WriteAll(fd.get(), data)) return fail("cannot write", errno);
    if (durable && fsync(fd.get()) != 0) return fail("cannot fsync", errno);
    fd.reset();
    // rename replaces a link at `path` itself, never the file it points to.
    if (renameat(dfd, tmp_name.c_str(), dfd, BaseName(path).c_str()) != 0) {
      int err = errno;
      unlinkat(dfd, tmp_name.c_str(), 0);
      return IoError("cannot rename to", path, err);
    }
    if (durable) fsync(dfd);
    return Status::Ok();
  }

  static std::string RandomSuffix() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::to_string(rng() % 1000000000ULL);
  }
};

Result<std::unique_ptr<DirectoryReader>> PosixEnv::OpenDirectoryReader(const std::string& dir) {
  auto fd = OpenDirectory(dir, check_, false, 0);
  if (!fd.ok()) return fd.error();
  return std::unique_ptr<DirectoryReader>(new PosixDirectoryReader(std::move(*fd), dir));
}

}  // namespace

Env& DefaultEnv() {
  static PosixEnv env(/*check_directories=*/true);
  return env;
}

Env& PosixEnv::SharedDirectories() {
  static PosixEnv shared(/*check_directories=*/false);
  return shared;
}

}  // namespace pullguard
