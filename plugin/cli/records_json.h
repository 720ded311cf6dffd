// Input decoding shared by `records` and `decide`: stdin with a size cap, pod secrets (auth or a
// precomputed hash) and service accounts, with strict field checks and clear messages.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cache/records.h"
#include "plugin/cli/command.h"

namespace pullguard {

inline constexpr std::size_t kMaxStdinBytes = 4u << 20;

// Reads all of stdin; larger than kMaxStdinBytes is an error.
Result<std::string> ReadAllInput(Io& io);

// {"uid","namespace","name","auth":{AuthConfig}} or {... "credentialHash":"<hex>"}.
Result<ImagePullSecret> SecretFromJson(const nlohmann::json& j, const std::string& what);
// {"uid","namespace","name"}.
Result<ImagePullServiceAccount> ServiceAccountFromJson(const nlohmann::json& j,
                                                       const std::string& what);

// A string field: absent/null -> "" unless required; non-string -> error.
Result<std::string> JsonString(const nlohmann::json& obj, const char* field, bool required,
                               const std::string& what);
// An optional boolean field.
Result<std::optional<bool>> JsonBool(const nlohmann::json& obj, const char* field,
                                     const std::string& what);

}  // namespace pullguard
