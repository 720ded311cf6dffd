// Strict JSON parsing shared by records, intents and CLI input: a duplicate key, trailing data or
// invalid UTF-8 is an error, never silently resolved.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "matcher/result.h"

namespace pullguard {

// Parses one JSON document; errors are kInvalidArgument with a message naming the position or
// the duplicated key (keys are field names, never secret values).
Result<nlohmann::json> ParseStrictJson(std::string_view text);

// Checks that `obj` is an object whose keys are all in `allowed`; names the first unknown one.
Status CheckKnownFields(const nlohmann::json& obj, std::initializer_list<std::string_view> allowed,
                        std::string_view what);

}  // namespace pullguard
