// Single-flight inside one process: threads each with their own TokenCache (as concurrent execs
// have) share one fetch through the file lock. Also what the ThreadSanitizer run checks
// (docs/RELIABILITY.md): pullguard itself starts no threads, so this is where races could show.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "base/env_posix.h"
#include "registry/token_cache.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::registry;
using pullguard::testing::TempDir;

TEST_CASE("token cache: 8 threads for one key make one fetch", "[token_cache][threads]") {
  TempDir tmp;
  const auto now = std::chrono::system_clock::from_time_t(1700000000);
  auto hash = CredentialKeyHash({"basic", "alice", "pw"});
  const TokenCacheKey key{"registry.example", hash, "repository:team/app:pull"};
  std::atomic<int> fetches{0};
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      TokenCache cache(DefaultEnv(), tmp.path() + "/tokens");
      auto t = cache.GetOrFetch(
          key, [now] { return now; },
          [&]() -> Result<CachedToken> {
            int n = ++fetches;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return CachedToken{Secret("token-" + std::to_string(n)), Secret(), now,
                               now + std::chrono::seconds(300)};
          });
      if (t.ok()) got[i] = t->token.reveal();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(fetches.load() == 1);
  for (const auto& g : got) CHECK(g == "token-1");
}
