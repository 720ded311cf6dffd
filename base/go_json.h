// Byte-exact reproductions of Go's encoding/json output for the pieces kubelet's hashes and
// records depend on: string quoting with HTML escaping, U+2028/2029 and invalid UTF-8 handling.
#pragma once

#include <string>
#include <string_view>

namespace pullguard {

// Appends `s` as Go's json.Marshal quotes a string (escapeHTML = true): `<`, `>`, `&` become
// \u003c \u003e \u0026, U+2028/U+2029 are escaped, invalid UTF-8 becomes \ufffd.
void AppendGoJsonString(std::string& out, std::string_view s);

std::string GoJsonString(std::string_view s);

}  // namespace pullguard
