// Doctor's checks that need no network: pullguard's config and the files it names, the state dir,
// the metrics textfile, kubelet's CredentialProviderConfig and the binary kubelet will run.
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <variant>
#include <vector>

#include "base/quote.h"
#include "plugin/kubelet/protocol.h"
#include "plugin/ops/doctor.h"
#include "plugin/sources/source.h"

extern char** environ;

namespace pullguard {
namespace {

std::string Mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

void Ok(Report& r, std::string name, std::string detail) {
  r.push_back({CheckState::kOk, std::move(name), std::move(detail), ""});
}
void Fail(Report& r, std::string name, std::string detail, std::string fix) {
  r.push_back({CheckState::kFail, std::move(name), std::move(detail), std::move(fix)});
}
void Skip(Report& r, std::string name, std::string detail) {
  r.push_back({CheckState::kSkip, std::move(name), std::move(detail), ""});
}

std::string Dirname(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void CheckStateDir(const std::string& dir, Env& env, Report& r) {
  const std::string name = "state-dir";
  auto st = env.Stat(dir);
  if (st.ok() && st->exists && !st->is_dir) {
    Fail(r, name, dir + " exists but is not a directory",
         "remove it or set stateDir to a directory path");
    return;
  }
  if (st.ok() && st->exists && (st->mode & 077) != 0) {
    Fail(r, name, dir + " is mode " + Mode(st->mode) + "; it holds tokens and pull records",
         "chmod 700 " + dir);
    return;
  }
  // The Env checks the directory and those above it (owner, mode, no link) as every command does.
  if (Status c = env.CreateDirs(dir, 0700); !c.ok()) {
    Fail(r, name, c.error().message,
         c.error().kind == ErrorKind::kPermission
             ? "fix the directory named above, or set stateDir elsewhere"
             : "create " + dir + " (mode 0700) or set stateDir elsewhere");
    return;
  }
  const std::string probe = dir + "/.pullguard-doctor-probe";
  if (Status w = env.WriteFileAtomic(probe, "probe\n", 0600); !w.ok()) {
    Fail(r, name, "not writable: " + w.error().message,
         "make " + dir + " a writable directory on a local file system");
    return;
  }
  (void)env.RemoveFile(probe);
  Ok(r, name, dir + " is a private, writable directory");
}

void CheckMetricsTextfile(const std::string& path, Env& env, Report& r) {
  const std::string name = "metrics.textfile";
  if (path.empty()) {
    Skip(r, name, "not configured");
    return;
  }
  auto st = env.Stat(path);
  if (st.ok() && st->is_dir) {
    Fail(r, name, path + " is a directory", "set metrics.textfile to a file path (*.prom)");
    return;
  }
  const std::string dir = Dirname(path);
  auto d = env.Stat(dir);
  if (!d.ok() || !d->exists || !d->is_dir) {
    Fail(r, name, dir + " is not a directory",
         "create it (node_exporter's --collector.textfile.directory) or fix the path");
    return;
  }
  const std::string probe = dir + "/.pullguard-doctor-probe";
  if (Status w = env.SharedDirectories().WriteFileAtomic(probe, "probe\n", 0644); !w.ok()) {
    Fail(r, name, "cannot write in " + dir + ": " + w.error().message,
         "make " + dir + " writable for the user kubelet runs as");
    return;
  }
  (void)env.SharedDirectories().RemoveFile(probe);
  Ok(r, name, path + " can be written");
}

// The provider that runs pullguard with this config: args name the config path.
const KubeletCredentialProvider* FindProvider(const KubeletConfig& k, const std::string& config) {
  for (const KubeletCredentialProvider& p : k.providers) {
    for (std::size_t i = 0; i < p.args.size(); ++i) {
      if (p.args[i] == "--config=" + config) return &p;
      if (p.args[i] == "--config" && i + 1 < p.args.size() && p.args[i + 1] == config) return &p;
    }
  }
  return nullptr;
}

bool NeedsServiceAccountToken(const Config& c) {
  for (const RegistryEntry& e : c.registries) {
    const auto* gcp = std::get_if<GcpSourceSpec>(&e.source);
    if (std::holds_alternative<TokenExchangeSourceSpec>(e.source) ||
        std::holds_alternative<FederatedTokenSourceSpec>(e.source) ||
        (gcp != nullptr && !gcp->workload_identity_provider.empty())) {
      return true;
    }
    if (auto* a = std::get_if<AcrSourceSpec>(&e.source); a && a->require_service_account_token) {
      return true;
    }
  }
  return false;
}

// Per-pod Google identity needs kubelet's token for the provider's audience, and the annotation
// naming the account to impersonate among the keys kubelet passes on.
void CheckGcpTokenAttributes(const KubeletCredentialProvider& p, const Config& c, Report& r) {
  for (std::size_t i = 0; i < c.registries.size(); ++i) {
    const auto* gcp = std::get_if<GcpSourceSpec>(&c.registries[i].source);
    if (gcp == nullptr || gcp->workload_identity_provider.empty() || !p.token_attributes) continue;
    const KubeletTokenAttributes& t = *p.token_attributes;
    const std::string name = "kubelet-config registries[" + std::to_string(i) + "] gcp";
    if (t.service_account_token_audience != gcp->workload_identity_provider) {
      Fail(r, name,
           "tokenAttributes.serviceAccountTokenAudience " +
               QuoteForError(t.service_account_token_audience) +
               " is not the workloadIdentityProvider: Google STS refuses such tokens",
           "set serviceAccountTokenAudience to " + gcp->workload_identity_provider);
      continue;
    }
    const std::string& key = gcp->service_account_annotation;
    bool passed = false;
    for (const auto* keys : {&t.required_service_account_annotation_keys,
                             &t.optional_service_account_annotation_keys}) {
      for (const std::string& k : *keys) passed = passed || k == key;
    }
    if (!passed) {
      Fail(r, name,
           "kubelet does not pass the annotation " + QuoteForError(key) +
               ", so no pod can impersonate a Google service account",
           "add " + key + " to tokenAttributes.optionalServiceAccountAnnotationKeys");
      continue;
    }
    Ok(r, name,
       "kubelet sends tokens for the workload identity provider and the " + key + " annotation");
  }
}

void CheckKubelet(const DoctorOptions& o, const std::optional<Config>& config, Env& env, Report& r,
                  std::string& binary_name) {
  KubeletConfigCheck check = CheckKubeletConfig(o.kubelet_config, env);
  if (!check.ok()) {
    for (const std::string& p : check.problems) {
      Fail(r, "kubelet-config", p,
           "kubelet refuses to start with this file; run 'pullguard validate kubelet-config " +
               o.kubelet_config + "'");
    }
    return;
  }
  Ok(r, "kubelet-config",
     o.kubelet_config + " is valid (" + std::to_string(check.config.providers.size()) +
         (check.config.providers.size() == 1 ? " provider)" : " providers)"));
  const KubeletCredentialProvider* p = FindProvider(check.config, o.config_path);
  if (p == nullptr) {
    Fail(r, "kubelet-config provider", "no provider passes --config=" + o.config_path,
         "add a provider with args: [\"get-credentials\", \"--config=" + o.config_path +
             "\"] (see config-examples/kubelet-credential-provider-config.yaml)");
    return;
  }
  binary_name = p->name;
  // Global flags (--log-level) may come first; the command must follow.
  std::size_t first = 0;
  while (first < p->args.size() && p->args[first].rfind("--log-level", 0) == 0) {
    first += p->args[first].find('=') == std::string::npos ? 2 : 1;
  }
  if (first >= p->args.size() || p->args[first] != "get-credentials") {
    Fail(r, "kubelet-config provider",
         "provider " + QuoteForError(p->name) + " does not run the get-credentials command",
         "make \"get-credentials\" the first argument in its args");
  } else {
    Ok(r, "kubelet-config provider",
       "provider " + QuoteForError(p->name) + " runs get-credentials with this config");
  }
  bool known = p->api_version == ApiVersionString(ProtocolVersion::kV1) ||
               p->api_version == ApiVersionString(ProtocolVersion::kV1beta1) ||
               p->api_version == ApiVersionString(ProtocolVersion::kV1alpha1);
  if (!known) {
    Fail(r, "kubelet-config apiVersion",
         "provider apiVersion " + QuoteForError(p->api_version) + " is not one pullguard answers",
         "use credentialprovider.kubelet.k8s.io/v1");
  } else if (config && NeedsServiceAccountToken(*config) &&
             (p->api_version != ApiVersionString(ProtocolVersion::kV1) || !p->token_attributes)) {
    Fail(r, "kubelet-config apiVersion",
         "the config has entries that need the pod's token (tokenExchange, federatedToken, gcp "
         "with workloadIdentityProvider, acr with requireServiceAccountToken) but kubelet sends "
         "no service-account token",
         "set apiVersion credentialprovider.kubelet.k8s.io/v1 and tokenAttributes on the provider "
         "(Kubernetes 1.33+)");
  } else {
    Ok(r, "kubelet-config apiVersion", p->api_version + " (pullguard answers it)");
  }
  if (!config) return;
  CheckGcpTokenAttributes(*p, *config, r);
  std::vector<std::string> uncovered;
  for (const RegistryEntry& e : config->registries) {
    for (const std::string& pattern : e.match) {
      bool covered = false;
      for (const std::string& m : p->match_images) {
        covered = covered || PatternCoversRegistry(m, RegistryOf(pattern));
      }
      if (!covered) uncovered.push_back(pattern);
    }
    // A mirrored registry's images must reach pullguard too: kubelet asks for the upstream name.
    for (const MirrorRoute& m : e.mirrors) {
      bool covered = false;
      for (const std::string& mi : p->match_images) {
        covered = covered || PatternCoversRegistry(mi, m.upstream);
      }
      if (!covered) uncovered.push_back(m.upstream);
    }
  }
  if (uncovered.empty()) {
    Ok(r, "kubelet-config matchImages", "every pullguard pattern's registry is in matchImages");
  } else {
    std::string list;
    for (const std::string& u : uncovered) list += (list.empty() ? "" : ", ") + QuoteForError(u);
    Fail(r, "kubelet-config matchImages",
         "kubelet never asks pullguard about " + list + " (not covered by matchImages)",
         "add the registries to the provider's matchImages");
  }
}

// Runs `binary version` with a 10 s limit; the first line of its stdout, or an error text.
Result<std::string> RunVersionOf(const std::string& binary) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return MakeError(ErrorKind::kIo, "pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::string arg0 = binary, arg1 = "version";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return MakeError(ErrorKind::kIo, "cannot run it: " + std::string(strerror(rc)));
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[512];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    if (out.size() < 4096) out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) return MakeError(ErrorKind::kUnavailable, "'version' did not finish in 10 s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(
        ErrorKind::kIo,
        "'version' failed (exit status " +
            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
            "; missing libraries or wrong architecture?)");
  }
  return out.substr(0, out.find('\n'));
}

// Is the ELF file at `path` linked without a dynamic loader (no PT_INTERP)? Such a pullguard is
// the static front, which hands every exec that needs the network to pullguard-net
// (plugin/front/network_handoff.h); a dynamically linked pullguard loads libcurl itself.
Result<bool> IsStaticExecutable(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(ErrorKind::kIo, "cannot open it: " + std::string(strerror(errno)));
  Elf64_Ehdr eh{};
  bool ok = pread(fd, &eh, sizeof eh, 0) == static_cast<ssize_t>(sizeof eh) &&
            std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
            eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum < 256;
  std::vector<Elf64_Phdr> ph(ok ? eh.e_phnum : 0);
  std::size_t bytes = ph.size() * sizeof(Elf64_Phdr);
  ok = ok &&
       pread(fd, ph.data(), bytes, static_cast<off_t>(eh.e_phoff)) == static_cast<ssize_t>(bytes);
  close(fd);
  if (!ok) return MakeError(ErrorKind::kInvalidArgument, "not a 64-bit ELF executable");
  for (const Elf64_Phdr& p : ph) {
    if (p.p_type == PT_INTERP) return false;
  }
  return true;
}

// pullguard-net beside the binary's real file, where the static front looks for it.
void CheckNetworkHelper(const std::string& binary, const std::string& version, Report& r) {
  const std::string check = "network-helper";
  char real[PATH_MAX];
  if (realpath(binary.c_str(), real) == nullptr) {
    Fail(r, check, binary + ": cannot resolve its path: " + strerror(errno), "ls -l " + binary);
    return;
  }
  const std::string helper = Dirname(real) + "/pullguard-net";
  const std::string install = "install -m 0755 <pullguard-net of the same build> " + helper;
  // Only the static front uses a helper: beside a dynamically linked pullguard, a leftover
  // pullguard-net is never run, so it is not checked.
  auto is_static = IsStaticExecutable(real);
  if (!is_static.ok()) {
    Skip(r, check,
         std::string(real) + ": " + is_static.error().message +
             ", so whether it needs pullguard-net is unknown");
    return;
  }
  if (!*is_static) {
    Skip(r, check, std::string(real) + " is linked dynamically and loads libcurl itself");
    return;
  }
  struct stat st {};
  if (lstat(helper.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      Fail(r, check,
           helper + " does not exist: " + real +
               " is the static front, so every request that needs the network would fail",
           install);
    } else {
      Fail(r, check, helper + ": " + strerror(errno), install);
    }
    return;
  }
  // The front's own rules (network_handoff.h): no link, a regular file, written only by its owner,
  // owned by root or the user that runs it.
  if (!S_ISREG(st.st_mode)) {
    Fail(r, check, helper + " is not a regular file (the front follows no symbolic link)", install);
    return;
  }
  // (The front compares the owner with the user it runs as, kubelet's; doctor can only compare it
  // with its own, so run doctor as that user, usually root.)
  if ((st.st_mode & 022) != 0 || (st.st_uid != 0 && st.st_uid != geteuid())) {
    Fail(r, check,
         helper +
             " is writable by group or others, or owned by neither root nor this user; the "
             "front will not run it",
         "chown root " + helper + " && chmod 755 " + helper);
    return;
  }
  auto v = RunVersionOf(helper);
  if (!v.ok()) {
    Fail(r, check, helper + ": " + v.error().message, install);
    return;
  }
  if (*v != version) {
    Fail(r, check,
         helper + " is " + *v + ", the front " + version + ": install both from one build",
         install);
    return;
  }
  Ok(r, check, helper + " runs (" + *v + ")");
}

void CheckBinary(const std::string& dir, const std::string& name, Env& env, Report& r) {
  const std::string check = "bin-dir";
  const std::string path = dir + "/" + name;
  auto st = env.Stat(path);
  std::string install = "install -m 0755 <pullguard binary> " + path;
  if (!st.ok() || !st->exists) {
    Fail(r, check, path + " does not exist (kubelet runs the provider's name from its bin dir)",
         install);
    return;
  }
  if (st->is_dir) {
    Fail(r, check, path + " is a directory", install);
    return;
  }
  if ((st->mode & 0111) == 0) {
    Fail(r, check, path + " is not executable (mode " + Mode(st->mode) + ")", "chmod 755 " + path);
    return;
  }
  if ((st->mode & 022) != 0) {
    Fail(r, check, path + " is writable by group or others (mode " + Mode(st->mode) + ")",
         "chmod 755 " + path);
    return;
  }
  auto v = RunVersionOf(path);
  if (!v.ok()) {
    Fail(r, check, path + ": " + v.error().message, install);
    return;
  }
  if (v->rfind("pullguard ", 0) != 0) {
    Fail(r, check, path + " is not pullguard (its 'version' printed something else)", install);
    return;
  }
  Ok(r, check, path + " runs (" + *v + ")");
  CheckNetworkHelper(path, *v, r);
}

}  // namespace

