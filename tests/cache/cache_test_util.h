// Helpers for the cache tests: the upstream testdata directory, copying its files into a fresh
// image_manager directory, reading files back.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pullguard::testing {

inline std::string TestdataDir() {
  return std::string(PULLGUARD_SOURCE_DIR) + "/tests/cache/testdata";
}

inline std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Copies testdata/<sub>/<name> into <root>/<sub>/<name> (kubelet's teeTestData).
inline void Tee(const std::string& root, const std::string& sub,
                const std::vector<std::string>& names) {
  std::filesystem::create_directories(root + "/" + sub);
  for (const auto& n : names) {
    std::filesystem::copy_file(TestdataDir() + "/" + sub + "/" + n, root + "/" + sub + "/" + n,
                               std::filesystem::copy_options::overwrite_existing);
  }
}

// File names of upstream's testdata (pkg/kubelet/images/pullmanager/testdata), by what they hold.
namespace upstream {
// pulled/: imageRef testimageref (a secret), testimage-anonpull (node-wide),
// testemptycredmapping, and testbrokenrecord (does not decode)
inline const std::string kPulledTestimageref =
    "sha256-b3c0cc4278800b03a308ceb2611161430df571ca733122f0a40ac8b9792a9064";
inline const std::string kPulledAnonpull =
    "sha256-a2eace2182b24cdbbb730798e47b10709b9ef5e0f0c1624a3bc06c8ca987727a";
inline const std::string kPulledEmptyMapping =
    "sha256-f8778b6393eaf39315e767a58cbeacf2c4b270d94b4d6926ee993d9e49444991";
inline const std::string kPulledBroken =
    "sha256-e766e4624f9bc4d3847d6c5b470d9d5362cc8d0c250bd9572daf95278e044263";
// pulling/: the intents' images
inline const std::string kPullingTestV1 =  // repo.repo/test/test:v1
    "sha256-ee81caca15454863449fb55a1d942904d56d5ed9f9b20a7cb3453944ea2c7e11";
inline const std::string kPullingTestLatest =  // docker.io/testing/test:latest
    "sha256-aef2af226629a35d5f3ef0fdbb29fdbebf038d0acd8850590e8c48e1e283aa56";
inline const std::string kPullingSecretorg =  // secretorg/myimage:customtag
    "sha256-5f3ca9e4d82e32203c2fafb410dfae9c8047bc6ebe57d642fe264d479e152955";
inline const std::string kPullingTestingDigest =  // testing@sha256:f24acc…
    "sha256-7ffc99ef20589dc844b202c4cba501d1aaf06d1481935aa1e160029afd639847";
}  // namespace upstream

inline std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pullguard::testing
