// The textfile behind plugin/ops/metrics.h: parse what is there, add one run, write it back.
#include "plugin/ops/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace pullguard {
namespace {

constexpr std::string_view kOutcomes[] = {
    "ok", "no_match", "invalid_request", "not_found",   "permission", "corrupt",
    "io", "network",  "unauthorized",    "unavailable", "internal"};

std::string Number(double v) {
  char buf[64];
  // Integral test without std::floor, which alone would make every exec load libm.
  if (std::fabs(v) < 1e15 && v == static_cast<double>(static_cast<long long>(v))) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

std::string BucketKey(std::string_view le) {
  return "pullguard_request_duration_seconds_bucket{le=\"" + std::string(le) + "\"}";
}

}  // namespace

RunCounters& CurrentRunCounters() {
  static RunCounters counters;
  return counters;
}

void NoteTokenLookup(bool fetched) {
  if (fetched) {
    ++CurrentRunCounters().token_requests;
  } else {
    ++CurrentRunCounters().token_cache_hits;
  }
}

std::string_view OutcomeForError(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid_request";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kPermission:
      return "permission";
    case ErrorKind::kCorrupt:
      return "corrupt";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kNetwork:
      return "network";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

MetricSamples ParseMetricSamples(std::string_view text) {
  MetricSamples out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    std::size_t sp = line.rfind(' ');
    if (sp == std::string_view::npos || sp == 0) continue;
    std::string_view value = line.substr(sp + 1);
    // strtod, not std::from_chars<double>: libstdc++'s floating from_chars needs libm's
    // fegetround, and libm would then be loaded by every exec (docs/BENCHMARKS.md). pullguard
    // never calls setlocale, so strtod reads the C locale's '.'.
    // Only what from_chars read: decimal digits, point, exponent (no hex, no '+' or blank first).
    std::string digits(value);
    if (digits.empty() || digits.find_first_not_of("0123456789.eE+-") != std::string::npos ||
        digits[0] == '+') {
      continue;
    }
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size() || errno != 0 || !std::isfinite(v) || v < 0) {
      continue;
    }
    out[std::string(line.substr(0, sp))] = v;
  }
  return out;
}

void AddRun(MetricSamples& s, const RunRecord& run) {
  s["pullguard_requests_total{outcome=\"" + run.outcome + "\"}"] += 1;
  s["pullguard_token_cache_hits_total"] += static_cast<double>(run.counters.token_cache_hits);
  s["pullguard_token_requests_total"] += static_cast<double>(run.counters.token_requests);
  s["pullguard_preflight_refusals_total"] += static_cast<double>(run.counters.preflight_refusals);
  for (double le : kLatencyBuckets) {
    s[BucketKey(Number(le))] += run.seconds <= le ? 1 : 0;
  }
  s[BucketKey("+Inf")] += 1;
  s["pullguard_request_duration_seconds_sum"] += run.seconds;
  s["pullguard_request_duration_seconds_count"] += 1;
}

std::string RenderMetrics(const MetricSamples& s) {
  auto get = [&](const std::string& k) {
    auto it = s.find(k);
    return it == s.end() ? 0.0 : it->second;
  };
  std::string out;
  auto line = [&](const std::string& k) { out += k + " " + Number(get(k)) + "\n"; };
  auto head = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  head("pullguard_requests_total", "counter",
       "get-credentials runs by outcome (ok, no_match, or the error kind).");
  // Every known outcome is written (0 included) so rate() and alerts see the series from the
  // start; an outcome a later version adds survives a round trip through an older one.
  std::vector<std::string> outcomes(std::begin(kOutcomes), std::end(kOutcomes));
  const std::string prefix = "pullguard_requests_total{outcome=\"";
  for (const auto& [k, v] : s) {
    if (k.rfind(prefix, 0) != 0 || k.size() < prefix.size() + 2) continue;
    std::string o = k.substr(prefix.size(), k.size() - prefix.size() - 2);
    bool known = false;
    for (const std::string& x : outcomes) known = known || x == o;
    if (!known) outcomes.push_back(o);
  }
  for (const std::string& o : outcomes) line(prefix + o + "\"}");
  head("pullguard_token_cache_hits_total", "counter",
       "Registry/exchange tokens served from the state dir's token cache.");
  line("pullguard_token_cache_hits_total");
  head("pullguard_token_requests_total", "counter",
       "Tokens fetched over the network (cache misses).");
  line("pullguard_token_requests_total");
  head("pullguard_preflight_refusals_total", "counter",
       "verify: true preflights that failed (credential refused, repository unknown, ...).");
  line("pullguard_preflight_refusals_total");
  head("pullguard_request_duration_seconds", "histogram",
       "Wall time of get-credentials runs, request read to response ready.");
  for (double le : kLatencyBuckets) line(BucketKey(Number(le)));
  line(BucketKey("+Inf"));
  line("pullguard_request_duration_seconds_sum");
  line("pullguard_request_duration_seconds_count");
  return out;
}

Status RecordRun(const std::string& path, const RunRecord& run, Env& env) {
  // node-exporter's textfile directory often belongs to another user: its owner is not checked,
  // but the lock and temp files are never opened through a link (temp files are created
  // exclusively) and the textfile is read only if it is a regular file (base/env.h).
  Env& files = env.SharedDirectories();
  auto lock = files.LockFile(path + ".lock", std::chrono::seconds(2));
  if (!lock.ok()) return MakeError(lock.error().kind, "metrics " + lock.error().message);
  MetricSamples samples;
  auto text = files.ReadFile(path, 1 << 20);
  if (text.ok()) {
    samples = ParseMetricSamples(*text);
  } else if (text.error().kind != ErrorKind::kNotFound) {
    return MakeError(text.error().kind, "metrics " + text.error().message);
  }
  AddRun(samples, run);
  Status w = files.WriteFileAtomic(path, RenderMetrics(samples), 0644);
  if (!w.ok()) return MakeError(w.error().kind, "metrics " + w.error().message);
  return Status::Ok();
}

}  // namespace pullguard
