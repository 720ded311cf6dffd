// In-process runner and temp directories for the unit tests.
#include "tests/support/run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "base/env_posix.h"
#include "plugin/cli/command.h"

namespace pullguard::testing {

RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_text,
              const std::map<std::string, std::string>& environ, Env* env) {
  StringInput in(stdin_text);
  StringOutput out, err;
  Io io{in,
        out,
        err,
        [environ](const std::string& name) -> std::optional<std::string> {
          auto it = environ.find(name);
          if (it == environ.end()) return std::nullopt;
          return it->second;
        },
        env != nullptr ? *env : DefaultEnv(),
        [] { return std::chrono::system_clock::now(); }};
  RunResult r;
  r.rc = RunMain(argv, io);
  r.out = std::move(out.text);
  r.err = std::move(err.text);
  return r;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/pullguard-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content, int mode) const {
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << content;
  }
  chmod(p.c_str(), static_cast<mode_t>(mode));
  return p;
}

}  // namespace pullguard::testing
