// Prometheus textfile metrics for get-credentials (`metrics.textfile` in the config). An exec
// lives too briefly to be scraped, so each run adds its counts to the file under a lock and
// rewrites it atomically; node_exporter's textfile collector publishes it. Names: docs/metrics.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/env.h"
#include "base/result.h"

namespace pullguard {

// Token and preflight events of the current run, bumped where they happen (plugin/ only) and
// read once at the end. Plain counters: a run is one thread.
struct RunCounters {
  std::uint64_t token_cache_hits = 0;
  std::uint64_t token_requests = 0;
  std::uint64_t preflight_refusals = 0;
};
RunCounters& CurrentRunCounters();
// After a token cache lookup: `fetched` is GetOrFetch's out-parameter (true: a token request).
void NoteTokenLookup(bool fetched);

// Upper bounds of the latency histogram buckets, seconds (+Inf is implied).
inline constexpr std::array<double, 12> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10,  30};

// One finished get-credentials run.
struct RunRecord {
  std::string outcome;  // "ok", "no_match", or the error kind ("network", "unauthorized", ...)
  double seconds = 0;
  RunCounters counters;
};

// The metric samples a textfile holds: "name{labels}" -> value.
using MetricSamples = std::map<std::string, double>;

// Reads what an earlier run wrote (lines that are not "<sample> <number>" are ignored).
MetricSamples ParseMetricSamples(std::string_view text);
// Adds one run to the samples.
void AddRun(MetricSamples& samples, const RunRecord& run);
// The text exposition format, with HELP and TYPE lines, stable order.
std::string RenderMetrics(const MetricSamples& samples);

// The outcome label for an error kind ("invalid_argument" is reported as "invalid_request").
std::string_view OutcomeForError(ErrorKind kind);

// Locks <path>.lock (2 s at most), reads the file, adds the run, writes it back atomically
// (mode 0644: metrics hold no secrets). Errors name the path.
Status RecordRun(const std::string& path, const RunRecord& run, Env& env);

}  // namespace pullguard
