// The static source: one username and a password (inline or from a private file), handed out
// under the entry's own match patterns.
#include <string>
#include <vector>

#include "matcher/urls_match.h"
#include "plugin/sources/source.h"

namespace pullguard {
namespace {

constexpr std::size_t kMaxPasswordFileBytes = 64 * 1024;

class StaticSource : public Source {
 public:
  StaticSource(StaticSourceSpec spec, std::vector<std::string> patterns)
      : spec_(std::move(spec)), patterns_(std::move(patterns)) {}

  std::string_view kind() const override { return "static"; }

  Status Check(Env& env) const override {
    auto pw = Password(env);
    if (!pw.ok()) return pw.error();
    return Status::Ok();
  }

  Result<std::vector<KeyedCredential>> Lookup(const CredentialQuery& q, Env& env) const override {
    std::vector<KeyedCredential> out;
    std::string_view registry = RegistryOf(q.image);
    for (const std::string& p : patterns_) {
      bool take = false;
      switch (q.scope) {
        case CacheKeyType::kImage: {
          auto m = UrlsMatch(p, q.image);
          if (!m.ok()) return MakeError(ErrorKind::kInvalidArgument, m.error().message);
          take = *m;
          break;
        }
        case CacheKeyType::kRegistry:
          take = PatternCoversRegistry(p, registry);
          break;
        case CacheKeyType::kGlobal:
          take = true;
          break;
      }
      if (take) out.push_back(KeyedCredential{p, Credential{spec_.username, Secret()}});
    }
    if (out.empty()) return out;  // no file read for an entry that gives nothing
    auto pw = Password(env);
    if (!pw.ok()) return pw.error();
    for (KeyedCredential& k : out) k.credential.password = *pw;
    return out;
  }

 private:
  Result<Secret> Password(Env& env) const {
    if (spec_.password) return *spec_.password;
    auto text = ReadPrivateFile(spec_.password_file, kMaxPasswordFileBytes, env);
    if (!text.ok()) {
      return MakeError(text.error().kind, "static.passwordFile: " + text.error().message);
    }
    std::string pw = std::move(*text);
    // Files written by `echo` or editors end in a newline that is not part of the password.
    if (pw.ends_with("\n")) pw.pop_back();
    if (pw.ends_with("\r")) pw.pop_back();
    if (pw.empty()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "static.passwordFile: " + spec_.password_file + " is empty");
    }
    if (pw.find('\n') != std::string::npos) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "static.passwordFile: " + spec_.password_file + " holds more than one line");
    }
    return Secret(std::move(pw));
  }

  StaticSourceSpec spec_;
  std::vector<std::string> patterns_;
};

}  // namespace

std::unique_ptr<Source> MakeStaticSource(const StaticSourceSpec& spec,
                                         const std::vector<std::string>& patterns) {
  return std::make_unique<StaticSource>(spec, patterns);
}

}  // namespace pullguard
