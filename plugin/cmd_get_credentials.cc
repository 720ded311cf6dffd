// `pullguard get-credentials [--config=PATH]`: what kubelet runs once per pull. One request on
// stdin, one response on stdout; any error is one stderr line, exit 1 and an empty stdout.
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "plugin/command.h"
#include "plugin/commands.h"
#include "plugin/config.h"
#include "plugin/exchange_context.h"
#include "plugin/preflight.h"
#include "plugin/protocol.h"
#include "plugin/resolve.h"

namespace pullguard {
namespace {

constexpr const char* kName = "get-credentials";

// Reads at most max+1 bytes so an oversized request is detected without buffering all of it.
Result<std::string> ReadCapped(std::istream& in, std::size_t max) {
  std::string data;
  char buf[16384];
  while (in) {
    in.read(buf, sizeof buf);
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "request is larger than " + std::to_string(max) + " bytes");
    }
  }
  if (in.bad()) return MakeError(ErrorKind::kIo, "cannot read the request from stdin");
  return data;
}

void Usage(std::ostream& os) {
  os << "usage: pullguard get-credentials [--config=PATH]\n\n"
        "Reads one CredentialProviderRequest (credentialprovider.kubelet.k8s.io/v1, v1beta1 or\n"
        "v1alpha1) on stdin and writes the CredentialProviderResponse on stdout, as kubelet\n"
        "expects. The config path comes from --config or $PULLGUARD_CONFIG.\n";
}

}  // namespace

int RunGetCredentials(const std::vector<std::string>& args, Io& io) {
  std::optional<std::string> flag;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      Usage(io.out);
      return 0;
    }
    if (a.rfind("--config=", 0) == 0) {
      flag = a.substr(9);
    } else if (a == "--config" && i + 1 < args.size()) {
      flag = args[++i];
    } else if (a == "--config") {
      PrintError(io, kName, "--config needs a path");
      return 1;
    } else {
      PrintError(io, kName, "unexpected argument " + QuoteForError(a) + " (see --help)");
      return 1;
    }
  }

  auto text = ReadCapped(io.in, kMaxRequestBytes);
  if (!text.ok()) {
    PrintError(io, kName, text.error().message);
    return 1;
  }
  auto request = DecodeRequest(*text);
  if (!request.ok()) {
    PrintError(io, kName, request.error().message);
    return 1;
  }

  auto path = ConfigPathFrom(flag, io.getenv("PULLGUARD_CONFIG"));
  if (!path.ok()) {
    PrintError(io, kName, path.error().message);
    return 1;
  }
  ConfigDecode config = LoadConfig(*path, io.env);
  if (!config.ok()) {
    std::string more = config.problems.size() > 1
                           ? " (and " + std::to_string(config.problems.size() - 1) +
                                 " more; run 'pullguard validate config " + *path + "')"
                           : "";
    PrintError(io, kName, "config " + *path + ": " + config.problems.front() + more);
    return 1;
  }

  ExchangeContext exchange =
      MakeExchangeContext(request->service_account_token, config.config.state_dir, io.now);
  StateDirProofSink proofs(io.env, config.config.state_dir);
  auto response = Resolve(config.config, *request, io.env, ResolveOptions{&exchange, &proofs});
  if (!response.ok()) {
    PrintError(io, kName, response.error().message);
    return 1;
  }
  io.out << EncodeResponse(*response);
  return 0;
}

}  // namespace pullguard
