// The libcurl HttpClient: one easy handle per registry call, redirects followed by hand so the
// Authorization header never leaves its origin, retries and caps inside one time budget.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "base/ascii.h"
#include "registry/curl_api.h"
#include "registry/http_client.h"
#include "registry/retry.h"
#include "registry/url.h"

namespace pullguard::registry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Seconds(milliseconds ms) {
  long long tenths = (ms.count() + 50) / 100;
  std::string s = std::to_string(tenths / 10);
  if (tenths % 10 != 0) s += "." + std::to_string(tenths % 10);
  return s + " s";
}

// What one transfer collected. Filled by the curl callbacks.
struct Transfer {
  std::size_t max_body = 0;
  std::size_t max_headers = 0;
  std::size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  if (t->body.size() + len > t->max_body) {
    t->body_too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  t->body.append(data, len);
  return len;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return std::string(s);
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  t->header_bytes += len;
  if (t->header_bytes > t->max_headers) {
    t->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, len);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after 1xx or a proxy's CONNECT answer): keep only the last one's headers.
    t->headers.clear();
    return len;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return len;
  std::string name = AsciiLower(line.substr(0, colon));
  t->headers.emplace_back(std::move(name), Trim(line.substr(colon + 1)));
  return len;
}

struct Attempt {
  bool transport_ok = false;
  CURLcode code = CURLE_OK;
  std::string detail;  // curl's error buffer, never holds credentials (none are in URLs)
  long status = 0;
  Transfer transfer;
};

bool RetryableCurlCode(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

class CurlClient final : public HttpClient {
 public:
  explicit CurlClient(const RegistryEndpoint& endpoint)
      : endpoint_(endpoint), deadline_(Clock::now() + endpoint.transport.call_budget) {
    auto base = ParseUrl(BaseUrl(endpoint));
    if (base.ok()) registry_origin_ = *base;
  }
  ~CurlClient() override {
    if (handle_ != nullptr) api_->easy_cleanup(handle_);
  }
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  Status CheckPolicy(const Url& url, bool credential) const;
  Attempt Perform(const HttpRequest& request, const Url& url, bool with_auth);
  Result<HttpResponse> SendWithRetries(const HttpRequest& request, const Url& url, bool with_auth,
                                       int& attempts);
  Error TransportError(const Attempt& a, const Url& url) const;
  // Sets proxy_ for `url` (Go's rules, registry/proxy.h).
  Status ChooseProxy(const Url& url);

  RegistryEndpoint endpoint_;
  Clock::time_point deadline_;
  Url registry_origin_;
  const CurlApi* api_ = nullptr;
  CURL* handle_ = nullptr;
  std::string proxy_;  // the current URL's proxy for libcurl, "" for a direct connection
  std::minstd_rand jitter_{static_cast<unsigned>(Clock::now().time_since_epoch().count())};
};

Status CurlClient::CheckPolicy(const Url& url, bool credential) const {
  if (url.has_userinfo) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "refusing a URL with embedded credentials (" + url.Redacted() + ")");
  }
  if (url.scheme == "http" && !AllowsPlainHttpTo(endpoint_, url)) {
    std::string why = !AllowsPlainHttp(endpoint_)
                          ? "registry " + endpoint_.host + " is not marked insecure"
                          : "only the registry's own host or a loopback host may be plain HTTP";
    return MakeError(ErrorKind::kInvalidArgument,
                     "refusing plain HTTP to " + url.Redacted() + ": " + why);
  }
  if (credential && !ClearTextCredentialAllowed(endpoint_, url)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "refusing to send a credential in clear text to " + url.Redacted() +
                         ": plain HTTP carries a password or token only to a loopback host of a "
                         "loopback or insecure registry entry");
  }
  return Status::Ok();
}

// Whether what goes to the next URL carries a credential (see HttpRequest::credential).
bool CarriesCredential(const HttpRequest& request, bool with_auth) {
  bool basic = request.authorization.has_value() &&
               AsciiStartsWithFold(request.authorization->reveal(), "basic ");
  bool auth = with_auth && request.authorization.has_value() && (request.credential || basic);
  bool body = request.method == "POST" && !request.body.empty();
  return auth || body;
}

