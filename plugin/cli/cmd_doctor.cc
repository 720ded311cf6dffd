// `pullguard doctor --config FILE [--kubelet-config PATH] [--bin-dir DIR] [--image IMAGE]...`:
// runs every check (plugin/ops/doctor.h) and prints one line per check, with a fix for each
// failure. All pass: the report on stdout, exit 0. Any failure: the report on stderr (RunMain
// writes stdout only on success), exit 1. Bad arguments: one line, exit 2.
#include <string>
#include <vector>

#include "plugin/cli/command.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/cli/image_list_input.h"
#include "plugin/ops/doctor.h"
#include "plugin/ops/log.h"

namespace pullguard {
namespace {

std::string_view Tag(CheckState s) {
  switch (s) {
    case CheckState::kOk:
      return "ok    ";
    case CheckState::kFail:
      return "FAIL  ";
    case CheckState::kSkip:
      return "skip  ";
    case CheckState::kWarn:
      return "warn  ";
  }
  return "";
}

}  // namespace

int RunDoctor(const std::vector<std::string>& args, Io& io) {
  DoctorArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  DoctorOptions o;
  o.now = io.now;
  o.getenv = io.getenv;
  o.config_path = a.config;
  o.kubelet_config = a.kubelet_config;
  o.bin_dir = a.bin_dir;
  if (!a.containerd_hosts_dir.empty()) o.containerd_hosts_dir = a.containerd_hosts_dir;
  o.images = a.images;
  o.proxy = registry::ProxyConfigFromEnvironment(io.getenv);

  Report report;
  std::optional<Config> config;
  if (!a.config.empty()) {  // without --config (only --records given) the node checks are skipped
    CheckLocal(o, io.env, report, config);
    if (a.offline) {
      report.push_back({CheckState::kSkip, "registries", "--offline", ""});
    } else if (config) {
      CheckRegistries(o, *config, io.env, report);
    } else {
      report.push_back({CheckState::kSkip, "registries", "the config did not load", ""});
    }
  }
  if (a.records) {
    std::optional<ImageListInput> runtime;
    if (a.runtime_images) {
      auto in = ReadImageListInput(*a.runtime_images, io, "--runtime-images");
      if (in.ok()) {
        runtime = std::move(*in);
      } else {
        report.push_back({CheckState::kFail, "runtime images", in.error().message,
                          "give the output of 'crictl images -o json' (or one image ID per "
                          "line, followed by its names)"});
      }
    }
    CheckRecords(*a.records, io.env, report, runtime ? &runtime->list : nullptr);
  }

  int failed = 0, skipped = 0, warned = 0;
  for (const CheckLine& c : report) {
    failed += c.state == CheckState::kFail;
    skipped += c.state == CheckState::kSkip;
    warned += c.state == CheckState::kWarn;
    Log(c.state == CheckState::kFail ? LogLevel::kInfo : LogLevel::kDebug, "doctor.check",
        {{"check", c.name},
         {"state", c.state == CheckState::kOk     ? "ok"
                   : c.state == CheckState::kFail ? "fail"
                   : c.state == CheckState::kWarn ? "warn"
                                                  : "skip"},
         {"detail", c.detail}});
  }
  Output& os = failed == 0 ? io.out : io.err;
  for (const CheckLine& c : report) {
    os << Tag(c.state) << c.name << ": " << c.detail << "\n";
    if (!c.fix.empty()) os << "      fix: " << c.fix << "\n";
  }
  os << "doctor: " << report.size() << " checks, " << failed << " failed, " << skipped
     << " skipped";
  if (warned > 0) os << ", " << warned << " warnings";
  os << "\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace pullguard
