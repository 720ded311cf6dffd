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

// Reads all of stdin; larger than `max_bytes` is an error.
Result<std::string> ReadAllInput(Io& io, std::size_t max_bytes = kMaxStdinBytes);

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

// `records audit`'s finding for a record whose imageRef is reached from images of several
// repositories (cache/shared_digest.h, kubernetes/kubernetes#138175), one line:
// {"imageRef":…,"finding":"shared-digest","repositories":[…],"lastUpdatedTime":…}. With the
// runtime's names of the image (`runtime_names`, audit --images), their repositories count too and
// those the record does not map are listed as "unmapped":[…]. Empty when fewer than two.
std::string SharedDigestFinding(const ImagePulledRecord& record,
                                const std::vector<std::string>* runtime_names = nullptr);

}  // namespace pullguard