Status CurlClient::ChooseProxy(const Url& url) {
  auto proxy = ProxyForUrl(endpoint_.transport.proxy, url);
  if (!proxy.ok()) return proxy.error();
  if (proxy->empty()) {
    proxy_.clear();
    return Status::Ok();
  }
  auto curl = CurlProxyString(*proxy);
  if (!curl.ok()) return curl.error();
  proxy_ = std::move(*curl);
  return Status::Ok();
}

Attempt CurlClient::Perform(const HttpRequest& request, const Url& url, bool with_auth) {
  const TransportOptions& t = endpoint_.transport;
  Attempt a;
  a.transfer.max_body = t.max_body_bytes;
  a.transfer.max_headers = t.max_header_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};
  auto remaining = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
  long timeout =
      static_cast<long>(std::max<long long>(1, std::min(t.attempt_timeout, remaining).count()));

  api_->easy_reset(handle_);  // keeps the connection cache: reuse across requests of this call
  std::string target = url.ToString();
  api_->easy_setopt(handle_, CURLOPT_URL, target.c_str());
  api_->easy_setopt(handle_, CURLOPT_PROTOCOLS_STR, "http,https");
  api_->easy_setopt(handle_, CURLOPT_FOLLOWLOCATION, 0L);
  api_->easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  api_->easy_setopt(handle_, CURLOPT_ERRORBUFFER, errbuf);
  api_->easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS,
                    std::min(timeout, static_cast<long>(t.connect_timeout.count())));
  api_->easy_setopt(handle_, CURLOPT_TIMEOUT_MS, timeout);
  api_->easy_setopt(handle_, CURLOPT_USERAGENT, t.user_agent.c_str());
  // The proxy was decided by Send with Go's rules; "" for both options stops libcurl from reading
  // http_proxy / no_proxy itself.
  api_->easy_setopt(handle_, CURLOPT_PROXY, proxy_.c_str());
  api_->easy_setopt(handle_, CURLOPT_NOPROXY, "");
  api_->easy_setopt(handle_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_body_bytes));
  api_->easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &OnBody);
  api_->easy_setopt(handle_, CURLOPT_WRITEDATA, &a.transfer);
  api_->easy_setopt(handle_, CURLOPT_HEADERFUNCTION, &OnHeader);
  api_->easy_setopt(handle_, CURLOPT_HEADERDATA, &a.transfer);
  // `insecure: true` belongs to the registry's own host: realms and redirect targets elsewhere
  // are always verified.
  bool verify = VerifiesTlsFor(endpoint_, url);
  api_->easy_setopt(handle_, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  api_->easy_setopt(handle_, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  // TLS files belong to the registry's own host:port (Docker's certs.d rule), not to realms/CDNs.
  if (url.host == registry_origin_.host && url.port == registry_origin_.port) {
    if (!t.ca_file.empty()) api_->easy_setopt(handle_, CURLOPT_CAINFO, t.ca_file.c_str());
    if (!t.client_cert_file.empty()) {
      api_->easy_setopt(handle_, CURLOPT_SSLCERT, t.client_cert_file.c_str());
    }
    if (!t.client_key_file.empty()) {
      api_->easy_setopt(handle_, CURLOPT_SSLKEY, t.client_key_file.c_str());
    }
  }
  if (request.method == "HEAD") {
    api_->easy_setopt(handle_, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST" || request.method == "PUT") {
    api_->easy_setopt(handle_, CURLOPT_POST, 1L);
    // PUT with a body in memory (IMDSv2's token request): curl's POST machinery, renamed.
    if (request.method == "PUT") api_->easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, "PUT");
    api_->easy_setopt(handle_, CURLOPT_POSTFIELDS, request.body.reveal().c_str());
    api_->easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE,
                      static_cast<curl_off_t>(request.body.reveal().size()));
  }
  curl_slist* headers = nullptr;
  // Not the 100-continue dance: token bodies are tiny and some servers mishandle it.
  headers = api_->slist_append(headers, "Expect:");
  for (const auto& [name, value] : request.headers) {
    headers = api_->slist_append(headers, (name + ": " + value).c_str());
  }
  if ((request.method == "POST" || request.method == "PUT") && !request.content_type.empty()) {
    headers = api_->slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  } else if (request.method == "PUT") {
    headers = api_->slist_append(headers, "Content-Type:");  // not curl's form default
  }
  if (with_auth && request.authorization.has_value()) {
    std::string line = "Authorization: " + request.authorization->reveal();
    headers = api_->slist_append(headers, line.c_str());
    std::fill(line.begin(), line.end(), '\0');
  }
  api_->easy_setopt(handle_, CURLOPT_HTTPHEADER, headers);

  a.code = api_->easy_perform(handle_);
  api_->easy_setopt(handle_, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  api_->slist_free_all(headers);
  a.detail = errbuf[0] != '\0' ? errbuf : api_->easy_strerror(a.code);
  if (a.code == CURLE_OK) {
    a.transport_ok = true;
    api_->easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &a.status);
  }
  return a;
}

