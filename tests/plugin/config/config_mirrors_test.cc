// Decoding of `mirrors` and `mirrorCredentialsStrategy` (plugin/config/config_mirrors.cc): the
// values kept, and each mistake named with its path.
#include "plugin/config/config_mirrors.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "tests/support/config_fixture.h"

using namespace pullguard;
using pullguard::testing::kConfigHead;
using pullguard::testing::MustDecode;

namespace {

const std::string kEntry =
    "registries:\n"
    "  - match: [\"mirror.internal:5000\"]\n"
    "    static: {username: m, password: p}\n";

void CheckOneProblem(const std::string& tail, const std::string& needle) {
  ConfigDecode d = DecodeConfig(kConfigHead + kEntry + tail);
  std::string all;
  for (const auto& p : d.problems) all += p + "\n";
  INFO("config tail:\n" << tail << "problems:\n" << all);
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0].find(needle) != std::string::npos);
  CHECK(d.problems[0].find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("config mirrors: routes and strategy are kept; the default strategy is mirror-only") {
  Config c = MustDecode(kConfigHead + kEntry +
                        "    mirrors:\n"
                        "      docker.io: mirror.internal:5000\n"
                        "      quay.io: mirror.internal:5000/quay\n"
                        "      localhost:5001: mirror.internal:5000/local\n");
  const RegistryEntry& e = c.registries[0];
  std::map<std::string, std::string> routes;
  for (const MirrorRoute& r : e.mirrors) routes[r.upstream] = r.mirror;
  CHECK(routes ==
        std::map<std::string, std::string>{{"docker.io", "mirror.internal:5000"},
                                           {"quay.io", "mirror.internal:5000/quay"},
                                           {"localhost:5001", "mirror.internal:5000/local"}});
  CHECK(e.mirror_credentials == MirrorCredentialsStrategy::kMirrorOnly);
  for (auto [name, value] :
       {std::pair{"MirrorCredentialsOnly", MirrorCredentialsStrategy::kMirrorOnly},
        std::pair{"MirrorCredentialsFirst", MirrorCredentialsStrategy::kMirrorFirst},
        std::pair{"MirrorCredentialsLast", MirrorCredentialsStrategy::kMirrorLast}}) {
    Config s =
        MustDecode(kConfigHead + kEntry + "    mirrors: {docker.io: mirror.internal:5000}\n" +
                   "    mirrorCredentialsStrategy: " + name + "\n");
    CHECK(s.registries[0].mirror_credentials == value);
    CHECK(MirrorCredentialsStrategyName(value) == name);
  }
}

TEST_CASE("config mirrors: an ECR pull-through cache is a mirror with a path prefix") {
  Config c = MustDecode(kConfigHead +
                        "registries:\n"
                        "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]\n"
                        "    ecr: {}\n"
                        "    mirrors: {docker.io: 123456789012.dkr.ecr.us-west-2.amazonaws.com/"
                        "docker-hub}\n");
  REQUIRE(c.registries[0].mirrors.size() == 1);
  CHECK(c.registries[0].mirrors[0].mirror ==
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/docker-hub");
}

TEST_CASE("config mirrors: each mistake is one problem naming its path") {
  CheckOneProblem("    mirrors: [docker.io]\n",
                  "registries[0].mirrors: must be a map {upstream registry: mirror}, not array");
  CheckOneProblem("    mirrors: {}\n", "registries[0].mirrors: is empty");
  CheckOneProblem("    mirrors: {\"https://docker.io\": mirror.internal:5000}\n",
                  "registries[0].mirrors: \"https://docker.io\": write the registry host[:port] "
                  "without a scheme");
  CheckOneProblem("    mirrors: {docker.io/library: mirror.internal:5000}\n",
                  "without a path (containerd's hosts.toml mirrors whole registries)");
  CheckOneProblem("    mirrors: {\"*.gcr.io\": mirror.internal:5000}\n",
                  "\"*.gcr.io\": a wildcard is not a registry");
  CheckOneProblem("    mirrors: {index.docker.io: mirror.internal:5000}\n",
                  "kubelet names Docker Hub images docker.io/...; write docker.io");
  CheckOneProblem("    mirrors: {dockerhub: mirror.internal:5000}\n",
                  "\"dockerhub\" is not a registry host[:port]");
  CheckOneProblem("    mirrors: {docker.io: 5000}\n",
                  "registries[0].mirrors[\"docker.io\"]: must be a string, not number");
  CheckOneProblem("    mirrors: {docker.io: \"\"}\n", "mirrors[\"docker.io\"]: is empty");
  CheckOneProblem("    mirrors: {docker.io: \"http://mirror.internal:5000\"}\n",
                  "mirrors[\"docker.io\"]: \"http://mirror.internal:5000\": write the mirror as "
                  "host[:port][/path] without a scheme");
  CheckOneProblem("    mirrors: {docker.io: \"mirror.internal:5000/UPPER\"}\n",
                  "is not a registry host[:port][/path]");
  CheckOneProblem("    mirrors: {docker.io: mirror}\n", "\"mirror\" is not a registry host");
  CheckOneProblem("    mirrors: {mirror.internal:5000: mirror.internal:5000}\n",
                  "a registry cannot be its own mirror");
  CheckOneProblem("    mirrors: {docker.io: other.internal:5000}\n",
                  "the mirror \"other.internal:5000\" is not covered by this entry's match "
                  "patterns");
  CheckOneProblem(
      "    mirrors: {docker.io: mirror.internal:5000}\n"
      "    mirrorCredentialsStrategy: UpstreamFirst\n",
      "registries[0].mirrorCredentialsStrategy: \"UpstreamFirst\" is not one of "
      "MirrorCredentialsOnly, MirrorCredentialsFirst, MirrorCredentialsLast");
  CheckOneProblem("    mirrorCredentialsStrategy: MirrorCredentialsFirst\n",
                  "registries[0].mirrorCredentialsStrategy: has no effect without mirrors");
  CheckOneProblem(
      "    mirrors: {docker.io: mirror.internal:5000}\n"
      "    mirrorCredentialsStrategy: 1\n",
      "mirrorCredentialsStrategy: must be a string, not number");
}

TEST_CASE("config mirrors: one entry per upstream registry") {
  ConfigDecode d = DecodeConfig(kConfigHead + kEntry +
                                "    mirrors: {docker.io: mirror.internal:5000}\n"
                                "  - match: [\"b.internal\"]\n"
                                "    static: {username: b, password: p}\n"
                                "    mirrors: {docker.io: b.internal, quay.io: b.internal}\n");
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0] ==
        "registries[1].mirrors[\"docker.io\"]: already mirrored by registries[0]; one entry per "
        "upstream registry");
}
