// The static source: one username and a password (inline or from a private file), handed out
// under the entry's own match patterns.
#include <string>
#include <vector>

#include "plugin/sources/source.h"

namespace pullguard {
namespace {

class StaticSource : public Source {
 public:
  StaticSource(StaticSourceSpec spec, std::vector<std::string> patterns)
      : spec_(std::move(spec)), patterns_(std::move(patterns)) {}

  std::string_view kind() const override { return "static"; }

  Status Check(Env& env) const override {
    auto pw = LoginPassword(spec_, "static", env);
    if (!pw.ok()) return pw.error();
    return Status::Ok();
  }

  Result<std::vector<KeyedCredential>> Lookup(const CredentialQuery& q, Env& env) const override {
    auto patterns = PatternsInScope(patterns_, q.image, q.scope);
    if (!patterns.ok()) return patterns.error();
    std::vector<KeyedCredential> out;
    for (const std::string& p : *patterns) {
      out.push_back(KeyedCredential{p, Credential{spec_.username, Secret()}});
    }
    if (out.empty()) return out;  // no file read for an entry that gives nothing
    auto pw = LoginPassword(spec_, "static", env);
    if (!pw.ok()) return pw.error();
    for (KeyedCredential& k : out) k.credential.password = *pw;
    return out;
  }

 private:
  StaticSourceSpec spec_;
  std::vector<std::string> patterns_;
};

}  // namespace

std::unique_ptr<Source> MakeStaticSource(const StaticSourceSpec& spec,
                                         const std::vector<std::string>& patterns) {
  return std::make_unique<StaticSource>(spec, patterns);
}

}  // namespace pullguard
