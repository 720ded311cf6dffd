// Exec latency of whole processes, the cost kubelet pays per pull: wall time, CPU (user+sys) and
// peak RSS of each child, commands interleaved round by round so that load drifting on a shared
// machine hits every command alike. hyperfine 1.15 cannot feed stdin from a file nor report RSS;
// scripts/bench.sh uses both and compares.
// Peak RSS is not rusage's ru_maxrss: that also counts the address space the child had before
// exec (the runner's own, several MiB under posix_spawn). A separate, untimed pass stops each
// child at exit under ptrace and reads VmHWM of the exec'ed image from /proc.
//
// Usage: exec_bench [-r RUNS] [-w WARMUP] [-i STDIN_FILE] [-c CONCURRENCY] [-p PREPARE_SH]
//                   [-o RAW_TSV] NAME 'COMMAND ARGS' [NAME 'COMMAND ARGS' ...]
//   COMMAND ARGS is split on spaces (no quoting); a last word "<FILE" is that command's stdin
//   (default: -i, else /dev/null). With -c K each sample starts K copies at once
//   and its wall time is first start to last exit (CPU and RSS: sum and max over the K).
//   PREPARE_SH runs through /bin/sh before every sample, untimed (e.g. to empty a cache).
// Prints one TSV line per command:
//   name runs wall_med wall_p25 wall_p75 wall_min cpu_med cpu_p25 cpu_p75 rss_med_kib rss_max_kib
// (times in ms). Exit 1 if any child fails.
#include <fcntl.h>
#include <spawn.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Command {
  std::string name;
  std::string stdin_file;
  std::vector<std::string> argv;
  std::vector<double> wall, cpu;
  std::vector<long> rss;
};

struct Options {
  int runs = 100;
  int warmup = 10;
  int concurrency = 1;
  std::string stdin_file = "/dev/null";
  std::string prepare;
  std::string raw;
};

double Ms(const timeval& tv) {
  return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

// One sample: K children at once. False when a child could not start or did not exit 0.
bool Sample(const Options& o, Command& c, bool record) {
  if (!o.prepare.empty() && std::system(o.prepare.c_str()) != 0) {
    std::fprintf(stderr, "exec_bench: prepare command failed\n");
    return false;
  }
  std::vector<char*> argv;
  for (std::string& a : c.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, c.stdin_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);

  auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  bool ok = true;
  for (int k = 0; k < o.concurrency; ++k) {
    pid_t pid = 0;
    int err = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    if (err != 0) {
      std::fprintf(stderr, "exec_bench: cannot start %s: %s\n", argv[0], std::strerror(err));
      ok = false;
      break;
    }
    pids.push_back(pid);
  }
  double cpu = 0;
  for (pid_t pid : pids) {
    int status = 0;
    rusage ru{};
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "exec_bench: %s exited with status %d\n", c.name.c_str(), status);
      ok = false;
    }
    cpu += Ms(ru.ru_utime) + Ms(ru.ru_stime);
  }
  double wall =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  posix_spawn_file_actions_destroy(&fa);
  if (ok && record) {
    c.wall.push_back(wall);
    c.cpu.push_back(cpu);
  }
  return ok;
}

// VmHWM (KiB) of one run of the command, read when the child is stopped at its exit; -1 on error.
long PeakRssKiB(const Options& o, const Command& c) {
  if (!o.prepare.empty() && std::system(o.prepare.c_str()) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int in = open(c.stdin_file.c_str(), O_RDONLY);
    int out = open("/dev/null", O_WRONLY);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(127);
    std::vector<char*> argv;
    for (const std::string& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  long hwm = -1;
  int status = 0;
  while (waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    int sig = WSTOPSIG(status);
    if (sig == SIGTRAP && (status >> 16) == 0 && hwm < 0) {
      // The stop after execv: from here on, stop again at exit.
      ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_TRACEEXIT));
      sig = 0;
    } else if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_EXIT) {
      std::ifstream f("/proc/" + std::to_string(pid) + "/status");
      for (std::string line; std::getline(f, line);) {
        if (line.rfind("VmHWM:", 0) == 0) hwm = std::atol(line.c_str() + 6);
      }
      sig = 0;
    }
    ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return hwm;
}

template <class T>
T Quantile(std::vector<T> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

int Usage() {
  std::fprintf(stderr,
               "usage: exec_bench [-r RUNS] [-w WARMUP] [-i STDIN] [-c K] [-p PREPARE_SH] "
               "[-o RAW_TSV] NAME 'CMD ARGS' ...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int opt;
  while ((opt = getopt(argc, argv, "+r:w:i:c:p:o:")) != -1) {
    switch (opt) {
      case 'r':
        o.runs = std::atoi(optarg);
        break;
      case 'w':
        o.warmup = std::atoi(optarg);
        break;
      case 'i':
        o.stdin_file = optarg;
        break;
      case 'c':
        o.concurrency = std::atoi(optarg);
        break;
      case 'p':
        o.prepare = optarg;
        break;
      case 'o':
        o.raw = optarg;
        break;
      default:
        return Usage();
    }
  }
  if (o.runs < 1 || o.concurrency < 1 || o.warmup < 0 || (argc - optind) < 2 ||
      (argc - optind) % 2 != 0) {
    return Usage();
  }
  std::vector<Command> commands;
  for (int i = optind; i < argc; i += 2) {
    Command c;
    c.name = argv[i];
    std::istringstream words(argv[i + 1]);
    for (std::string w; words >> w;) c.argv.push_back(w);
    c.stdin_file = o.stdin_file;
    if (!c.argv.empty() && c.argv.back().size() > 1 && c.argv.back()[0] == '<') {
      c.stdin_file = c.argv.back().substr(1);
      c.argv.pop_back();
    }
    if (c.argv.empty()) return Usage();
    commands.push_back(std::move(c));
  }
  for (int r = 0; r < o.warmup; ++r) {
    for (Command& c : commands) {
      if (!Sample(o, c, false)) return 1;
    }
  }
  for (int r = 0; r < o.runs; ++r) {
    for (Command& c : commands) {
      if (!Sample(o, c, true)) return 1;
    }
  }
  for (Command& c : commands) {
    for (int k = 0; k < 5; ++k) {
      long kib = PeakRssKiB(o, c);
      if (kib < 0) {
        std::fprintf(stderr, "exec_bench: cannot measure the peak RSS of %s\n", c.name.c_str());
        return 1;
      }
      c.rss.push_back(kib);
    }
  }
  FILE* raw = o.raw.empty() ? nullptr : std::fopen(o.raw.c_str(), "w");
  for (const Command& c : commands) {
    std::printf("%s\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%ld\t%ld\n", c.name.c_str(),
                c.wall.size(), Quantile(c.wall, 0.5), Quantile(c.wall, 0.25),
                Quantile(c.wall, 0.75), Quantile(c.wall, 0.0), Quantile(c.cpu, 0.5),
                Quantile(c.cpu, 0.25), Quantile(c.cpu, 0.75), Quantile(c.rss, 0.5),
                Quantile(c.rss, 1.0));
    for (std::size_t i = 0; raw && i < c.wall.size(); ++i) {
      std::fprintf(raw, "%s\t%zu\t%.3f\t%.3f\n", c.name.c_str(), i, c.wall[i], c.cpu[i]);
    }
  }
  if (raw) std::fclose(raw);
  return 0;
}
