// FirstInvalidUtf8: well-formed text passes, every kind of ill-formed sequence is found at its
// first byte.
#include "base/utf8.h"

#include <catch2/catch.hpp>
#include <string>

using pullguard::FirstInvalidUtf8;

TEST_CASE("utf8: well-formed text", "[utf8]") {
  CHECK_FALSE(FirstInvalidUtf8("").has_value());
  CHECK_FALSE(FirstInvalidUtf8("plain ascii: registry.internal:5000").has_value());
  CHECK_FALSE(FirstInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3").has_value());  // é € 🐳
  CHECK_FALSE(FirstInvalidUtf8("\xF4\x8F\xBF\xBF").has_value());  // U+10FFFF
  CHECK_FALSE(FirstInvalidUtf8(std::string("nul \0 is UTF-8", 14)).has_value());
}

TEST_CASE("utf8: ill-formed sequences are found where they start", "[utf8]") {
  CHECK(FirstInvalidUtf8("ab\xFF") == 2u);                // never a lead byte
  CHECK(FirstInvalidUtf8("a\x80") == 1u);                 // stray continuation
  CHECK(FirstInvalidUtf8("a\xC3") == 1u);                 // cut short at the end
  CHECK(FirstInvalidUtf8("a\xE2\x82z") == 1u);            // cut short in the middle
  CHECK(FirstInvalidUtf8("/\xC0\xAF") == 1u);             // overlong '/'
  CHECK(FirstInvalidUtf8("\xE0\x80\xAF") == 0u);          // overlong, 3 bytes
  CHECK(FirstInvalidUtf8("x\xED\xA0\x80") == 1u);         // UTF-16 surrogate U+D800
  CHECK(FirstInvalidUtf8("\xF4\x90\x80\x80") == 0u);      // above U+10FFFF
  CHECK(FirstInvalidUtf8("\xC3\xA9\xC3\xA9\xFE") == 4u);  // after valid two-byte characters
}
