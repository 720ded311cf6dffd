// The common shape of the identity-exchange sources (tokenExchange, refreshToken, federatedToken):
// they answer only for the entry's patterns that apply, and only with an exchange context.
#pragma once

#include <string>
#include <vector>

#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"

namespace pullguard {

class ExchangeSource : public Source {
 public:
  explicit ExchangeSource(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}

  Status Check(Env&) const override { return Status::Ok(); }
  Result<std::vector<KeyedCredential>> Lookup(const CredentialQuery& q, Env& env) const override;
  Result<SourceAnswer> Answer(const CredentialQuery& q, Env& env) const final;

 protected:
  // `patterns`: the entry's patterns that apply to the query, never empty.
  virtual Result<SourceAnswer> Exchange(const CredentialQuery& q,
                                        const std::vector<std::string>& patterns,
                                        const ExchangeContext& ctx, Env& env) const = 0;

 private:
  std::vector<std::string> patterns_;
};

}  // namespace pullguard
