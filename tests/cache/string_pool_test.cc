// The index's interned strings: one id per distinct text, every text read back byte for byte;
// the varints and length-prefixed strings records are packed with.
#include "cache/string_pool.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace pullguard;

namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::vector<std::string> Samples() {
  return {"",
          "a",
          "ns-1",
          "pull-secret",
          kHex,
          "sha256:" + kHex,
          std::string("a\0b", 3),
          std::string(127, 'w'),     // the longest one-byte length
          std::string(300, 'x'),     // a two-byte length
          std::string(70000, 'y')};  // a three-byte length
}

}  // namespace

TEST_CASE("string pool: equal texts share an id, every text reads back exactly") {
  StringPool pool;
  std::vector<StringPool::Id> ids;
  for (const auto& s : Samples()) ids.push_back(*pool.Intern(s));
  CHECK(std::set<StringPool::Id>(ids.begin(), ids.end()).size() == Samples().size());
  CHECK(pool.size() == Samples().size());
  for (std::size_t i = 0; i < Samples().size(); ++i) {
    INFO(i);
    CHECK(*pool.Intern(Samples()[i]) == ids[i]);
    CHECK(pool.View(ids[i]) == Samples()[i]);
  }
  CHECK(pool.size() == Samples().size());
}

TEST_CASE("string pool: varints and length-prefixed strings read back what was written") {
  std::string buf;
  const std::uint64_t values[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX};
  for (std::uint64_t v : values) packed::AppendVarint(v, &buf);
  for (const auto& s : Samples()) packed::AppendString(s, &buf);
  const char* p = buf.data();
  for (std::uint64_t v : values) {
    std::uint64_t got = 7;
    p = packed::ReadVarint(p, &got);
    CHECK(got == v);
  }
  for (const auto& s : Samples()) CHECK(packed::ReadString(p, &p) == s);
  CHECK(p == buf.data() + buf.size());
}

TEST_CASE("string pool: grows past many distinct strings and keeps every id") {
  StringPool pool;
  std::vector<StringPool::Id> ids;
  for (int i = 0; i < 50000; ++i) ids.push_back(*pool.Intern("s-" + std::to_string(i)));
  CHECK(pool.size() == 50000);
  for (int i = 0; i < 50000; i += 97) {
    CHECK(*pool.Intern("s-" + std::to_string(i)) == ids[static_cast<std::size_t>(i)]);
    CHECK(pool.View(ids[static_cast<std::size_t>(i)]) == "s-" + std::to_string(i));
  }
}
