#include "base/lock_handoff.h"

#include <fcntl.h>
#include <stdlib.h>
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
    if (fcntl(fd, F_SETFD, 0) != 0) continue;
    list += (list.empty() ? "" : ",") + std::to_string(fd);
  }
  if (list.empty()) return Status();
  if (setenv(kHandoffLocksVariable, list.c_str(), 1) != 0) {
    return MakeError(ErrorKind::kInternal,
                     std::string("cannot pass held locks on: ") + std::strerror(errno));
  }
  return Status();
}

void TakeBackHeldLocks() {
  std::lock_guard<std::mutex> l(g_mu);
  for (int fd : g_held) fcntl(fd, F_SETFD, FD_CLOEXEC);
  unsetenv(kHandoffLocksVariable);
}

int AdoptInheritedLock(int fd) {
  std::lock_guard<std::mutex> l(g_mu);
  if (!g_read_environment) {
    g_read_environment = true;
    if (const char* v = getenv(kHandoffLocksVariable)) {
      AddLocked(v);
      unsetenv(kHandoffLocksVariable);
    }
  }
  if (g_inherited.empty()) return -1;
  struct stat st {};
  if (fstat(fd, &st) != 0) return -1;
  for (auto it = g_inherited.begin(); it != g_inherited.end(); ++it) {
    if (it->dev == st.st_dev && it->ino == st.st_ino) {
      int adopted = it->fd;
      g_inherited.erase(it);
      return adopted;
    }
  }
  return -1;
}

void AddInheritedLocks(std::string_view list) {
  std::lock_guard<std::mutex> l(g_mu);
  AddLocked(list);
}

}  // namespace pullguard
