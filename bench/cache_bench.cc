// Verification-cache benchmark: decisions per second from the in-memory index vs reading the
// record file per decision (kubelet's path once its 2000-entry LRU overflows), the cold build of
// the index from N record files, and resident memory per indexed record.
// Usage: cache_bench [records=100000] [dir]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

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
  if (!index.Load().ok()) return 1;
  double build = Seconds(Clock::now() - t0);
  long rss_after = RssKiB();
  if (index.record_count() != n) {
    std::fprintf(stderr, "index holds %zu of %zu records\n", index.record_count(), n);
    return 1;
  }

  auto policy = *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {});
  PullManager via_index(index, policy);
  PullManager via_files(store, policy);
  std::mt19937_64 rng(42);
  auto decide = [&](PullManager& m, std::size_t count) {
    std::size_t local = 0;
    auto start = Clock::now();
    for (std::size_t k = 0; k < count; ++k) {
      std::size_t i = rng() % n;
      std::string image =
          "registry.example/team-" + std::to_string(i % 500) + "/app-" + std::to_string(i) + ":v1";
      std::vector<PodSecret> pod = {{"uid-" + std::to_string(i), "ns-" + std::to_string(i % 500),
                                     "pull-secret",
                                     std::string(64, 'a' + static_cast<char>(i % 6))}};
      local += m.MustAttemptImagePull(image, Ref(i), pod, std::nullopt).must_pull ? 0 : 1;
    }
    double s = Seconds(Clock::now() - start);
    if (local != count)
      std::fprintf(stderr, "unexpected pulls: %zu of %zu verified\n", local, count);
    return count / s;
  };
  double mem_rate = decide(via_index, 200000);
  double file_rate = decide(via_files, 20000);

  std::printf("cache_bench: %zu records (setup %.1f s)\n", n, setup);
  std::printf("  cold index build: %.2f s (%.0f records/s)\n", build, n / build);
  std::printf("  decisions/s, in-memory index: %.0f\n", mem_rate);
  std::printf("  decisions/s, file per decision (baseline): %.0f\n", file_rate);
  std::printf("  ratio index/file: %.1fx\n", mem_rate / file_rate);
  std::printf("  resident memory per record: %.0f bytes (%.1f MiB for %zu)\n",
              (rss_after - rss_before) * 1024.0 / n, (rss_after - rss_before) / 1024.0, n);
  std::printf("  projected for 1M records: %.0f MiB\n",
              (rss_after - rss_before) * 1024.0 / n * 1e6 / (1 << 20));
  std::filesystem::remove_all(root);
  return 0;
}
