// libFuzzer target for docker config.json / .dockercfg (matcher/docker_config.h) and the keyring
// built from it: every entry decoded can be added and looked up, and a lookup returns only
// credentials that were added.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "matcher/docker_config.h"
#include "matcher/keyring.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto entries = ParseDockerConfig(in);
  if (!entries.ok()) return 0;
  Keyring ring;
  for (const KeyedCredential& e : *entries) ring.Add(e.key, e.credential);
  for (const KeyedCredential& e : *entries) {
    // Looking up a key's own normalised form never crashes and finds only known credentials.
    for (const KeyedCredential& hit : ring.Lookup(NormalizeKeyringKey(e.key))) {
      bool known = false;
      for (const KeyedCredential& f : *entries) known = known || f.credential == hit.credential;
      Check(known);
    }
  }
  return 0;
}
