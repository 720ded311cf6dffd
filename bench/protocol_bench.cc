// Parser throughput of the exec protocol against a baseline in the same run: strict request
// decoding (DecodeRequest: duplicate keys, unknown fields, UTF-8, kind/apiVersion checks) vs a
// plain nlohmann::json::parse of the same bytes, and response encoding vs nlohmann's dump().
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "plugin/kubelet/protocol.h"

namespace {

using Clock = std::chrono::steady_clock;
volatile std::size_t g_sink = 0;  // keeps the measured work observable

template <class F>
double PerSecond(int rounds, F&& f) {
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) g_sink = g_sink + f();
  return rounds / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main() {
  using namespace pullguard;
  const std::string request =
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
      R"("image":"registry.internal:5000/team/app","serviceAccountToken":"eyJhbGciOiJSUzI1NiJ9.)" +
      std::string(600, 'x') +
      R"(.sig","serviceAccountAnnotations":{"pullguard.io/audience":"registry.internal"}})";
  const int rounds = 200000;

  double base_parse = PerSecond(rounds, [&] { return nlohmann::json::parse(request).size(); });
  double decode = PerSecond(rounds, [&] {
    auto r = DecodeRequest(request);
    return r.ok() ? r->image.size() : 0;
  });

  CredentialProviderResponse resp;
  resp.cache_duration = 5 * 60 * kSecond;
  resp.auth.push_back({"registry.internal:5000", {"alice", Secret(std::string(40, 'p'))}});
  resp.auth.push_back({"*.corp.example/team-a", {"alice", Secret(std::string(40, 'p'))}});
  nlohmann::json j = {
      {"kind", "CredentialProviderResponse"},
      {"apiVersion", "credentialprovider.kubelet.k8s.io/v1"},
      {"cacheKeyType", "Registry"},
      {"cacheDuration", "5m"},
      {"auth",
       {{"registry.internal:5000", {{"username", "alice"}, {"password", std::string(40, 'p')}}},
        {"*.corp.example/team-a", {{"username", "alice"}, {"password", std::string(40, 'p')}}}}}};
  double base_dump = PerSecond(rounds, [&] { return j.dump().size(); });
  double encode = PerSecond(rounds, [&] { return EncodeResponse(resp).size(); });

  std::printf(
      "requests decoded/s (strict)  %12.0f   baseline nlohmann::json::parse %12.0f   "
      "ratio %.2f\n",
      decode, base_parse, base_parse / decode);
  std::printf(
      "responses encoded/s          %12.0f   baseline nlohmann::json::dump  %12.0f   "
      "ratio %.2f\n",
      encode, base_dump, base_dump / encode);
  return 0;
}
