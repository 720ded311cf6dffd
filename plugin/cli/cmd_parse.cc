// `pullguard parse IMAGE`: an image reference as kubelet sees it, as one JSON object on stdout
// (name, domain, path, tag with Kubernetes' default, digest, familiar name).
#include <nlohmann/json.hpp>

#include "matcher/reference.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"

namespace pullguard {

int RunParse(const std::vector<std::string>& args, Io& io) {
  ParseImageArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  auto ref = ParseKubernetesImage(a.image);
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
