// Base64 decoding with Go's encoding/base64 rules (StdEncoding and RawStdEncoding, CR/LF ignored),
// for the `auth` field of docker config.json entries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullguard {

// `padded` selects StdEncoding (padding required), otherwise RawStdEncoding (no '=' at all).
std::optional<std::string> GoBase64Decode(std::string_view in, bool padded);

std::string Base64Encode(std::string_view in);

}  // namespace pullguard
