// A scripted registry::HttpClient for unit tests of the token flows, manifest probes and sources:
// it records every request and answers from a handler the test supplies.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "registry/http_client.h"

namespace pullguard::testing {

class FakeHttpClient : public registry::HttpClient {
 public:
  using Handler = std::function<Result<registry::HttpResponse>(const registry::HttpRequest&)>;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}

  Result<registry::HttpResponse> Send(const registry::HttpRequest& request) override {
    requests.push_back(request);
    return handler_(request);
  }

  std::vector<registry::HttpRequest> requests;

 private:
  Handler handler_;
};

inline registry::HttpResponse Response(
    long status, std::string body = "",
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  registry::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace pullguard::testing
