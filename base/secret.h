// Secret: the one type that holds a password, token or auth string. It cannot be streamed or
// formatted by accident; reveal() is the single, greppable way to read it.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace pullguard {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret& other) const = default;

 private:
  std::string value_;
};

inline std::ostream& operator<<(std::ostream& os, const Secret&) {
  return os << "<redacted>";
}

// What kubelet receives for one registry pattern.
struct Credential {
  std::string username;
  Secret password;
  bool operator==(const Credential& other) const = default;
};

}  // namespace pullguard
