// `pullguard doctor`: the checks an operator runs on a node when pulls fail. Each check gives one
// line: its name, whether it passed, what was found and, on failure, how to fix it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "cache/runtime_images.h"
#include "plugin/config/config.h"
#include "plugin/kubelet/kubelet_config.h"
#include "registry/proxy.h"

namespace pullguard {

// kWarn: worth the operator's attention, not a failure (the exit code stays 0).
enum class CheckState { kOk, kFail, kSkip, kWarn };

struct CheckLine {
  CheckState state = CheckState::kOk;
  std::string name;    // "config", "state-dir", "registry 127.0.0.1:5000", ...
  std::string detail;  // what was found; never a secret
  std::string fix;     // failures only: what to do about it
};

struct DoctorOptions {
  std::string config_path;
  std::string kubelet_config;       // empty: kubelet checks skipped
  std::string bin_dir;              // empty: binary checks skipped
  std::vector<std::string> images;  // extra dry runs of full requests (--image)
  std::function<std::chrono::system_clock::time_point()> now;
  // The clock skew a registry's Date header may show before it is a failure.
  std::chrono::seconds max_skew{60};
  // The process's proxy variables (registry::ProxyConfigFromEnvironment), as get-credentials uses.
  registry::ProxyConfig proxy;
  // The process environment, as get-credentials reads it (cloud endpoints: GCE_METADATA_HOST, the
  // ecr source's AWS_* variables).
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // containerd's registry config_path (hosts.toml per registry), for the mirror entries' checks.
  std::string containerd_hosts_dir = "/etc/containerd/certs.d";
};

using Report = std::vector<CheckLine>;

// Local checks (plugin/ops/doctor_local.cc): config, its files and permissions, state dir, metrics
// textfile, kubelet's CredentialProviderConfig and the binary in the bin dir. `config` is the
// decoded config when it loaded (else nullopt: the network checks are skipped).
void CheckLocal(const DoctorOptions& o, Env& env, Report& report, std::optional<Config>& config);

// Network checks (plugin/ops/doctor_registry.cc): per registry host, reachability (TLS), challenge
// type and clock skew; per entry, a dry run of its credential against the registry; per --image,
// the full get-credentials resolution.
void CheckRegistries(const DoctorOptions& o, const Config& config, Env& env, Report& report);

// The ecr entry `i` (plugin/ops/doctor_ecr.cc): which link of the AWS identity chain answers, and
// one signed GetAuthorizationToken call.
void CheckEcrEntry(const DoctorOptions& o, const Config& config, std::size_t i, Env& env,
                   Report& report);

// The mirror entries (plugin/ops/doctor_mirrors.cc): for each upstream registry, whether
// containerd's hosts.toml sends its images to the mirror pullguard answers for.
void CheckMirrors(const DoctorOptions& o, const Config& config, Env& env, Report& report);
// Kubelet's image pull records under `dir` (plugin/ops/doctor_records.cc, --records): the
// directory is one, every file reads, and no imageRef is reached from images of several
// repositories (a warning: kubernetes/kubernetes#138175, cache/shared_digest.h). With the
// runtime's image list (--runtime-images), also no image whose runtime names include a repository
// its record does not map while the content has names in several repositories (the preloaded
// names that must verify).
void CheckRecords(const std::string& dir, Env& env, Report& report,
                  const RuntimeImageList* runtime = nullptr);

// The clock line for a registry whose answer carried `date` (its Date header, if any).
CheckLine ClockCheck(const std::string& host, const std::optional<std::string>& date,
                     std::chrono::system_clock::time_point now, std::chrono::seconds max_skew);

}  // namespace pullguard
