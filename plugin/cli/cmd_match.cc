// `pullguard match [--normalize] PATTERN IMAGE`: does a matchImages / auth-key pattern cover the
// image, by kubelet's URLsMatch? grep's exit codes: 0 match, 1 no match, 2 invalid input.
#include <ostream>

#include "matcher/reference.h"
#include "matcher/urls_match.h"
#include "plugin/cli/commands.h"

namespace pullguard {
namespace {

constexpr const char* kUsage =
    "usage: pullguard match [--normalize] PATTERN IMAGE\n\n"
    "Matches IMAGE against a matchImages (or auth key) pattern with kubelet's URLsMatch:\n"
    "per-label globs, equal label counts, equal ports, string-prefix paths.\n"
    "  --normalize  first normalise IMAGE to the repository kubelet pulls\n"
    "               (busybox:1 -> docker.io/library/busybox), as newer kubelets do\n"
    "Exit status: 0 match, 1 no match, 2 invalid input or usage error.\n";

}  // namespace

int RunMatch(const std::vector<std::string>& args, Io& io) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    io.out << kUsage;
    return 0;
  }
  bool normalize = false;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--normalize") {
      normalize = true;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    PrintError(io, "match",
               "expected exactly two arguments, PATTERN and IMAGE (see 'pullguard match --help')");
    return 2;
  }
  std::string image = positional[1];
  if (normalize) {
    auto ref = ParseKubernetesImage(image);
    if (!ref.ok()) {
      PrintError(io, "match", ref.error().message);
      return 2;
    }
    image = ref->Name();
  }
  auto matched = UrlsMatch(positional[0], image);
  if (!matched.ok()) {
    PrintError(io, "match", matched.error().message);
    return 2;
  }
  return *matched ? 0 : 1;
}

}  // namespace pullguard
