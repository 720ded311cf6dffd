// What lazy loading saves, against a baseline in the same run: each sample forks a child that exits
// at once (baseline), or first loads libcurl (what linking it would cost every exec), or hashes
// once with the built-in SHA-256 (base/sha256.h; formerly libcrypto, +27 ms). Prints the median
// wall time per child and the difference.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "registry/curl_api.h"
#include "registry/manifest.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median milliseconds of `samples` fork+child+wait round trips.
template <class F>
double MedianMs(int samples, F child) {
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    auto start = Clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      child();
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "startup_bench: child failed\n");
      return -1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main() {
  const int kSamples = 60;
  double base = MedianMs(kSamples, [] {});
  double curl = MedianMs(kSamples, [] {
    if (!pullguard::registry::LoadCurl().ok()) _exit(1);
  });
  double sha = MedianMs(kSamples, [] {
    if (pullguard::registry::Sha256Digest("manifest").size() != 71) _exit(1);
  });
  std::printf("fork+exit baseline          %7.2f ms\n", base);
  std::printf(
      "fork+dlopen libcurl+init    %7.2f ms  (+%.2f ms: paid only by execs that go to the "
      "network)\n",
      curl, curl - base);
  std::printf("fork+sha256 (built in)      %7.2f ms  (+%.2f ms)\n", sha, sha - base);
  return 0;
}
