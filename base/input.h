// Input: where a command's bytes come from (stdin), without iostreams (base/output.h says why).
#pragma once

#include <cstddef>
#include <string>

namespace pullguard {

class Input {
 public:
  virtual ~Input() = default;
  // Up to `n` bytes into `buf`: how many, 0 at the end of the input, -1 when reading failed.
  virtual long Read(char* buf, std::size_t n) = 0;
};

// The tests' stdin.
class StringInput : public Input {
 public:
  explicit StringInput(std::string text) : text_(std::move(text)) {}
  long Read(char* buf, std::size_t n) override;

 private:
  std::string text_;
  std::size_t at_ = 0;
};

// read(2) from a file descriptor, retried on EINTR.
class FdInput : public Input {
 public:
  explicit FdInput(int fd) : fd_(fd) {}
  long Read(char* buf, std::size_t n) override;

 private:
  int fd_;
};

}  // namespace pullguard
