// `pullguard doctor --config FILE [--kubelet-config PATH] [--bin-dir DIR] [--image IMAGE]...`:
// runs every check (plugin/ops/doctor.h) and prints one line per check, with a fix for each
// failure. All pass: the report on stdout, exit 0. Any failure: the report on stderr (RunMain
// writes stdout only on success), exit 1. Bad arguments: one line, exit 2.
#include <ostream>
#include <string>
#include <vector>

#include "base/quote.h"
#include "plugin/cli/command.h"
#include "plugin/cli/commands.h"
#include "plugin/ops/doctor.h"
#include "plugin/ops/log.h"

namespace pullguard {
namespace {

constexpr const char* kName = "doctor";

void Usage(std::ostream& os) {
  os << "usage: pullguard doctor --config=FILE [--kubelet-config=PATH] [--bin-dir=DIR]\n"
        "                        [--image=IMAGE]... [--offline]\n\n"
        "Checks what breaks on a node and says how to fix each problem:\n"
        "  - the pullguard config is valid, its secret files exist and are private (0600);\n"
        "  - the state dir is a private, writable directory; the metrics textfile can be written;\n"
        "  - kubelet's CredentialProviderConfig (--kubelet-config, file or directory) is valid,\n"
        "    has a provider running 'get-credentials --config=FILE' with an apiVersion pullguard\n"
        "    answers, and its matchImages cover the config's registries;\n"
        "  - the binary kubelet runs (--bin-dir, under the provider's name) exists, is executable\n"
        "    and runs;\n"
        "  - each registry answers /v2/ (verified TLS; plain HTTP on loopback only) with a Basic "
        "or\n"
        "    Bearer challenge, and its Date header agrees with the local clock (60 s);\n"
        "  - each entry's credential is accepted by its registry (a dry run), and each --image\n"
        "    resolves as get-credentials would resolve it (with preflight when verify is set).\n"
        "--offline skips the registry checks. Exit 0 only when every check passes; the report "
        "goes\n"
        "to stdout then, to stderr otherwise.\n";
}

// Accepts --name=VALUE and --name VALUE.
bool TakeValue(const std::vector<std::string>& args, std::size_t& i, const std::string& name,
               std::string& out, bool& missing) {
  const std::string& a = args[i];
  if (a.rfind(name + "=", 0) == 0) {
    out = a.substr(name.size() + 1);
    missing = out.empty();
    return true;
  }
  if (a == name) {
    missing = i + 1 >= args.size() || args[i + 1].empty();
    if (!missing) out = args[++i];
    return true;
  }
  return false;
}

std::string_view Tag(CheckState s) {
  switch (s) {
    case CheckState::kOk:
      return "ok    ";
    case CheckState::kFail:
      return "FAIL  ";
    case CheckState::kSkip:
      return "skip  ";
  }
  return "";
}

}  // namespace

int RunDoctor(const std::vector<std::string>& args, Io& io) {
  DoctorOptions o;
  o.now = io.now;
  bool offline = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      Usage(io.out);
      return 0;
    }
    if (a == "--offline") {
      offline = true;
      continue;
    }
    bool missing = false;
    std::string image;
    std::string flag = a.substr(0, a.find('='));
    if (TakeValue(args, i, "--config", o.config_path, missing) ||
        TakeValue(args, i, "--kubelet-config", o.kubelet_config, missing) ||
        TakeValue(args, i, "--bin-dir", o.bin_dir, missing) ||
        TakeValue(args, i, "--image", image, missing)) {
      if (missing) {
        PrintError(io, kName, flag + " needs a value");
        return 2;
      }
      if (!image.empty()) o.images.push_back(image);
      continue;
    }
    PrintError(io, kName, "unexpected argument " + QuoteForError(a) + " (see --help)");
    return 2;
  }
  if (o.config_path.empty()) {
    PrintError(io, kName, "--config=FILE is required (the path kubelet passes to pullguard)");
    return 2;
  }

  Report report;
  std::optional<Config> config;
  CheckLocal(o, io.env, report, config);
  if (offline) {
    report.push_back({CheckState::kSkip, "registries", "--offline", ""});
  } else if (config) {
    CheckRegistries(o, *config, io.env, report);
  } else {
    report.push_back({CheckState::kSkip, "registries", "the config did not load", ""});
  }

  int failed = 0, skipped = 0;
  for (const CheckLine& c : report) {
    failed += c.state == CheckState::kFail;
    skipped += c.state == CheckState::kSkip;
    Log(c.state == CheckState::kFail ? LogLevel::kInfo : LogLevel::kDebug, "doctor.check",
        {{"check", c.name},
         {"state", c.state == CheckState::kOk     ? "ok"
                   : c.state == CheckState::kFail ? "fail"
                                                  : "skip"},
         {"detail", c.detail}});
  }
  std::ostream& os = failed == 0 ? io.out : io.err;
  for (const CheckLine& c : report) {
    os << Tag(c.state) << c.name << ": " << c.detail << "\n";
    if (!c.fix.empty()) os << "      fix: " << c.fix << "\n";
  }
  os << "doctor: " << report.size() << " checks, " << failed << " failed, " << skipped
     << " skipped\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace pullguard
