#include "plugin/front/network_handoff.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/lock_handoff.h"
#include "base/output.h"
#include "base/quote.h"
#include "plugin/ops/log.h"
#include "registry/curl_api.h"

extern char** environ;

namespace pullguard::front {
namespace {

char** g_argv = nullptr;
const ReplayableStdin* g_stdin = nullptr;

Error Failed(const std::string& what, int err) {
  return MakeError(ErrorKind::kInternal, what + ": " + std::strerror(err) +
                                             " (pullguard-net must be installed beside "
                                             "pullguard; see docs/install.md)");
}

// Fd 0 becomes a memory file holding what the front read and the rest of the original stdin (at
// most kMaxReplayBytes in all: more than any command reads). Nothing to do when the front read
// nothing: the helper reads the original.
constexpr std::size_t kMaxReplayBytes = 64u << 20;

Status ReplayStdin() {
  if (g_stdin == nullptr || g_stdin->consumed().empty()) return Status();
  auto failed = [](int err) {
    return Status(
        MakeError(ErrorKind::kInternal,
                  std::string("cannot keep stdin for the network helper: ") + std::strerror(err)));
  };
  int fd = memfd_create("pullguard-stdin", MFD_CLOEXEC);
  if (fd < 0) return failed(errno);
  auto fail = [&](int err) {
    close(fd);
    return failed(err);
  };
  const std::string& seen = g_stdin->consumed();
  if (!WriteAll(fd, seen)) return fail(errno);
  std::size_t total = seen.size();
  if (!g_stdin->at_end()) {
    char buf[16384];
    FdInput rest(0);
    for (;;) {
      long r = rest.Read(buf, sizeof buf);
      if (r < 0) return fail(errno);
      if (r == 0) break;
      total += static_cast<std::size_t>(r);
      if (total > kMaxReplayBytes) return fail(EFBIG);
      if (!WriteAll(fd, std::string_view(buf, static_cast<std::size_t>(r)))) return fail(errno);
    }
  }
  if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) != 0) return fail(errno);
  close(fd);
  return Status();
}

}  // namespace

long ReplayableStdin::Read(char* buf, std::size_t n) {
  long r = fd_.Read(buf, n);
  if (r > 0) consumed_.append(buf, static_cast<std::size_t>(r));
  if (r == 0) at_end_ = true;
  return r;
}

void PrepareHandoff(char** argv, const ReplayableStdin* in) {
  g_argv = argv;
  g_stdin = in;
}

Error HandOffToNetworkHelper() {
  if (g_argv == nullptr) return MakeError(ErrorKind::kInternal, "network handoff not prepared");
  // The helper beside the executable the kernel ran (symbolic links to it resolved).
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return Failed("cannot find pullguard's own executable", errno);
  std::string path(self, static_cast<std::size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + kNetworkHelperName;
  const std::string shown = Quote(path);  // a path, up to 160 characters shown

  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Failed("cannot open the network helper " + shown, errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Failed("cannot stat the network helper " + shown, err);
  }
  // The front runs with kubelet's privileges: it hands them only to a file that nobody but root
  // or its own user could have written.
  if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
      (st.st_uid != 0 && st.st_uid != geteuid())) {
    close(fd);
    return MakeError(ErrorKind::kInternal,
                     "the network helper " + shown +
                         " is not a regular file owned by root or this user and writable only "
                         "by its owner; pullguard does not run it");
  }
  if (Status s = ReplayStdin(); !s.ok()) {
    close(fd);
    return s.error();
  }
  // A single flight this process won stays won: the helper adopts the lock (base/lock_handoff.h).
  if (Status s = PassHeldLocksAcrossExec(); !s.ok()) {
    close(fd);
    return s.error();
  }
  Log(LogLevel::kDebug, "network.handoff", {{"helper", path}});
  fexecve(fd, g_argv, environ);
  int err = errno;
  TakeBackHeldLocks();
  close(fd);
  return Failed("cannot run the network helper " + shown, err);
}

}  // namespace pullguard::front

namespace pullguard::registry {

// The front's definition of the libcurl loader (registry/curl_api.h): the helper does the
// request; this process only comes back here when it could not be handed over.
Result<CurlLibrary> OpenCurlLibrary() {
  return front::HandOffToNetworkHelper();
}

}  // namespace pullguard::registry
