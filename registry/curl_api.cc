// libcurl loaded (registry/curl_library.cc) and globally initialised once, on the first request
// of the process.
#include "registry/curl_api.h"

#include <stdlib.h>

#include <atomic>
#include <mutex>
#include <string>

#include "registry/http_client.h"

namespace pullguard::registry {
namespace {

std::atomic<bool> g_loaded{false};

}  // namespace

Result<const CurlApi*> LoadCurl() {
  static std::once_flag once;
  static CurlApi api{};
  static std::string failure;
  std::call_once(once, [] {
    // libcurl (with OpenSSL, GnuTLS or wolfSSL) writes every TLS session's keys to the file
    // SSLKEYLOGFILE names, readable by whoever can read that file; Go's TLS (kubelet,
    // containerd) ignores the variable, and so does pullguard: it leaves the environment before
    // libcurl or its TLS library is loaded (or pullguard-net is run), so neither can read it.
    unsetenv("SSLKEYLOGFILE");
    auto lib = OpenCurlLibrary();
    if (!lib.ok()) {
      failure = lib.error().message;
      return;
    }
    if (lib->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      failure = "curl_global_init failed";
      return;
    }
    api = lib->api;
    g_loaded.store(true);
  });
  if (!g_loaded.load()) return MakeError(ErrorKind::kInternal, failure);
  return &api;
}

bool CurlLoaded() {
  return g_loaded.load();
}

}  // namespace pullguard::registry
