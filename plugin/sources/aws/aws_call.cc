#include "plugin/sources/aws/aws_call.h"

#include <random>
#include <thread>

#include "registry/retry.h"

namespace pullguard::aws {

Result<AwsCallResult> CallWithRetries(
    registry::HttpClient& client, const std::function<registry::HttpRequest()>& build,
    const std::function<std::optional<AwsErrorAnswer>(const registry::HttpResponse&)>& parse_error,
    const AwsCallOptions& options) {
  std::minstd_rand jitter(
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  AwsCallResult out;
  for (int attempt = 1;; ++attempt) {
    registry::HttpRequest req = build();
    auto r = client.Send(req);
    if (!r.ok()) return r.error();
    out.attempts = attempt;
    out.response = std::move(*r);
    out.error.reset();
    if (out.response.status >= 200 && out.response.status <= 299) return out;
    out.error = parse_error(out.response);
    if (!out.error || !IsThrottling(out.error->code) || attempt >= options.max_attempts) {
      return out;
    }
    auto wait = registry::Backoff(attempt, options.backoff_base,
                                  std::uniform_real_distribution<double>(0.0, 1.0)(jitter));
    if (std::chrono::steady_clock::now() + wait >= options.deadline) return out;
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace pullguard::aws
