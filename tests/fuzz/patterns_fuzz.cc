// libFuzzer target for the pattern languages besides matchImages (urls_match_fuzz): Go's
// filepath.Match globs (matcher/glob.h) and kubelet's preloaded-images allowlist
// (matcher/allowlist.h). Input: "pattern\nname".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "matcher/allowlist.h"
#include "matcher/glob.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view pattern = in.substr(0, nl);
  std::string_view name = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  auto m = GoFilepathMatch(pattern, name);
  // A pattern without meta characters matches exactly itself.
  if (m.ok() && pattern.find_first_of("*?[\\") == std::string_view::npos) {
    Check(*m == (pattern == name));
  }
  if (auto self = GoFilepathMatch(pattern, pattern); self.ok() && !m.ok()) Check(false);

  if (ValidateAllowlistEntry(pattern).ok()) {
    auto list = Allowlist::Make({std::string(pattern)});
    Check(list.ok());
    (void)list->Matches(name);
  } else {
    Check(!Allowlist::Make({std::string(pattern)}).ok());
  }
  return 0;
}
