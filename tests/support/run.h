// Runs a pullguard command in-process with given stdin and environment; captures exit code,
// stdout and stderr.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/env.h"

namespace pullguard::testing {

struct RunResult {
  int rc = -1;
  std::string out;
  std::string err;
};

RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_text = "",
              const std::map<std::string, std::string>& environ = {}, Env* env = nullptr);

// A fresh private directory under $TMPDIR, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes a file below the directory with the given mode; returns its path.
  std::string Write(const std::string& name, const std::string& content, int mode = 0600) const;

 private:
  std::string path_;
};

}  // namespace pullguard::testing
