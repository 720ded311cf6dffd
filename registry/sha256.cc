// sha256 digests through OpenSSL's EVP, with libcrypto dlopen()ed on first use so that linking
// registry/ adds no start-up cost to execs that never hash a network answer.
#include <dlfcn.h>

#include <mutex>

#include "registry/manifest.h"

namespace pullguard::registry {
namespace {

using EvpMdFn = const void* (*)();
using EvpDigestFn = int (*)(const void* data, std::size_t count, unsigned char* md,
                            unsigned int* size, const void* type, void* impl);

struct Crypto {
  EvpMdFn sha256 = nullptr;
  EvpDigestFn digest = nullptr;
};

const Crypto* LoadCrypto() {
  static std::once_flag once;
  static Crypto crypto;
  static bool ok = false;
  std::call_once(once, [] {
    void* lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return;
    crypto.sha256 = reinterpret_cast<EvpMdFn>(dlsym(lib, "EVP_sha256"));
    crypto.digest = reinterpret_cast<EvpDigestFn>(dlsym(lib, "EVP_Digest"));
    ok = crypto.sha256 != nullptr && crypto.digest != nullptr;
  });
  return ok ? &crypto : nullptr;
}

}  // namespace

Result<std::string> Sha256Digest(std::string_view data) {
  const Crypto* c = LoadCrypto();
  if (c == nullptr) return MakeError(ErrorKind::kInternal, "cannot load libcrypto.so.3 for sha256");
  unsigned char md[64];
  unsigned int len = 0;
  if (c->digest(data.data(), data.size(), md, &len, c->sha256(), nullptr) != 1 || len != 32) {
    return MakeError(ErrorKind::kInternal, "sha256 failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool IsSha256Digest(std::string_view text) {
  if (text.size() != 71 || text.substr(0, 7) != "sha256:") return false;
  for (char c : text.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace pullguard::registry
