// `pullguard match [--normalize] PATTERN IMAGE`: does a matchImages / auth-key pattern cover the
// image, by kubelet's URLsMatch? grep's exit codes: 0 match, 1 no match, 2 invalid input.
#include "matcher/reference.h"
#include "matcher/urls_match.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"

namespace pullguard {

int RunMatch(const std::vector<std::string>& args, Io& io) {
  MatchArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  std::string image = a.image;
  if (a.normalize) {
    auto ref = ParseKubernetesImage(image);
    if (!ref.ok()) {
      PrintError(io, "match", ref.error().message);
      return 2;
    }
    image = ref->Name();
  }
  auto matched = UrlsMatch(a.pattern, image);
  if (!matched.ok()) {
    PrintError(io, "match", matched.error().message);
    return 2;
  }
  return *matched ? 0 : 1;
}

}  // namespace pullguard
