// Answering for an image whose registry an entry mirrors (`mirrors:`, docs/sources.md "Mirrors"):
// kubelet asks for the upstream name (docker.io/library/busybox) and containerd fetches it from
// the mirror (hosts.toml), handing the mirror the credential kubelet matched for the upstream
// name. So the mirror's credential is answered under keys that match the upstream image, ordered
// for kubelet's keyring (reverse lexical order of keys) by the entry's strategy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "matcher/keyring.h"
#include "plugin/answer/resolve.h"
#include "plugin/config/config.h"

namespace pullguard {

// An image of a mirrored registry and where it is fetched from.
struct MirrorMatch {
  std::size_t entry = 0;           // index of the entry whose `mirrors` names the image's registry
  std::string upstream_name;       // normalised name kubelet matches keys against (no tag/digest)
  std::string mirror_name;         // the same repository on the mirror (mirror + "/" + path)
  std::string mirror_reference;    // mirror_name with the request's tag and digest, for `verify`
  std::string upstream_reference;  // upstream_name with them: what the other entries are asked
};

// The route for `image` (as kubelet sent it, tag or digest allowed), if an entry mirrors its
// registry. An image that does not parse has none (the plain answer reports it).
std::optional<MirrorMatch> FindMirror(const Config& config, std::string_view image);

// Whether any entry has mirrors: then no answer may be cached Global, or kubelet would reuse it
// for a mirrored registry without asking (plugin/answer/resolve.cc).
bool HasMirrors(const Config& config);

// Keys that each match `name` (kubelet's URLsMatch) in kubelet's try order (reverse lexical, most
// specific first): the name, its parent paths, its registry, then the registry with its host
// labels replaced by '*' from the left ("*.io", "*.*"). Keys kubelet would rewrite (a path
// starting with v1/ or v2/) are left out.
std::vector<std::string> OrderedKeysFor(std::string_view name);

// The answer's auth for a mirrored image: the mirror's credentials (in kubelet's order for the
// mirror) and the upstream's (kubelet's order for the upstream name), combined by `strategy`
// and keyed with OrderedKeysFor(upstream_name), so kubelet tries them in exactly that order.
std::vector<KeyedCredential> MirroredAuth(MirrorCredentialsStrategy strategy,
                                          std::string_view upstream_name,
                                          std::vector<Credential> mirror,
                                          std::vector<Credential> upstream);

// The whole answer for a mirrored image: the entry's source asked for the mirror's repository
// (with `verify` against the mirror), the other entries for the upstream image (strategies First
// and Last only), cacheKeyType Image (the keys are cut for this one image).
Result<CredentialProviderResponse> ResolveThroughMirror(const Config& config,
                                                        const CredentialProviderRequest& request,
                                                        const MirrorMatch& route, Env& env,
                                                        const ResolveOptions& options);

}  // namespace pullguard
