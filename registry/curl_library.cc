// OpenCurlLibrary as the dynamically linked binaries have it: dlopen()/dlsym() of libcurl.so.4.
// Alone in its file so that the static front can replace it at link time (registry/curl_api.h).
#include <dlfcn.h>

#include <string>

#include "registry/curl_api.h"

namespace pullguard::registry {
namespace {

template <class F>
bool Bind(void* lib, const char* name, F& out) {
  void* sym = dlsym(lib, name);
  if (sym == nullptr) return false;
  out = reinterpret_cast<F>(sym);
  return true;
}

}  // namespace

Result<CurlLibrary> OpenCurlLibrary() {
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    return MakeError(ErrorKind::kInternal, std::string("cannot load libcurl.so.4: ") +
                                               (why != nullptr ? why : "unknown"));
  }
  // The library stays loaded for the life of the process: curl keeps global state.
  CurlLibrary out{};
  CurlApi& api = out.api;
  bool ok = Bind(lib, "curl_global_init", out.global_init) &&
            Bind(lib, "curl_easy_init", api.easy_init) &&
            Bind(lib, "curl_easy_cleanup", api.easy_cleanup) &&
            Bind(lib, "curl_easy_reset", api.easy_reset) &&
            Bind(lib, "curl_easy_setopt", api.easy_setopt) &&
            Bind(lib, "curl_easy_perform", api.easy_perform) &&
            Bind(lib, "curl_easy_getinfo", api.easy_getinfo) &&
            Bind(lib, "curl_easy_strerror", api.easy_strerror) &&
            Bind(lib, "curl_slist_append", api.slist_append) &&
            Bind(lib, "curl_slist_free_all", api.slist_free_all);
  if (!ok) return MakeError(ErrorKind::kInternal, "libcurl.so.4 lacks a required symbol");
  return out;
}

}  // namespace pullguard::registry
