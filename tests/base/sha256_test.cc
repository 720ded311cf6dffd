// The built-in SHA-256: FIPS 180-4 example vectors, every padding boundary and split points
// cross-checked against OpenSSL's libcrypto (an independent implementation, loaded here only).
#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <string>

#include "base/sha256.h"

using pullguard::Sha256;
using pullguard::Sha256Hex;

namespace {

// OpenSSL's one-shot SHA256(), or nullptr when libcrypto is not installed.
using OpensslSha256 = unsigned char* (*)(const unsigned char*, std::size_t, unsigned char*);
OpensslSha256 LoadOpenssl() {
  void* lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
  return lib ? reinterpret_cast<OpensslSha256>(dlsym(lib, "SHA256")) : nullptr;
}

std::string Hex(const unsigned char* md, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace

TEST_CASE("sha256: FIPS 180-4 example vectors") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(Sha256Hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: every length around the padding boundaries matches libcrypto") {
  OpensslSha256 ref = LoadOpenssl();
  if (ref == nullptr) {
    WARN("libcrypto.so.3 not loadable; cross-check skipped");
    return;
  }
  std::string data;
  for (int len = 0; len <= 300; ++len) {
    CAPTURE(len);
    unsigned char md[32];
    ref(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
    CHECK(Sha256Hex(data) == Hex(md, 32));
    data.push_back(static_cast<char>((len * 131 + 7) & 0xff));
  }
}

TEST_CASE("sha256: feeding in pieces gives the one-shot digest") {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 37));
  const std::string whole = Sha256Hex(data);
  for (std::size_t split : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 127u, 128u, 999u, 1000u}) {
    CAPTURE(split);
    Sha256 h;
    h.Update(std::string_view(data).substr(0, split));
    h.Update(std::string_view(data).substr(split));
    auto md = h.Finish();
    CHECK(Hex(md.data(), md.size()) == whole);
  }
}
