// `pullguard validate config PATH`: checks a pullguard config as get-credentials would use it,
// files included, and lists every problem, one per line.
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/cli/commands.h"
#include "plugin/config/config.h"
#include "plugin/kubelet/protocol.h"
#include "plugin/sources/source.h"

namespace pullguard {

int ValidateConfig(const std::string& path, Io& io) {
  const char* name = "validate config";
  ConfigDecode d = LoadConfig(path, io.env);
  // Structure first; the files of entries that decoded are checked too, so one run lists all.
  std::vector<std::string> problems = d.problems;
  for (std::size_t i = 0; i < d.config.registries.size(); ++i) {
    const RegistryEntry& e = d.config.registries[i];
    bool has_source = std::visit(
        [](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, StaticSourceSpec>) {
            return s.password.has_value() || !s.password_file.empty();
          } else if constexpr (std::is_same_v<T, DockerConfigSourceSpec>) {
            return !s.path.empty();
          } else {
            return true;  // exchange sources: Check() reads only their own files, no network
          }
        },
        e.source);
    if (!has_source) continue;
    Status st = MakeSource(e)->Check(io.env);
    if (!st.ok()) problems.push_back("registries[" + std::to_string(i) + "]." + st.error().message);
  }
  if (!problems.empty()) {
    for (const std::string& p : problems) PrintError(io, name, path + ": " + p);
    return 1;
  }
  std::size_t patterns = 0;
  for (const RegistryEntry& e : d.config.registries) patterns += e.match.size();
  io.out << path << ": valid (" << d.config.registries.size() << " registr"
         << (d.config.registries.size() == 1 ? "y" : "ies") << ", " << patterns << " pattern"
         << (patterns == 1 ? "" : "s") << ", stateDir " << d.config.state_dir << ")\n";
  return 0;
}

}  // namespace pullguard
