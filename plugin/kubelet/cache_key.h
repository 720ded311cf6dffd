// Kubelet's credential cache keys (cacheKeyType Image, Registry or Global): kubelet caches one
// response under the image, its registry or one global key, and re-matches the auth keys itself
// for every image that shares the key. So the one rule of this file: a pattern belongs in the
// answer when it covers some image that shares the request's cache key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "plugin/kubelet/protocol.h"

namespace pullguard {

// The part before the first '/' (kubelet's registry cache key), and the image without a
// trailing ":tag" or "@digest".
std::string_view RegistryOf(std::string_view image);
std::string StripTagAndDigest(std::string_view image);

// Does `pattern` cover some image of `registry`? (URLsMatch on the host[:port] parts only.)
bool PatternCoversRegistry(std::string_view pattern, std::string_view registry);

// Does `pattern` cover some image that shares `image`'s cache key under `scope`? Image: the image
// itself (URLsMatch); Registry: some image of its registry; Global: every pattern. `image` has no
// tag or digest. An image URLsMatch cannot parse is kInvalidArgument.
Result<bool> PatternInScope(std::string_view pattern, std::string_view image, CacheKeyType scope);

// The patterns of `patterns` that are in scope, in their order.
Result<std::vector<std::string>> PatternsInScope(const std::vector<std::string>& patterns,
                                                 std::string_view image, CacheKeyType scope);

}  // namespace pullguard
