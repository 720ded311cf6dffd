// `pullguard parse IMAGE`: an image reference as kubelet sees it, as one JSON object on stdout
// (name, domain, path, tag with Kubernetes' default, digest, familiar name).
#include <nlohmann/json.hpp>
#include <ostream>

#include "matcher/reference.h"
#include "plugin/cli/commands.h"

namespace pullguard {
namespace {

constexpr const char* kUsage =
    "usage: pullguard parse IMAGE\n\n"
    "Prints the image as kubelet normalises it, as one JSON object:\n"
    "  name (normalised), domain, path, tag (\"latest\" only when neither tag nor digest),\n"
    "  digest (\"\" when absent), familiar (the short name docker prints).\n"
    "Exit status: 0 valid, 1 invalid image, 2 usage error.\n";

}  // namespace

int RunParse(const std::vector<std::string>& args, Io& io) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    io.out << kUsage;
    return 0;
  }
  if (args.size() != 1) {
    PrintError(io, "parse", "expected exactly one argument, IMAGE (see 'pullguard parse --help')");
    return 2;
  }
  auto ref = ParseKubernetesImage(args[0]);
  if (!ref.ok()) {
    PrintError(io, "parse", ref.error().message);
    return 1;
  }
  nlohmann::ordered_json out;
  out["name"] = ref->Name();
  out["domain"] = ref->domain;
  out["path"] = ref->path;
  out["tag"] = ref->tag;
  out["digest"] = ref->digest;
  out["familiar"] = ref->Familiar();
  io.out << out.dump() << "\n";
  return 0;
}

}  // namespace pullguard
