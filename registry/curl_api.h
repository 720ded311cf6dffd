// libcurl loaded with dlopen() on first use (internal to registry/): linking it costs every exec
// ~25 ms of dynamic loading (30+ libraries), which the no-network path must not pay.
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "base/result.h"

namespace pullguard::registry {

// The libcurl entry points pullguard uses, resolved from libcurl.so.4.
struct CurlApi {
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

// libcurl's entry points and its curl_global_init, as the process finds them. The definition in
// registry/curl_library.cc dlopen()s libcurl.so.4. pullguard's static front cannot dlopen() and
// links its own definition instead (plugin/front/network_handoff.cc: it hands the process over to
// pullguard-net and returns only on failure): the linker takes a definition from an object file
// before looking in an archive, so the front never links dlopen().
struct CurlLibrary {
  CurlApi api;
  CURLcode (*global_init)(long);
};
Result<CurlLibrary> OpenCurlLibrary();

// Loads libcurl and runs curl_global_init once per process (thread-safe); later calls return the
// same table. kInternal when the library or a symbol is missing.
Result<const CurlApi*> LoadCurl();

}  // namespace pullguard::registry
