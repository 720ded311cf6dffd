// Doctor's mirror checks. pullguard answers a mirrored image with the mirror's credential under
// the upstream name; that only works when containerd really sends the upstream's images to the
// mirror, which its hosts.toml (config_path) decides. A missing or different hosts.toml is the
// usual reason a mirrored pull fails with 401 at the upstream.
#include <string>
#include <string_view>
#include <vector>

#include "base/quote.h"
#include "plugin/config/config_mirrors.h"
#include "plugin/ops/doctor.h"

namespace pullguard {
namespace {

constexpr std::size_t kMaxHostsToml = 64 * 1024;

// The hosts of the `[host."<url>"]` tables of a hosts.toml. Only those headers matter here, and
// their form is fixed by containerd (a quoted URL); no TOML library is needed to find them.
std::vector<std::string> HostTableHosts(std::string_view toml) {
  std::vector<std::string> hosts;
  constexpr std::string_view kOpen = "[host.\"";
  for (std::size_t at = toml.find(kOpen); at != std::string_view::npos;
       at = toml.find(kOpen, at + 1)) {
    std::size_t start = at + kOpen.size();
    std::size_t end = toml.find('"', start);
    if (end == std::string_view::npos) break;
    std::string_view url = toml.substr(start, end - start);
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
      url.remove_prefix(scheme + 3);
    }
    hosts.emplace_back(url.substr(0, url.find('/')));
  }
  return hosts;
}

}  // namespace

void CheckMirrors(const DoctorOptions& o, const Config& config, Env& env, Report& report) {
  for (std::size_t i = 0; i < config.registries.size(); ++i) {
    const RegistryEntry& e = config.registries[i];
    for (const MirrorRoute& m : e.mirrors) {
      const std::string name = "registries[" + std::to_string(i) + "] mirror " + m.upstream;
      const std::string route = m.upstream + " -> " + m.mirror + " (" +
                                std::string(MirrorCredentialsStrategyName(e.mirror_credentials)) +
                                ")";
      std::string mirror_host = m.mirror.substr(0, m.mirror.find('/'));
      auto dir = env.Stat(o.containerd_hosts_dir);
      if (!dir.ok() || !dir->exists || !dir->is_dir) {
        report.push_back({CheckState::kSkip, name,
                          route + "; no containerd hosts dir " + o.containerd_hosts_dir +
                              " (give --containerd-hosts-dir)",
                          ""});
        continue;
      }
      const std::string path = o.containerd_hosts_dir + "/" + m.upstream + "/hosts.toml";
      const std::string fix = "write " + path + " with [host.\"https://" + mirror_host +
                              "\"] and capabilities = [\"pull\", \"resolve\"] (see " +
                              "config-examples/config-mirrors.yaml)";
      auto file = env.ReadOperatorFile(path, kMaxHostsToml);
      if (!file.ok()) {
        report.push_back({CheckState::kFail, name,
                          route + ", but containerd has no " + path + " (" + file.error().message +
                              "): it pulls " + m.upstream + " images from " + m.upstream +
                              " with the mirror's credential",
                          fix});
        continue;
      }
      bool named = false;
      for (const std::string& h : HostTableHosts(file->data)) named = named || h == mirror_host;
      if (named) {
        report.push_back({CheckState::kOk, name, route + "; " + path + " names the mirror", ""});
      } else {
        report.push_back(
            {CheckState::kFail, name,
             route + ", but " + path + " has no [host] table for " + QuoteForError(mirror_host),
             fix});
      }
    }
  }
}

}  // namespace pullguard
