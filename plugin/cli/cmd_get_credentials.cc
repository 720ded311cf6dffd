// `pullguard get-credentials [--config=PATH]`: what kubelet runs once per pull. One request on
// stdin, one response on stdout; any error is one stderr line, exit 1 and an empty stdout (a usage
// error: exit 2).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "plugin/answer/preflight.h"
#include "plugin/answer/resolve.h"
#include "plugin/cli/command.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/config/config.h"
#include "plugin/kubelet/protocol.h"
#include "plugin/ops/log.h"
#include "plugin/ops/metrics.h"
#include "plugin/sources/exchange_context.h"

namespace pullguard {
namespace {

constexpr const char* kName = "get-credentials";

// Reads at most max+1 bytes so an oversized request is detected without buffering all of it.
Result<std::string> ReadCapped(Input& in, std::size_t max) {
  std::string data;
  char buf[16384];
  for (;;) {
    long n = in.Read(buf, sizeof buf);
    if (n < 0) return MakeError(ErrorKind::kIo, "cannot read the request from stdin");
    if (n == 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "request is larger than " + std::to_string(max) + " bytes");
    }
  }
}

// Everything after argument parsing. Sets `config_out` once the config is loaded, so the caller
// can record the run in the config's metrics textfile whatever the outcome.
int Answer(const std::optional<std::string>& flag, Io& io, Config& config_out,
           std::string& outcome) {
  auto fail = [&](const Error& e) {
    outcome = OutcomeForError(e.kind);
    PrintError(io, kName, e.message);
    return 1;
  };
  auto text = ReadCapped(io.in, kMaxRequestBytes);
  if (!text.ok()) return fail(text.error());
  auto request = DecodeRequest(*text);

  auto path = ConfigPathFrom(flag, io.getenv("PULLGUARD_CONFIG"));
  if (!path.ok()) return fail(request.ok() ? path.error() : request.error());
  ConfigDecode config = LoadConfig(*path, io.env);
  // A bad request is reported before a bad config, but is counted when the config is good.
  if (config.ok()) config_out = config.config;
  if (!request.ok()) return fail(request.error());
  if (!config.ok()) {
    std::string more = config.problems.size() > 1
                           ? " (and " + std::to_string(config.problems.size() - 1) +
                                 " more; run 'pullguard validate config " + *path + "')"
                           : "";
    return fail(MakeError(ErrorKind::kInvalidArgument,
                          "config " + *path + ": " + config.problems.front() + more));
  }
  Log(LogLevel::kDebug, "request.decoded",
      {{"apiVersion", ApiVersionString(request->version)},
       {"image", request->image},
       {"serviceAccountToken", !request->service_account_token.empty()},
       {"config", *path},
       {"registries", config.config.registries.size()}});

  ExchangeContext exchange =
      MakeExchangeContext(request->service_account_token, config.config.state_dir, io.now,
                          registry::ProxyConfigFromEnvironment(io.getenv));
  exchange.stale_if_error = config.config.stale_if_error;
  exchange.service_account_annotations = request->service_account_annotations;
  exchange.getenv = io.getenv;
  StateDirProofSink proofs(io.env, config.config.state_dir, exchange.deadline);
  auto response = Resolve(config.config, *request, io.env, ResolveOptions{&exchange, &proofs});
  if (!response.ok()) return fail(response.error());
  outcome = response->auth.empty() ? "no_match" : "ok";
  if (LogEnabled(LogLevel::kInfo)) {
    std::string keys;
    for (const KeyedCredential& k : response->auth) keys += (keys.empty() ? "" : ",") + k.key;
    Log(LogLevel::kInfo, "response.ready",
        {{"image", request->image},
         {"cacheKeyType", CacheKeyTypeName(response->cache_key_type)},
         {"cacheDuration", FormatCompactDuration(response->cache_duration.value_or(0))},
         {"authKeys", keys}});
  }
  io.out << EncodeResponse(*response);
  return 0;
}

}  // namespace

int RunGetCredentials(const std::vector<std::string>& args, Io& io) {
  GetCredentialsArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;

  auto started = std::chrono::steady_clock::now();
  CurrentRunCounters() = RunCounters{};
  Config config;
  std::string outcome;
  int rc = Answer(a.config, io, config, outcome);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Log(LogLevel::kInfo, "request.done",
      {{"outcome", outcome},
       {"seconds", seconds},
       {"tokenCacheHits", CurrentRunCounters().token_cache_hits},
       {"tokenRequests", CurrentRunCounters().token_requests},
       {"preflightRefusals", CurrentRunCounters().preflight_refusals}});
  if (!config.metrics_textfile.empty()) {
    // Metrics never change the answer: a failure to record them is a warning only.
    Status st = RecordRun(config.metrics_textfile,
                          RunRecord{outcome, seconds, CurrentRunCounters()}, io.env);
    if (!st.ok()) Log(LogLevel::kWarn, "metrics.write_failed", {{"error", st.error().message}});
  }
  return rc;
}

}  // namespace pullguard
