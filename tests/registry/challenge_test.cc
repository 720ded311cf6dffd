// WWW-Authenticate parsing: the distribution and RFC 7235 examples, containerd's vectors, and
// hostile headers that must stay bounded.
#include "registry/challenge.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pullguard::registry::Challenge;
using pullguard::registry::FindChallenge;
using pullguard::registry::kMaxChallenges;
using pullguard::registry::kMaxParams;
using pullguard::registry::ParseChallenges;

TEST_CASE("distribution's Bearer challenge", "[challenge]") {
  auto c = ParseChallenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "bearer");
  CHECK(c[0].Param("realm") == "https://auth.docker.io/token");
  CHECK(c[0].Param("service") == "registry.docker.io");
  CHECK(c[0].Param("scope") == "repository:samalba/my-app:pull,push");
  CHECK(c[0].Param("error").empty());
}

TEST_CASE("containerd: several scopes and an empty value", "[challenge]") {
  auto c = ParseChallenges(
      R"(Bearer realm="https://auth.example.io/token",empty="",service="registry.example.io",scope="repository:foo/bar:pull,push repository:foo/baz:pull")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].params.count("empty") == 1);
  CHECK(c[0].Param("empty").empty());
  CHECK(c[0].Param("scope") == "repository:foo/bar:pull,push repository:foo/baz:pull");
}

TEST_CASE("RFC 7235 example: two challenges in one header, escapes", "[challenge]") {
  auto c = ParseChallenges(
      R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "newauth");
  CHECK(c[0].Param("realm") == "apps");
  CHECK(c[0].Param("type") == "1");
  CHECK(c[0].Param("title") == R"(Login to "apps")");
  CHECK(c[1].scheme == "basic");
  CHECK(c[1].Param("realm") == "simple");
}

TEST_CASE("challenges across several header lines", "[challenge]") {
  std::vector<std::string> lines = {R"(Basic realm="registry")",
                                    R"(Bearer realm="https://a/token",service="s")"};
  auto c = ParseChallenges(lines);
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "basic");
  REQUIRE(FindChallenge(c, "bearer") != nullptr);
  CHECK(FindChallenge(c, "bearer")->Param("service") == "s");
  CHECK(FindChallenge(c, "negotiate") == nullptr);
}

TEST_CASE("scheme and parameter names are case-insensitive; BWS around '='", "[challenge]") {
  auto c = ParseChallenges(R"(BEARER Realm = "https://a/t" ,	SERVICE=reg.example)");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "bearer");
  CHECK(c[0].Param("realm") == "https://a/t");
  CHECK(c[0].Param("service") == "reg.example");
}

TEST_CASE("error and error_description of RFC 6750", "[challenge]") {
  auto c = ParseChallenges(
      R"(Bearer realm="https://a/t",error="insufficient_scope",scope="repository:x:pull",error_description="need \\ more")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].Param("error") == "insufficient_scope");
  CHECK(c[0].Param("error_description") == R"(need \ more)");
}

TEST_CASE("a bare scheme, then another challenge", "[challenge]") {
  auto c = ParseChallenges(R"(Basic, Bearer realm="r")");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "basic");
  CHECK(c[0].params.empty());
  CHECK(c[1].Param("realm") == "r");
  CHECK(ParseChallenges("Basic").size() == 1);
}

TEST_CASE("token68 forms", "[challenge]") {
  auto c = ParseChallenges(
      "Negotiate YIIBcwYGKwYBBQUCoIIBZzCCAWOgMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICHg==, "
      "Basic realm=\"x\"");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "negotiate");
  CHECK(c[0].token68.size() > 10);
  CHECK(c[0].token68.back() == '=');
  CHECK(c[0].params.empty());
  CHECK(c[1].scheme == "basic");
  auto d = ParseChallenges("Custom abc=");
  REQUIRE(d.size() == 1);
  CHECK(d[0].token68 == "abc=");
}

TEST_CASE("a repeated parameter keeps its first value", "[challenge]") {
  auto c = ParseChallenges(R"(Bearer realm="first", realm="second")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].Param("realm") == "first");
}

TEST_CASE("extra commas and whitespace are tolerated", "[challenge]") {
  auto c = ParseChallenges(R"( ,, Bearer realm="r",, service="s" ,, Basic realm="b",, )");
  REQUIRE(c.size() == 2);
  CHECK(c[0].Param("service") == "s");
  CHECK(c[1].Param("realm") == "b");
}

TEST_CASE("malformed input keeps the complete challenges before it", "[challenge]") {
  CHECK(ParseChallenges(R"(Basic realm="a", Bearer realm="unterminated)").size() == 1);
  CHECK(ParseChallenges(R"(Bearer realm= "x)").empty());
  auto t68 = ParseChallenges(R"(Bearer realm=)");  // grammatically a token68, not a param
  REQUIRE(t68.size() == 1);
  CHECK(t68[0].Param("realm").empty());
  CHECK(ParseChallenges(R"(Bearer realm="a" junk)").empty());
  CHECK(ParseChallenges(R"(=realm)").empty());
  CHECK(ParseChallenges(R"("Bearer")").empty());
  CHECK(ParseChallenges("").empty());
  CHECK(ParseChallenges("   ").empty());
  CHECK(ParseChallenges(R"(Bearer realm="a\)").empty());      // escape at the very end
  CHECK(ParseChallenges("Bearer realm=\"a\x01b\"").empty());  // control character
  CHECK(ParseChallenges(std::string("Bearer realm=\"a\0b\"", 18)).empty());
  auto c = ParseChallenges(R"(Basic realm="ok", @@@)");
  REQUIRE(c.size() == 1);
  CHECK(c[0].Param("realm") == "ok");
}

TEST_CASE("hostile sizes are bounded", "[challenge]") {
  SECTION("a megabyte of commas") {
    CHECK(ParseChallenges(std::string(1 << 20, ',')).empty());
  }
  SECTION("a megabyte of quotes and backslashes") {
    CHECK(ParseChallenges("Bearer realm=\"" + std::string(1 << 20, '\\')).empty());
    CHECK(ParseChallenges(std::string(1 << 20, '"')).empty());
  }
  SECTION("thousands of challenges are capped") {
    std::string h;
    for (int i = 0; i < 2000; ++i) h += "Basic realm=\"r\", ";
    auto c = ParseChallenges(h);
    CHECK(c.size() <= kMaxChallenges);
    CHECK(!c.empty());
  }
  SECTION("thousands of params are capped") {
    std::string h = "Bearer ";
    for (int i = 0; i < 1000; ++i) h += "p" + std::to_string(i) + "=v,";
    auto c = ParseChallenges(h);
    REQUIRE(c.size() == 1);
    CHECK(c[0].params.size() == kMaxParams);
  }
  SECTION("a value longer than the cap drops the cut challenge") {
    std::string h = R"(Basic realm="b", Bearer realm=")" + std::string(40000, 'x') + "\"";
    auto c = ParseChallenges(h);
    REQUIRE(c.size() == 1);
    CHECK(c[0].scheme == "basic");
  }
  SECTION("many header lines are capped in total") {
    std::vector<std::string> lines(500, "Basic realm=\"r\", Bearer realm=\"s\"");
    CHECK(ParseChallenges(lines).size() == kMaxChallenges);
  }
  SECTION("every byte value in every position parses without crashing") {
    std::string base = R"(Bearer realm="https://a/t",service="s")";
    for (std::size_t i = 0; i < base.size(); ++i) {
      for (int b = 0; b < 256; ++b) {
        std::string h = base;
        h[i] = static_cast<char>(b);
        auto c = ParseChallenges(h);
        CHECK(c.size() <= 2);
      }
    }
  }
}
