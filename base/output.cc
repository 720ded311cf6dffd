#include "base/output.h"

#include <unistd.h>

#include <cerrno>

namespace pullguard {

void FdOutput::Write(std::string_view bytes) {
  pending_.append(bytes);
  if (!pending_.empty() && pending_.back() == '\n') Flush();
}

void FdOutput::Flush() {
  std::size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  pending_.clear();
}

}  // namespace pullguard
