// Hostile bytes around a valid JSON document (tests/bad-inputs found both): nlohmann's lexer reads
// a NUL byte as the end of the input and skips a UTF-8 byte-order mark, so ParseStrictJson has to
// refuse them itself.
#include <catch2/catch.hpp>
#include <string>

#include "base/strict_json.h"

using pullguard::ParseStrictJson;

TEST_CASE("strict json: a NUL byte anywhere is refused", "[strict_json]") {
  for (std::string text : {std::string("{\"a\":1}\0", 8), std::string("{\"a\":1}\0{\"b\":2}", 15),
                           std::string("{\"a\":\"x\0y\"}", 11), std::string("\0", 1)}) {
    auto r = ParseStrictJson(text, "request");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("NUL byte at byte") != std::string::npos);
  }
  CHECK(ParseStrictJson("{\"a\":\"x\\u0000y\"}", "request").ok());  // escaped NUL is JSON
}

TEST_CASE("strict json: a byte-order mark is refused", "[strict_json]") {
  auto r = ParseStrictJson("\xEF\xBB\xBF{\"a\":1}", "request");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "request is not valid JSON: it starts with a byte-order mark");
  CHECK(ParseStrictJson("{\"a\":\"\xEF\xBB\xBF\"}", "request").ok());  // inside a string it is text
}
