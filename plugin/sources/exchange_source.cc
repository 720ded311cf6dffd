#include "plugin/sources/exchange_source.h"

namespace pullguard {

Result<std::vector<KeyedCredential>> ExchangeSource::Lookup(const CredentialQuery& q,
                                                            Env& env) const {
  auto a = Answer(q, env);
  if (!a.ok()) return a.error();
  return std::move(a->auth);
}

Result<SourceAnswer> ExchangeSource::Answer(const CredentialQuery& q, Env& env) const {
  auto patterns = PatternsInScope(patterns_, q.image, q.scope);
  if (!patterns.ok()) return patterns.error();
  if (patterns->empty()) return SourceAnswer{};
  if (q.exchange == nullptr) {
    return MakeError(ErrorKind::kInternal,
                     std::string(kind()) + ": no exchange context (internal)");
  }
  return Exchange(q, *patterns, *q.exchange, env);
}

}  // namespace pullguard
