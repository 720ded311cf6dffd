// SHA-256 as lowercase hex, through OpenSSL's EVP interface. Used for credential hashes and for
// kubelet's "sha256-<hex>" record file names.
#pragma once

#include <string>
#include <string_view>

namespace pullguard {

// Lowercase hex digest of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace pullguard
