// Base64 (base/base64.h): RFC 4648 section 10's test vectors for the encoder, and Go's
// encoding/base64 decoding rules (StdEncoding vs RawStdEncoding, CR/LF skipped) that kubelet's
// docker config reader applies.
#include "base/base64.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

using pullguard::Base64Encode;
using pullguard::GoBase64Decode;

TEST_CASE("base64 encode: RFC 4648 vectors", "[base64]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foob") == "Zm9vYg==");
  CHECK(Base64Encode("fooba") == "Zm9vYmE=");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("Go base64 decode: padding rules and CR/LF skipping", "[base64]") {
  CHECK(GoBase64Decode("YWI6Y2Q=", true) == std::optional<std::string>("ab:cd"));
  CHECK(GoBase64Decode("YWI6\r\nY2Q=", true) == std::optional<std::string>("ab:cd"));
  CHECK_FALSE(GoBase64Decode("YWI6Y2Q", true).has_value());    // StdEncoding needs padding
  CHECK_FALSE(GoBase64Decode("YWI6Y2Q=", false).has_value());  // Raw forbids '='
  CHECK_FALSE(GoBase64Decode("YWI6Y2Q==", true).has_value());
  CHECK_FALSE(GoBase64Decode("Y", false).has_value());
  CHECK(GoBase64Decode("", false) == std::optional<std::string>(""));
  CHECK(Base64Encode("ab:cd") == "YWI6Y2Q=");
  CHECK(Base64Encode("a") == "YQ==");
}

TEST_CASE("base64: decode(encode(x)) == x for every byte value", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    std::string in = all.substr(0, n);
    CHECK(GoBase64Decode(Base64Encode(in), true) == std::optional<std::string>(in));
  }
}
