// Result<T> and Status: errors cross module edges as values, never as exceptions.
// An Error carries a kind (for tests and exit codes) and one line a person can read.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pullguard {

enum class ErrorKind {
  kInvalidArgument,  // bad input from a person or kubelet
  kNotFound,
  kPermission,
  kCorrupt,       // stored data that does not decode
  kIo,            // file system failure
  kNetwork,       // transport failure, timeouts
  kUnauthorized,  // a registry or token server refused the credential
  kUnavailable,   // a lock could not be taken, a server is overloaded
  kInternal,
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;  // one line, never a secret
};

inline Error MakeError(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : e_(std::move(error)) {}  // NOLINT
  static Status Ok() { return Status(); }
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *e_;
  }

 private:
  std::optional<Error> e_;
};

}  // namespace pullguard

// Early return of an error from a Result or Status expression.
#define PG_TRY(expr)                               \
  do {                                             \
    auto pg_try_r_ = (expr);                       \
    if (!pg_try_r_.ok()) return pg_try_r_.error(); \
  } while (0)
