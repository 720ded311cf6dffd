// Strict JSON reading for everything pullguard decodes (requests, configs, records, CLI input): one
// document, no duplicate keys, bounded nesting, nothing after it; errors give a position, never
// data.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"

namespace pullguard {

inline constexpr int kMaxJsonDepth = 64;

// `what` names the document in errors ("request", "config").
Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what);

// The JSON type as a person says it: "object", "array", "string", "number", "boolean", "null".
std::string_view JsonTypeName(const nlohmann::json& j);

// Checks that `obj` is an object whose keys are all in `allowed`; names the first unknown one.
Status CheckKnownFields(const nlohmann::json& obj, std::initializer_list<std::string_view> allowed,
                        std::string_view what);

}  // namespace pullguard
