// Env's default DirectoryReader: every call goes through the Env by path.
#include "base/env.h"

namespace pullguard {
namespace {

class PathDirectoryReader : public DirectoryReader {
 public:
  PathDirectoryReader(Env& env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  Result<std::vector<std::string>> List() override { return env_.ListDir(dir_); }
  Result<std::string> ReadFile(const std::string& name, std::size_t max_bytes) override {
    return env_.ReadFile(dir_ + "/" + name, max_bytes);
  }
  Result<FileInfo> Stat(const std::string& name) override { return env_.Stat(dir_ + "/" + name); }

 private:
  Env& env_;
  std::string dir_;
};

}  // namespace

Result<std::unique_ptr<DirectoryReader>> Env::OpenDirectoryReader(const std::string& dir) {
  return std::unique_ptr<DirectoryReader>(new PathDirectoryReader(*this, dir));
}

}  // namespace pullguard
