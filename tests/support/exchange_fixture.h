// Test fixtures for the exchange sources and preflight: an ExchangeContext whose clients all go
// to one scripted FakeHttpClient, a fixed clock, a private state dir, and service-account JWTs.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/base64.h"
#include "plugin/sources/exchange_context.h"
#include "tests/support/fake_http_client.h"

namespace pullguard::testing {

class ForwardingClient : public registry::HttpClient {
 public:
  explicit ForwardingClient(FakeHttpClient& to) : to_(to) {}
  Result<registry::HttpResponse> Send(const registry::HttpRequest& r) override {
    return to_.Send(r);
  }

 private:
  FakeHttpClient& to_;
};

inline ExchangeContext FakeContext(FakeHttpClient& fake, const std::string& state_dir,
                                   std::chrono::system_clock::time_point now,
                                   const std::string& sa_token = "") {
  ExchangeContext c;
  c.service_account_token = Secret(sa_token);
  c.state_dir = state_dir;
  c.now = [now] { return now; };
  c.new_client = [&fake](const registry::RegistryEndpoint&) {
    return std::unique_ptr<registry::HttpClient>(new ForwardingClient(fake));
  };
  return c;
}

inline std::string Base64Url(std::string_view s) {
  std::string b = Base64Encode(s);
  while (!b.empty() && b.back() == '=') b.pop_back();
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return b;
}

// An unsigned-looking service-account JWT with the kubernetes.io claims kubelet's tokens carry.
inline std::string ServiceAccountJwt(long long exp, const std::string& ns = "team",
                                     const std::string& name = "puller",
                                     const std::string& uid = "uid-1") {
  nlohmann::json payload = {
      {"aud", {"registry.example"}},
      {"exp", exp},
      {"iss", "https://kubernetes.default.svc"},
      {"kubernetes.io", {{"namespace", ns}, {"serviceaccount", {{"name", name}, {"uid", uid}}}}},
  };
  return Base64Url(R"({"alg":"RS256","kid":"k"})") + "." + Base64Url(payload.dump()) +
         ".c2lnbmF0dXJl";
}

// The value of one field of an x-www-form-urlencoded body ("" when absent), decoded.
inline std::string FormField(const std::string& body, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    std::string part = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name) {
      std::string v = eq == std::string::npos ? "" : part.substr(eq + 1), out;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') {
          out += ' ';
        } else if (v[i] == '%' && i + 2 < v.size()) {
          out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

}  // namespace pullguard::testing
