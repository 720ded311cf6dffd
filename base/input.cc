#include "base/input.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pullguard {

long StringInput::Read(char* buf, std::size_t n) {
  std::size_t k = std::min(n, text_.size() - at_);
  std::memcpy(buf, text_.data() + at_, k);
  at_ += k;
  return static_cast<long>(k);
}

long FdInput::Read(char* buf, std::size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0 || errno != EINTR) return static_cast<long>(r);
  }
}

}  // namespace pullguard
