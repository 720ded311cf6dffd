// SHA-256 through EVP_Digest: OpenSSL's provider is touched only when a hash is first needed.
#include "cache/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace pullguard {

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    // Without SHA-256 no record can be named or verified; continuing would be unsafe.
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace pullguard
