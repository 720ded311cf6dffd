// libFuzzer target for the runtime's image list that `records gc` and `records recover` read
// (cache/runtime_images.h): crictl's JSON and the plain ID list. Whatever parses must write back
// (as plain text, and as crictl JSON) and parse again to the same images; whatever fails must fail
// with one printable line of at most 1 KiB (the CLI prints it as it is).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cache/runtime_images.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Same(const std::vector<pullguard::RuntimeImage>& a,
          const std::vector<pullguard::RuntimeImage>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].repo_tags != b[i].repo_tags ||
        a[i].repo_digests != b[i].repo_digests) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto list = ParseRuntimeImageList(in);
  if (!list.ok()) {
    const std::string& m = list.error().message;
    Check(!m.empty() && m.size() <= 1024);
    for (unsigned char c : m) Check(c >= 0x20 && c != 0x7f);
    return 0;
  }
  bool names = false;
  nlohmann::json j = {{"images", nlohmann::json::array()}};
  for (const RuntimeImage& img : list->images) {
    Check(!img.id.empty());
    names = names || !img.repo_tags.empty() || !img.repo_digests.empty();
    j["images"].push_back(
        {{"id", img.id}, {"repoTags", img.repo_tags}, {"repoDigests", img.repo_digests}});
  }
  Check(names == list->has_names);
  auto from_json = ParseRuntimeImageList(j.dump());
  Check(from_json.ok() && Same(from_json->images, list->images));
  if (list->format == RuntimeImageList::Format::kPlainText) {
    // Digest names are written after the tags: the parse sorts each into its list again.
    std::string text;
    for (const RuntimeImage& img : list->images) {
      text += img.id;
      for (const auto& t : img.repo_tags) text += " " + t;
      for (const auto& d : img.repo_digests) text += " " + d;
      text += "\n";
    }
    auto again = ParseRuntimeImageList(text);
    Check(again.ok() && Same(again->images, list->images));
  }
  return 0;
}
