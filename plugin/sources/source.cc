// The source factory and the private-file reads every file-backed source shares.
#include "plugin/sources/source.h"

#include <cstdio>

namespace pullguard {

std::unique_ptr<Source> MakeSource(const RegistryEntry& entry) {
  if (auto* s = std::get_if<StaticSourceSpec>(&entry.source))
    return MakeStaticSource(*s, entry.match);
  if (auto* t = std::get_if<TokenExchangeSourceSpec>(&entry.source))
    return MakeTokenExchangeSource(*t, entry.match);
  if (auto* r = std::get_if<RefreshTokenSourceSpec>(&entry.source))
    return MakeRefreshTokenSource(*r, entry.match);
  if (auto* f = std::get_if<FederatedTokenSourceSpec>(&entry.source))
    return MakeFederatedTokenSource(*f, entry.match);
  if (auto* g = std::get_if<GcpSourceSpec>(&entry.source)) return MakeGcpSource(*g, entry.match);
  if (auto* a = std::get_if<AcrSourceSpec>(&entry.source)) return MakeAcrSource(*a, entry.match);
  if (auto* e = std::get_if<EcrSourceSpec>(&entry.source)) return MakeEcrSource(*e, entry.match);
  return MakeDockerConfigSource(std::get<DockerConfigSourceSpec>(entry.source));
}

Result<SourceAnswer> Source::Answer(const CredentialQuery& q, Env& env) const {
  auto auth = Lookup(q, env);
  if (!auth.ok()) return auth.error();
  SourceAnswer a;
  a.auth = std::move(*auth);
  return a;
}

Result<std::string> ReadPrivateFile(const std::string& path, std::size_t max_bytes, Env& env) {
  // The mode is that of the file actually read (fstat of the descriptor), never a second look at
  // the path, which a link swap could point elsewhere in between.
  auto file = env.ReadOperatorFile(path, max_bytes);
  if (!file.ok()) {
    if (file.error().kind == ErrorKind::kNotFound) {
      return MakeError(ErrorKind::kNotFound, path + " does not exist");
    }
    return file.error();
  }
  mode_t mode = file->info.mode;
  if ((mode & 044) != 0) {
    char m[8];
    std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode & 07777));
    return MakeError(ErrorKind::kPermission,
                     path + " is readable by group or others (mode " + m + "); chmod 600 it");
  }
  if ((mode & 022) != 0) {
    // Whoever can write it chooses the credential pullguard hands out.
    char m[8];
    std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode & 07777));
    return MakeError(ErrorKind::kPermission,
                     path + " is writable by group or others (mode " + m + "); chmod 600 it");
  }
  return std::move(file->data);
}

Result<Secret> LoginPassword(const StaticSourceSpec& login, std::string_view field, Env& env) {
  constexpr std::size_t kMaxPasswordFileBytes = 64 * 1024;
  if (login.password) return *login.password;
  const std::string where = std::string(field) + ".passwordFile: ";
  auto text = ReadPrivateFile(login.password_file, kMaxPasswordFileBytes, env);
  if (!text.ok()) return MakeError(text.error().kind, where + text.error().message);
  std::string pw = std::move(*text);
  // Files written by `echo` or editors end in a newline that is not part of the password.
  if (pw.ends_with("\n")) pw.pop_back();
  if (pw.ends_with("\r")) pw.pop_back();
  if (pw.empty()) {
    return MakeError(ErrorKind::kInvalidArgument, where + login.password_file + " is empty");
  }
  if (pw.find('\n') != std::string::npos) {
    return MakeError(ErrorKind::kInvalidArgument,
                     where + login.password_file + " holds more than one line");
  }
  return Secret(std::move(pw));
}

}  // namespace pullguard
