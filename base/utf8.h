// UTF-8 validation for whole documents (configs) before a parser sees them: YAML parsers pass
// ill-formed bytes through into strings, JSON ones do not, and both must refuse the same files.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace pullguard {

// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or nullopt when all of `s` is UTF-8.
std::optional<std::size_t> FirstInvalidUtf8(std::string_view s);

}  // namespace pullguard
