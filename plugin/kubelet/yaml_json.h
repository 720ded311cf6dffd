// Kubernetes-style reading of a config document: JSON when it starts with '{', otherwise YAML read
// the way sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars) turns it into JSON before strict
// decoding.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pullguard {

// YAML to the JSON value kubelet's decoder would see. Plain scalars resolve as YAML 1.1 does
// (yes/no/on/off are booleans, 0x1F and 017 are integers, ~ is null); quoted ones stay strings.
// Fails on a syntax error, a duplicate or non-scalar key, an unsupported tag, nesting deeper than
// kMaxJsonDepth, alias expansion beyond a node budget, or a second non-empty document (kubelet
// would silently ignore it). Empty input is null. Messages give positions, never values.
// yaml-cpp's LoadAll behind the guards every YAML reader needs: input that makes yaml-cpp 0.7 hang
// is refused first, and its (possibly multi-line) messages become one printable line.
Result<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text, std::string_view what);

Result<nlohmann::json> ParseKubeYaml(std::string_view text, std::string_view what);

// The document kind Kubernetes' universal decoder picks: ParseStrictJson for a JSON buffer
// (first non-space byte '{'), ParseKubeYaml for anything else.
Result<nlohmann::json> ParseKubeDocument(std::string_view text, std::string_view what);

}  // namespace pullguard