void CheckLocal(const DoctorOptions& o, Env& env, Report& r, std::optional<Config>& config) {
  ConfigDecode d = LoadConfig(o.config_path, env);
  if (!d.ok()) {
    for (const std::string& p : d.problems) {
      Fail(r, "config", p, "run 'pullguard validate config " + o.config_path + "'");
    }
  } else {
    Ok(r, "config",
       o.config_path + " is valid (" + std::to_string(d.config.registries.size()) +
           " registry entries)");
    config = d.config;
  }
  auto st = env.Stat(o.config_path);
  if (st.ok() && st->exists && (st->mode & 022) != 0) {
    Fail(r, "config permissions",
         o.config_path + " is writable by group or others (mode " + Mode(st->mode) + ")",
         "chmod 600 " + o.config_path);
  } else if (st.ok() && st->exists) {
    Ok(r, "config permissions", "mode " + Mode(st->mode));
  }
  if (config) {
    for (std::size_t i = 0; i < config->registries.size(); ++i) {
      auto source = MakeSource(config->registries[i]);
      std::string name = "registries[" + std::to_string(i) + "] files";
      Status s = source->Check(env);
      if (!s.ok()) {
        Fail(r, name, s.error().message,
             "the file must exist, decode, be owned by kubelet's user and be mode 0600");
      } else {
        Ok(r, name, std::string(source->kind()) + " source is readable and private");
      }
    }
    CheckMirrors(o, *config, env, r);
    CheckStateDir(config->state_dir, env, r);
    CheckMetricsTextfile(config->metrics_textfile, env, r);
  }
  std::string binary_name = "pullguard";
  if (o.kubelet_config.empty()) {
    Skip(r, "kubelet-config", "no --kubelet-config given");
  } else {
    CheckKubelet(o, config, env, r, binary_name);
  }
  if (o.bin_dir.empty()) {
    Skip(r, "bin-dir", "no --bin-dir given");
  } else {
    CheckBinary(o.bin_dir, binary_name, env, r);
  }
}

}  // namespace pullguard
