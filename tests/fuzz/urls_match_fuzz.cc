// libFuzzer target for URLsMatch: the input is split at the first NUL (or midpoint) into pattern
// and image; the Go URL parser, SplitHostPort, filepath.Match and the keyring all run on it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "matcher/docker_config.h"
#include "matcher/glob.h"
#include "matcher/keyring.h"
#include "matcher/urls_match.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\0');
  if (cut == std::string_view::npos) cut = in.size() / 2;
  std::string_view pattern = in.substr(0, cut);
  std::string_view image = in.substr(cut < in.size() ? cut + 1 : cut);

  auto m = pullguard::UrlsMatch(pattern, image);
  if (m.ok()) {
    // An answer (match or not) means both sides went through Go's URL parser.
    Check(pullguard::ParseSchemelessUrl(pattern).ok() && pullguard::ParseSchemelessUrl(image).ok());
  } else {
    Check(m.error().message.find('\n') == std::string::npos);
  }
  (void)pullguard::GoFilepathMatch(pattern, image);

  pullguard::Keyring keyring;
  keyring.Add(pattern, pullguard::Credential{"u", pullguard::Secret("p")});
  auto found = keyring.Lookup(image);
  Check(found.size() <= 1);
  (void)pullguard::NormalizeKeyringKey(pattern);
  (void)pullguard::ParseDockerConfig(in);
  return 0;
}