Error CurlClient::TransportError(const Attempt& a, const Url& url) const {
  const TransportOptions& t = endpoint_.transport;
  std::string where = url.Redacted();
  if (a.transfer.body_too_large || a.code == CURLE_FILESIZE_EXCEEDED) {
    return MakeError(ErrorKind::kNetwork, "response from " + where + " is larger than " +
                                              std::to_string(t.max_body_bytes) + " bytes");
  }
  if (a.transfer.headers_too_large) {
    return MakeError(ErrorKind::kNetwork, "response headers from " + where + " exceed " +
                                              std::to_string(t.max_header_bytes) + " bytes");
  }
  if (a.code == CURLE_OPERATION_TIMEDOUT) {
    return MakeError(ErrorKind::kNetwork, "request to " + where + " timed out (" + a.detail + ")");
  }
  return MakeError(ErrorKind::kNetwork, "request to " + where + " failed: " + a.detail);
}

Result<HttpResponse> CurlClient::SendWithRetries(const HttpRequest& request, const Url& url,
                                                 bool with_auth, int& attempts) {
  const TransportOptions& t = endpoint_.transport;
  int max_attempts = request.retry ? std::max(1, t.max_attempts) : 1;
  for (int attempt = 1;; ++attempt) {
    if (Clock::now() >= deadline_) {
      return MakeError(ErrorKind::kNetwork, "time budget of " + Seconds(t.call_budget) +
                                                " used up before the request to " + url.Redacted());
    }
    ++attempts;
    Attempt a = Perform(request, url, with_auth);
    bool retryable = a.transport_ok ? IsRetryableStatus(a.status)
                                    : RetryableCurlCode(a.code) && !a.transfer.body_too_large &&
                                          !a.transfer.headers_too_large;
    if (!retryable || attempt >= max_attempts) {
      if (!a.transport_ok) return TransportError(a, url);
      if (retryable && request.retry) {
        return MakeError(ErrorKind::kUnavailable, url.Redacted() + " answered " +
                                                      std::to_string(a.status) + " after " +
                                                      std::to_string(attempt) + " attempts");
      }
      HttpResponse r;
      r.status = a.status;
      r.headers = std::move(a.transfer.headers);
      r.body = std::move(a.transfer.body);
      r.final_url = url.Redacted();
      return r;
    }
    milliseconds wait =
        Backoff(attempt, t.backoff_base, std::uniform_real_distribution<double>(0.0, 1.0)(jitter_));
    if (a.transport_ok) {
      for (const auto& [name, value] : a.transfer.headers) {
        if (name != "retry-after") continue;
        if (auto ra = ParseRetryAfter(value, std::chrono::system_clock::now())) {
          if (*ra > t.max_retry_after) {
            return MakeError(ErrorKind::kUnavailable,
                             url.Redacted() + " answered " + std::to_string(a.status) +
                                 " and asked to retry after " + Seconds(*ra) + " (more than " +
                                 Seconds(t.max_retry_after) + ")");
          }
          wait = *ra;
        }
        break;
      }
    }
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
    if (wait >= remaining) {
      std::string what =
          a.transport_ok ? "answered " + std::to_string(a.status) : "failed (" + a.detail + ")";
      return MakeError(a.transport_ok ? ErrorKind::kUnavailable : ErrorKind::kNetwork,
                       url.Redacted() + " " + what + "; no time left in the " +
                           Seconds(t.call_budget) + " budget to retry");
    }
    std::this_thread::sleep_for(wait);
  }
}

