// Output: where a command's bytes go (stdout, stderr, a log), without iostreams. Constructing any
// std::ostream builds std::locale's facets first (~50 k instructions and ~12 page faults, a tenth
// of a kubelet exec: bench/NOTES.md), which pullguard's plain-byte output never needs.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

namespace pullguard {

class Output {
 public:
  virtual ~Output() = default;
  virtual void Write(std::string_view bytes) = 0;
  // Pushes out what a buffering Output holds.
  virtual void Flush() {}

  Output& operator<<(std::string_view s) {
    Write(s);
    return *this;
  }
  // A char is itself, an integer its decimal digits. A double, a bool or an enum does not compile:
  // iostreams formatted them, and an overload taking char would take them silently as one byte.
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  Output& operator<<(T v) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>,
                  "Output takes text, a char or an integer");
    if constexpr (std::is_same_v<T, char>) {
      Write(std::string_view(&v, 1));
    } else {
      Write(std::to_string(v));
    }
    return *this;
  }
};

// Keeps everything in `text`: a command's stdout until it exits 0, and the tests' streams.
class StringOutput : public Output {
 public:
  void Write(std::string_view bytes) override { text.append(bytes); }
  std::string text;
};

// write(2) of all of `bytes` to `fd`, retried on EINTR and short writes: false when a write
// failed (errno says why) or wrote nothing.
bool WriteAll(int fd, std::string_view bytes);

// write(2) to a file descriptor, whole lines at a time: what it is given is held until it ends
// with a newline (or Flush), then written in one call, retried on EINTR and short writes, so a
// log record or an error line reaches a pipe whole. A write that fails is dropped (the reader
// is gone; there is no one left to tell).
class FdOutput : public Output {
 public:
  explicit FdOutput(int fd) : fd_(fd) {}
  ~FdOutput() override { Flush(); }
  FdOutput(const FdOutput&) = delete;
  FdOutput& operator=(const FdOutput&) = delete;
  void Write(std::string_view bytes) override;
  void Flush() override;

 private:
  int fd_;
  std::string pending_;
};

}  // namespace pullguard
