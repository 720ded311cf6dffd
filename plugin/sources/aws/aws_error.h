// AWS error answers (the JSON protocol's __type, the query protocol's <Error><Code>) turned into
// the one stderr line pullguard prints: what was refused, the error code, a cleaned message, and
// for clock skew how far the node's clock is off. Never a secret.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret.h"
#include "registry/http_client.h"

namespace pullguard::aws {

struct AwsErrorAnswer {
  std::string code;     // "ThrottlingException", "AccessDenied", ...
  std::string message;  // as the service wrote it (may be long; may quote the request)
};

// The JSON protocol's error: the x-amzn-ErrorType header or the body's "__type" (either may carry
// a namespace "ns#Code" or a suffix "Code:uri"), and "message"/"Message". nullopt: neither.
std::optional<AwsErrorAnswer> ParseJsonError(const registry::HttpResponse& response);

bool IsThrottling(std::string_view code);
// A signature refused because the request's time is too far from AWS's (5 minutes).
bool IsClockSkew(const AwsErrorAnswer& e);

// A non-2xx answer without an AWS error body: "<where> answered HTTP <status>", 401/403
// kUnauthorized, the rest kNetwork.
Error StatusError(std::string_view where, int status);

// "<where> refused ...: <Code>: <message>" with the error kind for its class (throttling:
// kUnavailable; access, token and signature refusals: kUnauthorized; the rest kNetwork). A clock
// skew names the offset between `now` and the answer's Date header. The message is cut at its
// first line, limited to printable ASCII and 240 bytes, and each of `secrets` is removed from it;
// a signature error's message (which may quote the canonical request) is never shown.
Error AwsCallError(std::string_view where, const registry::HttpResponse& response,
                   const AwsErrorAnswer& error, std::chrono::system_clock::time_point now,
                   std::initializer_list<const Secret*> secrets = {});

}  // namespace pullguard::aws
