// Strict JSON reading for inputs that kubelet or a person hands us: one document, no duplicate
// keys, bounded nesting, nothing after it; errors give a position, never the payload.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "matcher/result.h"

namespace pullguard {

inline constexpr int kMaxJsonDepth = 64;

// `what` names the document in errors ("request", "config").
Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what);

// The JSON type as a person says it: "object", "array", "string", "number", "boolean", "null".
std::string_view JsonTypeName(const nlohmann::json& j);

}  // namespace pullguard
