// Kubernetes' way of reading a config document into the JSON tree a strict decoder then checks:
// strict JSON when the first non-space byte is '{', otherwise YAML read the way sigs.k8s.io/yaml
// reads it (go-yaml v2: YAML 1.1 scalars, strict keys). One reader for kubelet's
// CredentialProviderConfig and for pullguard's own config (docs/config.md, "Typing").
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"

namespace pullguard {

struct KubeYamlOptions {
  enum class Documents {
    // kubelet's reader: the first document; a later one must be empty, because kubelet would
    // silently ignore what it holds. No document at all is null.
    kFirstOthersEmpty,
    // pullguard's config: exactly one document.
    kExactlyOne,
  };
  Documents documents = Documents::kFirstOthersEmpty;
  // Which plain scalars are booleans. kYaml11: go-yaml v2's set (y, yes, on, true, n, no, off,
  // false in their case forms), as kubelet reads them. kTrueFalse: true and false only (True,
  // TRUE, False, FALSE too); y, yes, on, n, no and off stay strings, as in YAML 1.2: pullguard's
  // config (docs/config.md, "Typing").
  enum class Booleans { kYaml11, kTrueFalse };
  Booleans booleans = Booleans::kYaml11;
};

// YAML to the JSON value kubelet's decoder would see, from libyaml's parser events (go-yaml is a
// line-by-line port of libyaml's scanner and parser). Plain scalars resolve as go-yaml v2 does
// (yes/no/on/off are booleans, 0x1F and 017 are integers, ~ is null); quoted and block scalars
// stay strings; `!!int`, `!!float`, `!!bool`, `!!null` tags are checked and honoured,
// `!!binary` refused, other tags (`!!str`, local ones) read the text as a string; merge keys
// `<<` work. Fails on a syntax error,
// a duplicate, null or non-scalar key, nesting deeper than kMaxJsonDepth collections, alias
// expansion beyond a node budget, and the documents `options` refuses. Also refuses what libyaml
// 0.2.5 accepts but go-yaml v2 does not (docs/kubelet-config.md). Messages give positions (line,
// column) and never values.
Result<nlohmann::json> ParseKubeYaml(std::string_view text, std::string_view what,
                                     const KubeYamlOptions& options = {});

// The document kind Kubernetes' universal decoder picks: ParseStrictJson for a JSON buffer
// (first non-space byte '{'), ParseKubeYaml for anything else.
Result<nlohmann::json> ParseKubeDocument(std::string_view text, std::string_view what,
                                         const KubeYamlOptions& options = {});

}  // namespace pullguard
