// kubelet's pullmanager allowlist (getAllowlistImagePattern / imageMatches): validation rules and
// messages as upstream, images normalised before the exact or "/*" prefix comparison.
#include "matcher/allowlist.h"

#include <algorithm>

#include "base/quote.h"
#include "matcher/reference.h"

namespace pullguard {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

Error Invalid(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

struct Pattern {
  std::string text;  // exact name, or a prefix ending in '/'
  bool wildcard = false;
};

Result<Pattern> GetPattern(std::string_view pattern) {
  const std::string p = Quote(pattern);
  if (!pattern.empty() && (IsSpace(pattern.front()) || IsSpace(pattern.back()))) {
    return Invalid("leading/trailing spaces are not allowed: " + p);
  }
  Pattern out;
  std::string_view trimmed = pattern;
  if (pattern.ends_with("/*")) {
    out.wildcard = true;
    trimmed.remove_suffix(1);
  }
  if (trimmed.empty()) return Invalid("the supplied pattern is too short: " + p);
  if (trimmed.find('*') != std::string_view::npos) {
    return Invalid("not a valid wildcard pattern, only patterns ending with '/*' are allowed: " +
                   p);
  }
  if (out.wildcard) {
    if (trimmed.size() == 1) return Invalid("at least registry hostname is required: " + p);
    out.text = std::string(trimmed);
    return out;
  }
  auto ref = ParseNormalizedReference(trimmed);
  if (!ref.ok()) return Invalid("failed to parse as an image name: " + ref.error().message);
  if (trimmed != ref->Name()) {
    if (!ref->tag.empty() || !ref->digest.empty()) {
      return Invalid("neither tag nor digest is accepted in an image reference: " + p);
    }
    // kubelet reports this case with the tag/digest message; name the real problem instead.
    return Invalid("image name must be fully qualified (" + Quote(ref->Name()) + ", not " + p +
                   ")");
  }
  out.text = std::string(trimmed);
  return out;
}

}  // namespace

Status ValidateAllowlistEntry(std::string_view entry) {
  auto p = GetPattern(entry);
  if (!p.ok()) return p.error();
  return Status::Ok();
}

Result<Allowlist> Allowlist::Make(const std::vector<std::string>& entries) {
  Allowlist list;
  for (const std::string& e : entries) {
    auto p = GetPattern(e);
    if (!p.ok()) return p.error();
    (p->wildcard ? list.prefixes_ : list.exact_).push_back(std::move(p->text));
  }
  return list;
}

bool Allowlist::Matches(std::string_view image) const {
  auto ref = ParseNormalizedReference(image);
  if (!ref.ok()) return false;
  return MatchesName(ref->Name());
}

bool Allowlist::MatchesName(std::string_view name) const {
  if (std::find(exact_.begin(), exact_.end(), name) != exact_.end()) return true;
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const std::string& prefix) { return name.starts_with(prefix); });
}

bool Allowlist::MatchesAsWritten(std::string_view image) const {
  if (std::find(exact_.begin(), exact_.end(), image) != exact_.end()) return true;
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const std::string& prefix) { return image.starts_with(prefix); });
}

}  // namespace pullguard
