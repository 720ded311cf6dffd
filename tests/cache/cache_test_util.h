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

inline std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pullguard::testing
