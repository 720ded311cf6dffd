#include "base/output.h"

#include <unistd.h>

#include <cerrno>

namespace pullguard {

void FdOutput::Write(std::string_view bytes) {
  pending_.append(bytes);
  if (!pending_.empty() && pending_.back() == '\n') Flush();
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // nothing written and no error: never more, for a file or pipe
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void FdOutput::Flush() {
  WriteAll(fd_, pending_);
  pending_.clear();
}

}  // namespace pullguard
