// The runtime's image list (cache/runtime_images.h). The JSON is CRI's ListImagesResponse as crictl
// prints it (protobuf JSON names: repoTags, repoDigests); crictl adds fields over its releases
// (size, uid, username, spec, pinned), so only the three fields read here are checked.
#include "cache/runtime_images.h"

#include <cctype>

#include "base/quote.h"
#include "base/strict_json.h"

namespace pullguard {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// `sha256:<64 hex>` (containerd, CRI's image ID) or `<64 hex>` (CRI-O's IDs).
bool IsImageId(std::string_view s) {
  if (s.rfind("sha256:", 0) == 0) s.remove_prefix(7);
  return s.size() == 64 && IsLowerHex(s);
}

// A name must be printable ASCII without blanks: a reference never holds anything else.
bool IsPlainToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

Error Bad(const std::string& msg) {
  return MakeError(ErrorKind::kInvalidArgument, msg);
}

Result<std::vector<std::string>> Names(const nlohmann::json& img, const char* key,
                                       const std::string& where) {
  std::vector<std::string> out;
  auto it = img.find(key);
  if (it == img.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return Bad(where + "." + key + ": want an array of strings, got " +
               std::string(JsonTypeName(*it)));
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    if (!v.is_string() || !IsPlainToken(v.get_ref<const std::string&>())) {
      return Bad(where + "." + key + "[" + std::to_string(i) + "]: want an image name");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<RuntimeImageList> ParseCrictl(std::string_view text) {
  auto j = ParseStrictJson(text, "crictl image list");
  if (!j.ok()) return j.error();
  if (!j->is_object() || !j->contains("images")) {
    return Bad("crictl image list: want {\"images\":[...]} (crictl images -o json)");
  }
  const auto& images = (*j)["images"];
  RuntimeImageList out;
  out.format = RuntimeImageList::Format::kCrictlJson;
  if (images.is_null()) return out;  // protobuf JSON prints an empty repeated field as null
  if (!images.is_array()) {
    return Bad("crictl image list: images: want an array, got " +
               std::string(JsonTypeName(images)));
  }
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::string where = "crictl image list: images[" + std::to_string(i) + "]";
    const auto& img = images[i];
    if (!img.is_object())
      return Bad(where + ": want an object, got " + std::string(JsonTypeName(img)));
    auto id = img.find("id");
    if (id == img.end() || !id->is_string() || !IsPlainToken(id->get_ref<const std::string&>())) {
      return Bad(where + ".id: want the image ID (a string)");
    }
    RuntimeImage r;
    r.id = id->get<std::string>();
    auto tags = Names(img, "repoTags", where);
    if (!tags.ok()) return tags.error();
    auto digests = Names(img, "repoDigests", where);
    if (!digests.ok()) return digests.error();
    r.repo_tags = std::move(*tags);
    r.repo_digests = std::move(*digests);
    out.has_names = out.has_names || !r.repo_tags.empty() || !r.repo_digests.empty();
    out.images.push_back(std::move(r));
  }
  return out;
}

Result<RuntimeImageList> ParsePlain(std::string_view text) {
  RuntimeImageList out;
  out.format = RuntimeImageList::Format::kPlainText;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) tokens.push_back(line.substr(start, i - start));
    }
    if (tokens.empty() || tokens[0][0] == '#') continue;
    std::string where = "image list line " + std::to_string(line_no);
    if (!IsImageId(tokens[0])) {
      return Bad(where + ": " + QuoteForError(tokens[0]) +
                 " is not an image ID (want sha256:<64 hex digits>, or crictl images -o json)");
    }
    RuntimeImage r;
    r.id = std::string(tokens[0]);
    for (std::size_t t = 1; t < tokens.size(); ++t) {
      if (!IsPlainToken(tokens[t])) {
        return Bad(where + ": " + QuoteForError(tokens[t]) + " is not an image name");
      }
      // A digest reference names the manifest: kubelet's RepoDigests; anything else a tag.
      (tokens[t].find('@') != std::string_view::npos ? r.repo_digests : r.repo_tags)
          .emplace_back(tokens[t]);
    }
    out.has_names = out.has_names || tokens.size() > 1;
    out.images.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::map<std::string, std::vector<std::string>> NamesById(const RuntimeImageList& list) {
  std::map<std::string, std::vector<std::string>> names;
  for (const RuntimeImage& img : list.images) {
    auto& n = names[img.id];
    n.insert(n.end(), img.repo_tags.begin(), img.repo_tags.end());
    n.insert(n.end(), img.repo_digests.begin(), img.repo_digests.end());
  }
  return names;
}

std::string_view FormatName(RuntimeImageList::Format f) {
  return f == RuntimeImageList::Format::kCrictlJson ? "crictl-json" : "plain-text";
}

Result<RuntimeImageList> ParseRuntimeImageList(std::string_view text) {
  if (text.size() > kMaxImageListBytes) {
    return Bad("image list larger than " + std::to_string(kMaxImageListBytes >> 20) + " MiB");
  }
  std::size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  if (first < text.size() && text[first] == '{') return ParseCrictl(text);
  return ParsePlain(text);
}

}  // namespace pullguard
