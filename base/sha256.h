// SHA-256 (FIPS 180-4), self-contained: the one implementation for credential hashes, kubelet's
// "sha256-<hex>" record names, token-cache keys and manifest digests. Built in rather than taken
// from libcrypto so that no exec pays OpenSSL's load and initialisation (docs/BENCHMARKS.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pullguard {

// Incremental hasher, for callers that feed data in pieces.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // The 32-byte digest; the hasher must not be updated afterwards.
  std::array<std::uint8_t, 32> Finish();

 private:
  void Block(const std::uint8_t* p);

  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

// Lowercase hex digest of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace pullguard
