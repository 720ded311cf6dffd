// Docker config.json ({"auths":{...}}, kubernetes.io/dockerconfigjson) and the legacy dockercfg
// form (the bare auths map), decoded into keyring entries. Errors name the key, never the value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "matcher/keyring.h"

namespace pullguard {

// Entries in file order, keys as written (Keyring::Add normalises them). `auth` (base64 of
// user:password, split at the first ':') overrides separate username/password fields.
Result<std::vector<KeyedCredential>> ParseDockerConfig(std::string_view json);

}  // namespace pullguard