Result<HttpResponse> CurlClient::Send(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD" && request.method != "POST" &&
      request.method != "PUT") {
    return MakeError(ErrorKind::kInvalidArgument, "unsupported HTTP method " + request.method);
  }
  for (const auto& [name, value] : request.headers) {
    bool bad = name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
               value.find_first_of("\r\n") != std::string::npos;
    if (bad) return MakeError(ErrorKind::kInvalidArgument, "malformed request header");
    std::string lower = AsciiLower(name);
    if (lower == "authorization" || lower == "proxy-authorization") {
      return MakeError(ErrorKind::kInvalidArgument,
                       "credentials belong in HttpRequest::authorization, not in headers");
    }
  }
  if (request.authorization.has_value()) {
    // A NUL would cut the header short in libcurl; CR/LF would split it.
    for (char c : request.authorization->reveal()) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        return MakeError(ErrorKind::kInvalidArgument, "malformed Authorization value");
      }
    }
  }
  auto first = ParseUrl(request.url);
  if (!first.ok()) return first.error();
  Url url = *first;
  PG_TRY(CheckPolicy(url, CarriesCredential(request, true)));
  PG_TRY(ChooseProxy(url));
  // Only now, with a request that will really go out, does the process pay for libcurl.
  auto api = LoadCurl();
  if (!api.ok()) return api.error();
  api_ = *api;
  if (handle_ == nullptr) {
    handle_ = api_->easy_init();
    if (handle_ == nullptr) return MakeError(ErrorKind::kInternal, "curl_easy_init failed");
  }
  bool with_auth = true;
  int attempts = 0;
  for (int redirects = 0;; ++redirects) {
    auto r = SendWithRetries(request, url, with_auth, attempts);
    if (!r.ok()) return r.error();
    HttpResponse& resp = *r;
    bool is_redirect = resp.status == 301 || resp.status == 302 || resp.status == 303 ||
                       resp.status == 307 || resp.status == 308;
    auto location = resp.Header("location");
    if (!is_redirect || !request.follow_redirects || !location.has_value()) {
      resp.attempts = attempts;
      return std::move(resp);
    }
    if (redirects >= endpoint_.transport.max_redirects) {
      return MakeError(ErrorKind::kNetwork, "more than " +
                                                std::to_string(endpoint_.transport.max_redirects) +
                                                " redirects from " + first->Redacted());
    }
    auto next = ResolveReference(url, *location);
    if (!next.ok()) {
      return MakeError(ErrorKind::kNetwork,
                       "bad redirect from " + url.Redacted() + ": " + next.error().message);
    }
    // Once the chain has left the first origin, Authorization stays off even if it comes back.
    bool next_auth = with_auth && next->SameOrigin(*first);
    PG_TRY(CheckPolicy(*next, CarriesCredential(request, next_auth)));
    PG_TRY(ChooseProxy(*next));
    if (request.method == "POST" || request.method == "PUT") {
      // The form body carries the password: re-send it only to the same origin, and only where
      // the status keeps the method (a 301/302/303 would silently turn it into a GET).
      if (resp.status != 307 && resp.status != 308) {
        resp.attempts = attempts;
        return std::move(resp);
      }
      if (!next->SameOrigin(*first)) {
        return MakeError(ErrorKind::kNetwork, "refusing to re-send a POST body from " +
                                                  first->Redacted() + " to " + next->Origin());
      }
    }
    with_auth = next_auth;
    url = *next;
  }
}

}  // namespace

std::unique_ptr<HttpClient> NewCurlClient(const RegistryEndpoint& endpoint) {
  return std::make_unique<CurlClient>(endpoint);
}

}  // namespace pullguard::registry
