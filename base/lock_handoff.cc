#include "base/lock_handoff.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace pullguard {
namespace {

struct Inherited {
  int fd;
  dev_t dev;
  ino_t ino;
};

std::mutex g_mu;
std::vector<int> g_held;             // exclusive locks this process holds
std::vector<Inherited> g_inherited;  // descriptors inherited from the front, not yet adopted
bool g_read_environment = false;

// Under g_mu. Only descriptors that are open regular files are taken: the variable names
// descriptors of this process, nothing else.
void AddLocked(std::string_view list) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    int fd = -1;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), fd);
    struct stat st {};
    if (ec != std::errc() || end != item.data() + item.size() || fd < 3 || fstat(fd, &st) != 0 ||
        !S_ISREG(st.st_mode)) {
      continue;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    g_inherited.push_back({fd, st.st_dev, st.st_ino});
  }
}

void TakeBackLocked() {
  for (int fd : g_held) fcntl(fd, F_SETFD, FD_CLOEXEC);
  unsetenv(kHandoffLocksVariable);
}

// Under g_mu: the variable, once per process, removed from the environment.
void ReadEnvironmentLocked() {
  if (g_read_environment) return;
  g_read_environment = true;
  if (const char* v = getenv(kHandoffLocksVariable)) {
    AddLocked(v);
    unsetenv(kHandoffLocksVariable);
  }
}

}  // namespace

void NoteExclusiveLock(int fd) {
  std::lock_guard<std::mutex> l(g_mu);
  g_held.push_back(fd);
}

void ForgetLock(int fd) {
  std::lock_guard<std::mutex> l(g_mu);
  g_held.erase(std::remove(g_held.begin(), g_held.end(), fd), g_held.end());
}

Status PassHeldLocksAcrossExec() {
  std::lock_guard<std::mutex> l(g_mu);
  g_read_environment = true;  // the variable is for the next program, never this one
  std::string list;
  for (int fd : g_held) {
    // A lock on a standard descriptor would be the helper's stdin or output, never its lock: it
    // is released at exec as before (main opens 0-2, so this does not happen in pullguard).
    if (fd < 3 || fcntl(fd, F_SETFD, 0) != 0) continue;
    list += (list.empty() ? "" : ",") + std::to_string(fd);
  }
  if (list.empty()) return Status();
  if (setenv(kHandoffLocksVariable, list.c_str(), 1) != 0) {
    int err = errno;
    TakeBackLocked();
    return MakeError(ErrorKind::kInternal,
                     std::string("cannot pass held locks on: ") + std::strerror(err));
  }
  return Status();
}

void TakeBackHeldLocks() {
  std::lock_guard<std::mutex> l(g_mu);
  TakeBackLocked();
}

void ReceiveHandedOverLocks() {
  std::lock_guard<std::mutex> l(g_mu);
  ReadEnvironmentLocked();
}

int AdoptInheritedLock(int fd) {
  std::lock_guard<std::mutex> l(g_mu);
  ReadEnvironmentLocked();
  if (g_inherited.empty()) return -1;
  struct stat st {};
  if (fstat(fd, &st) != 0) return -1;
  for (auto it = g_inherited.begin(); it != g_inherited.end(); ++it) {
    if (it->dev != st.st_dev || it->ino != st.st_ino) continue;
    int inherited = it->fd;
    g_inherited.erase(it);
    // Adopted only if it holds the lock now: a no-op on the front's own descriptor; a descriptor
    // that some stray variable named gets the lock only if nobody else holds it, as any lock.
    if (flock(inherited, LOCK_EX | LOCK_NB) != 0) {
      close(inherited);
      return -1;
    }
    return inherited;
  }
  return -1;
}

bool HoldsUnadoptedLocks() {
  std::lock_guard<std::mutex> l(g_mu);
  ReadEnvironmentLocked();
  return !g_inherited.empty();
}

void AddInheritedLocks(std::string_view list) {
  std::lock_guard<std::mutex> l(g_mu);
  AddLocked(list);
}

}  // namespace pullguard
