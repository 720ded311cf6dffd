// Verification-cache benchmark: decisions per second from the in-memory index vs reading the
// record file per decision (kubelet's path once its 2000-entry LRU overflows), the cold build of
// the index from N record files (page cache warm: the setup just wrote them), and resident memory
// per indexed record. Uses only APIs main had before the index was rewritten, so the same source
// measures the "before" build too (bench/NOTES.md).
// Usage: cache_bench [records=100000] [dir]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/env_posix.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"
#include "cache/record_index.h"
#include "cache/record_store.h"

using namespace pullguard;
using Clock = std::chrono::steady_clock;

namespace {

long RssKiB() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string Ref(std::size_t i) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "sha256:%064zx", i * 2654435761u);
  return buf;
}

ImagePulledRecord MakeRecord(std::size_t i) {
  ImagePulledRecord r;
  r.image_ref = Ref(i);
  r.last_updated_time = std::chrono::sys_seconds(std::chrono::seconds(1700000000 + i));
  auto& c = r.credential_mapping["registry.example/team-" + std::to_string(i % 500) + "/app-" +
                                 std::to_string(i)];
  c.kubernetes_secrets.push_back({"uid-" + std::to_string(i), "ns-" + std::to_string(i % 500),
                                  "pull-secret", std::string(64, 'a' + static_cast<char>(i % 6))});
  return r;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU seconds of this thread, and of the whole process (every thread): on a shared, loaded
// machine these say what the work costs, where wall time also says how busy the machine was.
double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  std::string root = argc > 2 ? argv[2] : "/tmp/pullguard-cache-bench";
  std::filesystem::remove_all(root);
  FileRecordStore store(DefaultEnv(), root);
  if (!store.Init().ok()) return 1;

  // Setup: plain writes (no fsync) so the setup does not dominate the run.
  auto t0 = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    std::ofstream(store.RecordPath(Ref(i))) << EncodePulledRecord(MakeRecord(i));
  }
  double setup = Seconds(Clock::now() - t0);

  long rss_before = RssKiB();
  RecordIndex index(store);
  t0 = Clock::now();
  double cpu0 = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  if (!index.Load().ok()) return 1;
  double build = Seconds(Clock::now() - t0);
  double build_cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  long rss_after = RssKiB();
  if (index.record_count() != n) {
    std::fprintf(stderr, "index holds %zu of %zu records\n", index.record_count(), n);
    return 1;
  }

  auto policy = *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {});
  PullManager via_index(index, policy);
  PullManager via_files(store, policy);
  // The requests are built before the clock starts, in the order they are asked: a caller has its
  // strings at hand (hot in cache), while the records they name are spread over the index (cold).
  // The same seeded random sequence for both sides; the file side uses its first part.
  struct Request {
    std::string image;
    std::string image_ref;
    std::vector<PodSecret> pod;
  };
  std::mt19937_64 rng(42);
  std::vector<Request> requests(std::size_t{1} << 17);
  for (Request& r : requests) {
    std::size_t i = rng() % n;
    r.image =
        "registry.example/team-" + std::to_string(i % 500) + "/app-" + std::to_string(i) + ":v1";
    r.image_ref = Ref(i);
    r.pod = {{"uid-" + std::to_string(i), "ns-" + std::to_string(i % 500), "pull-secret",
              std::string(64, 'a' + static_cast<char>(i % 6))}};
  }
  // Up to `count` decisions, stopping after `seconds` (the file side would otherwise take minutes
  // on a loaded machine). Rates per wall second and per CPU second of this thread.
  auto decide = [&](PullManager& m, std::size_t count, double seconds) {
    std::size_t done = 0;
    std::size_t local = 0;
    auto start = Clock::now();
    double cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    while (done < count) {
      std::size_t stop = std::min(count, done + 4096);
      for (; done < stop; ++done) {
        const Request& r = requests[done % requests.size()];
        local +=
            m.MustAttemptImagePull(r.image, r.image_ref, r.pod, std::nullopt).must_pull ? 0 : 1;
      }
      if (Seconds(Clock::now() - start) >= seconds) break;
    }
    double s = Seconds(Clock::now() - start);
    double cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    if (local != done) std::fprintf(stderr, "unexpected pulls: %zu of %zu verified\n", local, done);
    return std::pair<double, double>(done / s, done / cpu);
  };
  auto [mem_rate, mem_cpu_rate] = decide(via_index, 4000000, 2.0);
  auto [file_rate, file_cpu_rate] = decide(via_files, 20000, 2.0);

  std::printf("cache_bench: %zu records (setup %.1f s)\n", n, setup);
  std::printf("  cold index build: %.2f s (%.0f records/s), %.2f s CPU (all threads)\n", build,
              n / build, build_cpu);
  std::printf("  decisions/s, in-memory index: %.0f (per CPU second: %.0f)\n", mem_rate,
              mem_cpu_rate);
  std::printf("  decisions/s, file per decision (baseline): %.0f (per CPU second: %.0f)\n",
              file_rate, file_cpu_rate);
  std::printf("  ratio index/file: %.1fx\n", mem_rate / file_rate);
  std::printf("  resident memory per record: %.0f bytes (%.1f MiB for %zu)\n",
              (rss_after - rss_before) * 1024.0 / n, (rss_after - rss_before) / 1024.0, n);
  std::printf("  projected for 1M records: %.0f MiB\n",
              (rss_after - rss_before) * 1024.0 / n * 1e6 / (1 << 20));
  std::filesystem::remove_all(root);
  return 0;
}
