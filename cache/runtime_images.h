// pullguard's own: the container runtime's image list, as an operator hands it to `records gc` and
// `records recover` (kubelet asks the CRI itself: ImageService.ListImages). Two forms are read:
//  - the JSON of `crictl images -o json`: {"images":[{"id","repoTags","repoDigests",...}]};
//  - plain text, one image per line: its ID (`sha256:<64 hex>`, or the 64 hex digits alone as
//    CRI-O prints them), optionally followed by the image's names (tags, and digests
//    `name@sha256:..`) separated by blanks. Blank lines and lines starting with `#` are skipped.
// Anything else is refused with the line (or JSON path) named: a misread list would make gc delete
// the records of images that are still there.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cache/pull_manager.h"

namespace pullguard {

// The largest list read (a node with 10,000 images writes about 5 MB of crictl JSON).
inline constexpr std::size_t kMaxImageListBytes = 64u << 20;

struct RuntimeImageList {
  enum class Format { kCrictlJson, kPlainText };
  Format format = Format::kPlainText;
  std::vector<RuntimeImage> images;
  // True when at least one image carries a name (tag or digest): recovery needs names, since
  // intents are keyed by the pod's image string, not by the ID.
  bool has_names = false;
};

// kInvalidArgument naming what is wrong (never echoing more than a quoted, shortened token).
Result<RuntimeImageList> ParseRuntimeImageList(std::string_view text);

// Each image ID's names (its repoTags, then its repoDigests), for the shared-digest findings of
// `records audit --images` and `doctor --runtime-images` (cache/shared_digest.h).
std::map<std::string, std::vector<std::string>> NamesById(const RuntimeImageList& list);

// The format's name as the output and errors show it: "crictl-json" or "plain-text".
std::string_view FormatName(RuntimeImageList::Format f);

}  // namespace pullguard
