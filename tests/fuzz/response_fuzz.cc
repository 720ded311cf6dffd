// libFuzzer target for the response encoder (plugin/kubelet/protocol.h), the only place a password
// is turned into text: whatever bytes a username, password or key holds (a docker config or a token
// endpoint decides them), the output is one line of valid JSON carrying them back (invalid UTF-8
// as U+FFFD, as Go's encoder does). Input: fields separated by NUL bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/kubelet/protocol.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

// Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF), written out here so the
// check does not share code with the encoder under test.
bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0) return false;
    std::uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      unsigned char cc = s[i + k];
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (parts.size() < 7) {
    auto nul = in.find('\0', start);
    parts.emplace_back(in.substr(start, nul == in.npos ? in.npos : nul - start));
    if (nul == in.npos) break;
    start = nul + 1;
  }
  CredentialProviderResponse r;
  r.version = static_cast<ProtocolVersion>(size % 3);
  r.cache_key_type = static_cast<CacheKeyType>((size / 3) % 3);
  if (size % 2) r.cache_duration = static_cast<GoDuration>(size) * 1000000000;
  for (std::size_t i = 0; i < parts.size(); i += 3) {
    KeyedCredential k;
    k.key = parts[i] + "#" + std::to_string(i);  // keys are unique in a response
    if (i + 1 < parts.size()) k.credential.username = parts[i + 1];
    if (i + 2 < parts.size()) k.credential.password = Secret(parts[i + 2]);
    r.auth.push_back(std::move(k));
  }
  std::string out = EncodeResponse(r);
  Check(!out.empty() && out.back() == '\n');
  Check(out.find('\n') == out.size() - 1);
  auto j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  Check(j.is_object());
  Check(j["kind"] == "CredentialProviderResponse");
  Check(j["auth"].size() == r.auth.size());
  for (const KeyedCredential& k : r.auth) {
    // Valid UTF-8 comes back byte for byte; anything else was replaced, never dropped.
    const auto& e = j["auth"];
    bool found = false;
    for (auto it = e.begin(); it != e.end(); ++it) {
      if (it.key() != k.key) continue;
      found = true;
      if (ValidUtf8(k.credential.username)) Check((*it)["username"] == k.credential.username);
      if (ValidUtf8(k.credential.password.reveal()))
        Check((*it)["password"] == k.credential.password.reveal());
    }
    if (ValidUtf8(k.key)) Check(found);
  }
  return 0;
}
