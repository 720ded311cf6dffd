// libFuzzer target for what AWS hands the ecr source: STS XML answers (read with expat:
// plugin/sources/aws/sts.h), ECR's GetAuthorizationToken JSON and JSON error bodies
// (plugin/sources/aws/ecr_api.h, aws_error.h), IMDS / container credential documents
// (plugin/sources/aws/identity.h), and registry host names (ecr_host.h). All are untrusted bytes
// from a server (or, for hosts, from an image reference).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugin/sources/aws/ecr_api.h"
#include "plugin/sources/aws/ecr_host.h"
#include "plugin/sources/aws/identity.h"
#include "plugin/sources/aws/sts.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  for (std::string_view action : {"AssumeRole", "AssumeRoleWithWebIdentity"}) {
    if (auto a = aws::ParseStsAnswer(in, action); a.ok()) {
      // Exactly one of the two, and a result carries every credential field.
      Check(a->result.has_value() != a->error.has_value());
      if (a->result) {
        Check(!a->result->credentials.access_key_id.empty());
        Check(!a->result->credentials.secret_access_key.empty());
      }
    }
  }
  if (auto t = aws::ParseAuthorizationTokenAnswer(in); t.ok()) {
    Check(!t->username.empty() && !t->password.empty());
    Check(t->username.find(':') == std::string::npos);
  }
  registry::HttpResponse r;
  r.status = 400;
  r.body = std::string(in);
  if (auto e = aws::ParseJsonError(r)) Check(e->code.size() <= size);
  (void)aws::ParseCredentialDocument(in, "fuzz");
  if (size <= 253) {
    if (auto h = aws::ParseEcrHost(in)) {
      Check(h->account.size() == 12 && !h->region.empty() && h->partition != nullptr);
    }
  }
  return 0;
}
