// Throughput of the matcher against baselines measured in the same run: references parsed per
// second and URLsMatch calls per second, and the hand-written reference grammar against its RE2
// oracle (the grammar pullguard used before, tests/support/reference_grammar_re2.h).
#include <re2/re2.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "matcher/reference.h"
#include "matcher/reference_grammar.h"
#include "matcher/urls_match.h"
#include "tests/support/reference_grammar_re2.h"

namespace {

using Clock = std::chrono::steady_clock;

// Keeps results observable so the optimiser cannot drop the measured work.
volatile size_t g_sink = 0;

template <class F>
double PerSecond(const std::vector<std::string>& inputs, int rounds, F&& f) {
  auto start = Clock::now();
  size_t n = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& s : inputs) {
      g_sink = g_sink + f(s);
      ++n;
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(n) / secs;
}

}  // namespace

int main() {
  const std::string hex(64, 'e');
  const std::vector<std::string> refs = {
      "busybox",
      "busybox:1.36",
      "docker.io/library/nginx:1.25-alpine",
      "gcr.io/google-containers/pause:3.9",
      "registry.k8s.io/kube-apiserver:v1.31.0@sha256:" + hex,
      "localhost:5000/team/app",
      "[::1]:5000/repo:tag",
      "quay.io/prometheus/node-exporter@sha256:" + hex,
      "Uppercase:tag",
      "dock..er/docker",
  };
  const std::vector<std::string> pairs = {
      "*.kubernetes.io",
      "prefix.kubernetes.io",
      "prefix.*.io/foo",
      "prefix.kubernetes.io/foo/bar",
      "*.kubernetes.io:1234/blah",
      "prefix.kubernetes.io:1111/blah",
      "123456789012.dkr.ecr.*.amazonaws.com",
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
      "*.azurecr.io",
      "team.azurecr.io/x/y",
      "bar.example.com/pong",
      "bar.example.com/pongz",
  };
  const int rounds = 20000;

  for (const std::string& s : refs) (void)pullguard::ParseKubernetesImage(s);

  // Baseline: a string copy plus one RE2 full match of a trivial, precompiled pattern: the
  // floor any RE2-based parser pays per input (allocation + one regex pass).
  static const RE2 trivial("[a-z0-9:/@.\\[\\]_-]+");
  double base_refs = PerSecond(refs, rounds, [&](const std::string& s) {
    std::string copy = s;
    return static_cast<size_t>(RE2::FullMatch(copy, trivial));
  });
  double parse_refs = PerSecond(refs, rounds, [](const std::string& s) {
    auto r = pullguard::ParseKubernetesImage(s);
    return r.ok() ? r->path.size() : 0;
  });

  // URLsMatch gets pattern/image pairs; its baseline does the same copy + trivial match on both.
  std::vector<std::string> joined;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) joined.push_back(pairs[i] + '\n' + pairs[i + 1]);
  double base_urls = PerSecond(joined, rounds, [&](const std::string& s) {
    size_t nl = s.find('\n');
    std::string a = s.substr(0, nl);
    std::string b = s.substr(nl + 1);
    return static_cast<size_t>(RE2::FullMatch(a, trivial)) + RE2::FullMatch(b, trivial);
  });
  double urls = PerSecond(joined, rounds, [](const std::string& s) {
    size_t nl = s.find('\n');
    std::string_view sv(s);
    auto m = pullguard::UrlsMatch(sv.substr(0, nl), sv.substr(nl + 1));
    return static_cast<size_t>(m.ok() && *m);
  });

  // The grammar alone (ReferenceRegexp with its submatches): hand-written vs the RE2 oracle, whose
  // compilation (once, here before timing) every exec paid before.
  std::string oracle_name, oracle_tag, oracle_digest;
  (void)pullguard::testing::re2_grammar::MatchReference(refs[0], &oracle_name, &oracle_tag,
                                                        &oracle_digest);
  double re2_grammar = PerSecond(refs, rounds, [&](const std::string& s) {
    return static_cast<size_t>(pullguard::testing::re2_grammar::MatchReference(
        s, &oracle_name, &oracle_tag, &oracle_digest));
  });
  double hand_grammar = PerSecond(refs, rounds, [](const std::string& s) {
    pullguard::grammar::ReferenceMatch m;
    return static_cast<size_t>(pullguard::grammar::MatchReference(s, &m));
  });

  std::printf("references parsed/s      %12.0f   baseline copy+RE2 trivial %12.0f   ratio %.2f\n",
              parse_refs, base_refs, base_refs / parse_refs);
  std::printf("URLsMatch calls/s        %12.0f   baseline copy+RE2 trivial %12.0f   ratio %.2f\n",
              urls, base_urls, base_urls / urls);
  std::printf("grammar matches/s (hand)  %12.0f   RE2 oracle                %12.0f   ratio %.2f\n",
              hand_grammar, re2_grammar, re2_grammar / hand_grammar);
  return 0;
}
