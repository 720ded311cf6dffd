// One AWS API call over the budgeted HTTP client: the request is rebuilt (and re-signed, with a
// fresh X-Amz-Date) for every attempt, and throttling answers are retried with jittered
// exponential back-off while the exec's budget lasts. 429/5xx and connection failures are the
// HTTP client's own retries.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "base/result.h"
#include "plugin/sources/aws/aws_error.h"
#include "registry/http_client.h"

namespace pullguard::aws {

struct AwsCallOptions {
  int max_attempts = 4;  // throttled answers; each attempt is one request
  std::chrono::milliseconds backoff_base{400};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct AwsCallResult {
  registry::HttpResponse response;      // the last answer
  std::optional<AwsErrorAnswer> error;  // its error, when it is not a 2xx
  int attempts = 0;
};

// `build` makes the request for each attempt; `parse_error` reads a non-2xx answer's error.
// Returns the last answer: a success, a non-throttling error, or the last throttled one (when the
// attempts or the budget ran out). Transport failures are errors.
Result<AwsCallResult> CallWithRetries(
    registry::HttpClient& client, const std::function<registry::HttpRequest()>& build,
    const std::function<std::optional<AwsErrorAnswer>(const registry::HttpResponse&)>& parse_error,
    const AwsCallOptions& options);

}  // namespace pullguard::aws
