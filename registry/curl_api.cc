// dlopen()/dlsym() of libcurl and its one-time global initialisation, deferred to the first request
// of the process.
#include "registry/curl_api.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <atomic>
#include <mutex>
#include <string>

#include "registry/http_client.h"

namespace pullguard::registry {
namespace {

std::atomic<bool> g_loaded{false};

template <class F>
bool Bind(void* lib, const char* name, F& out) {
  void* sym = dlsym(lib, name);
  if (sym == nullptr) return false;
  out = reinterpret_cast<F>(sym);
  return true;
}

}  // namespace

Result<const CurlApi*> LoadCurl() {
  static std::once_flag once;
  static CurlApi api{};
  static std::string failure;
  std::call_once(once, [] {
    // libcurl (with OpenSSL, GnuTLS or wolfSSL) writes every TLS session's keys to the file
    // SSLKEYLOGFILE names, readable by whoever can read that file; Go's TLS (kubelet,
    // containerd) ignores the variable, and so does pullguard: it leaves the environment before
    // libcurl or its TLS library is loaded, so neither can read it.
    unsetenv("SSLKEYLOGFILE");
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      failure = std::string("cannot load libcurl.so.4: ") + (why != nullptr ? why : "unknown");
      return;
    }
    using GlobalInit = CURLcode (*)(long);
    GlobalInit global_init = nullptr;
    bool ok = Bind(lib, "curl_global_init", global_init) &&
              Bind(lib, "curl_easy_init", api.easy_init) &&
              Bind(lib, "curl_easy_cleanup", api.easy_cleanup) &&
              Bind(lib, "curl_easy_reset", api.easy_reset) &&
              Bind(lib, "curl_easy_setopt", api.easy_setopt) &&
              Bind(lib, "curl_easy_perform", api.easy_perform) &&
              Bind(lib, "curl_easy_getinfo", api.easy_getinfo) &&
              Bind(lib, "curl_easy_strerror", api.easy_strerror) &&
              Bind(lib, "curl_slist_append", api.slist_append) &&
              Bind(lib, "curl_slist_free_all", api.slist_free_all);
    if (!ok) {
      failure = "libcurl.so.4 lacks a required symbol";
      return;
    }
    // The library stays loaded for the life of the process: curl keeps global state.
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      failure = "curl_global_init failed";
      return;
    }
    g_loaded.store(true);
  });
  if (!g_loaded.load()) return MakeError(ErrorKind::kInternal, failure);
  return &api;
}

bool CurlLoaded() {
  return g_loaded.load();
}

}  // namespace pullguard::registry
