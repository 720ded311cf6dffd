// Decoding of an entry's `mirrors` ({upstream registry: mirror}) and `mirrorCredentialsStrategy`,
// and the one rule across entries (an upstream registry is mirrored by one entry only); called by
// plugin/config/config.cc. What the keys mean: plugin/answer/mirrors.h, docs/sources.md "Mirrors".
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/config/config.h"

namespace pullguard {

// Decodes e["mirrors"] and e["mirrorCredentialsStrategy"] into out.mirrors and
// out.mirror_credentials; out.match must already be decoded (each mirror must be one of the
// entry's registries). Problems are appended with their path.
void DecodeMirrors(const nlohmann::json& e, const std::string& where, RegistryEntry& out,
                   std::vector<std::string>& problems);

// Every upstream registry is mirrored by at most one entry: two would make the answer depend on
// config order in a way nobody reads from the file.
void CheckMirrorUpstreams(const std::vector<RegistryEntry>& entries,
                          std::vector<std::string>& problems);

// "MirrorCredentialsOnly" | "MirrorCredentialsFirst" | "MirrorCredentialsLast".
std::string_view MirrorCredentialsStrategyName(MirrorCredentialsStrategy s);

}  // namespace pullguard
