// Reads a config document (strict JSON, or YAML) into one nlohmann::json tree so that a single
// decoder checks fields the same way for both syntaxes.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"

namespace pullguard {

// YAML scalars become strings (YAML's own typing is not trusted); duplicate keys, non-scalar
// keys and documents that expand beyond a node budget (alias bombs) are errors.
Result<nlohmann::json> ReadConfigDocument(std::string_view text);

}  // namespace pullguard
