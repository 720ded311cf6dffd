// The Kubernetes document reader on libyaml: go-yaml v2's typing, tags, merges, aliases under the
// node budget, depth, the two document rules, the go-yaml differences it reproduces, and one-line
// messages with positions and without values.
#include "plugin/kubelet/kube_yaml.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace pullguard {
namespace {

using json = nlohmann::json;

const KubeYamlOptions kConfig{.documents = KubeYamlOptions::Documents::kExactlyOne,
                              .booleans = KubeYamlOptions::Booleans::kTrueFalse};

json Ok(const std::string& text, const KubeYamlOptions& options = {}) {
  auto r = ParseKubeYaml(text, "doc", options);
  INFO(text << "\n-> " << (r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

std::string Bad(const std::string& text, const KubeYamlOptions& options = {}) {
  auto r = ParseKubeYaml(text, "doc", options);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  const std::string& m = r.error().message;
  CHECK(m.find('\n') == std::string::npos);
  CHECK(m.size() <= 1024);
  return m;
}

TEST_CASE("kube yaml: plain scalars typed as go-yaml v2 types them (YAML 1.1)") {
  json j =
      Ok("a: yes\nb: Off\nc: ~\nd: \ne: 0x1F\nf: 017\ng: 0o17\nh: 1_000\ni: -12\nj: 1.5\nk: .inf\n"
         "l: 0b101\nm: 18446744073709551615\ndate: 2001-12-14\no: true\np: 1e3\nq: .5\nr: +7\n");
  CHECK(j["a"] == true);
  CHECK(j["b"] == false);
  CHECK(j["c"].is_null());
  CHECK(j["d"].is_null());
  CHECK(j["e"] == 31);
  CHECK(j["f"] == 15);
  CHECK(j["g"] == 15);
  CHECK(j["h"] == 1000);
  CHECK(j["i"] == -12);
  CHECK(j["j"] == 1.5);
  CHECK(std::isinf(j["k"].get<double>()));
  CHECK(j["l"] == 5);
  CHECK(j["m"].get<std::uint64_t>() == 18446744073709551615u);
  CHECK(j["date"] == "2001-12-14");
  CHECK(j["o"] == true);
  CHECK(j["p"] == 1000.0);
  CHECK(j["q"] == 0.5);
  CHECK(j["r"] == 7);
}

TEST_CASE("kube yaml: quoted and block scalars stay strings; tags as go-yaml reads them") {
  json j =
      Ok("a: 'yes'\nb: \"12\"\nc: |\n  x\nd: >\n  y\ne: !!str 12\nf: !!int \"12\"\ng: !!float 3\n"
         "h: !local 12\ni: ! 12\nj: !!bool on\nk: !!null ~\nl: !!str\nm: !!timestamp 2001-12-14\n"
         "esc: \"\\x41\\u00e9\"\n");
  CHECK(j["a"] == "yes");
  CHECK(j["b"] == "12");
  CHECK(j["c"] == "x\n");
  CHECK(j["d"] == "y\n");
  CHECK(j["e"] == "12");
  CHECK(j["f"] == 12);
  CHECK(j["g"].is_number_float());
  CHECK(j["g"] == 3.0);
  CHECK(j["h"] == "12");
  CHECK(j["i"] == "12");
  CHECK(j["j"] == true);
  CHECK(j["k"].is_null());
  CHECK(j["l"] == "");
  CHECK(j["m"] == "2001-12-14");
  CHECK(j["esc"] == "A\xC3\xA9");
  CHECK_THAT(Bad("a: !!int x\n"),
             Catch::Contains("line 1, column 4: value does not match its tag"));
  CHECK_THAT(Bad("a: !!binary aGk=\n"), Catch::Contains("!!binary values are not supported"));
  CHECK(Ok("a: !!map x\nb: !!s; 1\n") == json::parse(R"({"a": "x", "b": "1"})"));  // as go-yaml
  CHECK_THAT(Bad("a: !!int\n"), Catch::Contains("does not match its tag"));
}

TEST_CASE("kube yaml: keys as sigs.k8s.io/yaml makes them JSON keys") {
  json j = Ok("1: a\nyes: b\n0x10: c\n1.50: d\n\"q\": e\n");
  CHECK(j.size() == 5);
  CHECK(j["1"] == "a");
  CHECK(j["true"] == "b");
  CHECK(j["16"] == "c");
  CHECK(j["1.50"] == "d");  // floats keep their text
  CHECK(j["q"] == "e");
  CHECK_THAT(Bad("a: 1\nb: 2\na: 3\n"),
             Catch::Contains("at line 3, column 1: duplicate key \"a\""));
  CHECK_THAT(Bad("true: 1\nyes: 2\n"), Catch::Contains("duplicate key \"true\""));
  CHECK_THAT(Bad("~: 1\n"), Catch::Contains("a map key is null"));
  CHECK_THAT(Bad("?\n: 1\n"), Catch::Contains("a map key is null"));
  CHECK_THAT(Bad("? [a]\n: 1\n"), Catch::Contains("line 1, column 3: a map key is not a scalar"));
  CHECK_THAT(Bad("a: &x [1]\n*x : 2\n"), Catch::Contains("a map key is not a scalar"));
  CHECK(Ok("a: &k key\n*k : 2\n")["key"] == 2);
}

TEST_CASE("kube yaml: anchors, aliases and merge keys (strict: no key set twice)") {
  json j = Ok("base: &b {x: 1, v: [2]}\none: *b\ntwo:\n  <<: *b\n  z: 3\n");
  CHECK(j["one"] == json::parse(R"({"x":1,"v":[2]})"));
  CHECK(j["two"] == json::parse(R"({"x":1,"v":[2],"z":3})"));
  j = Ok("a: &a {x: 1}\nb: &b {v: 2}\nc: {<<: [*a, *b, {w: 0}]}\nd: {!!merge <<: *a}\n");
  CHECK(j["c"] == json::parse(R"({"x":1,"v":2,"w":0})"));
  CHECK(j["d"] == json::parse(R"({"x":1})"));
  CHECK(Ok("a: {\"<<\": 1}\n")["a"]["<<"] == 1);  // a quoted << is a key
  CHECK_THAT(Bad("a: &a {x: 1}\nb: {x: 2, <<: *a}\n"), Catch::Contains("duplicate key \"x\""));
  CHECK_THAT(Bad("a: &a {x: 1}\nb: {<<: [*a, *a]}\n"), Catch::Contains("duplicate key \"x\""));
  CHECK_THAT(Bad("a: {<<: 1}\n"), Catch::Contains("map merge requires map"));
  CHECK_THAT(Bad("a: {<<: [1]}\n"), Catch::Contains("map merge requires map"));
  // go-yaml: an alias to a sequence is not a sequence of maps.
  CHECK_THAT(Bad("s: &s [{x: 1}]\na: {<<: *s}\n"), Catch::Contains("map merge requires map"));
  CHECK_THAT(Bad("a: *nope\n"), Catch::Contains("line 1, column 4: an alias refers to no anchor"));
  CHECK_THAT(Bad("a: &a [*a]\n"), Catch::Contains("an alias refers to no anchor"));
  // A later anchor of the same name wins.
  CHECK(Ok("a: &x 1\nb: &x 2\nc: *x\n")["c"] == 2);
}

TEST_CASE("kube yaml: alias bombs and deep nesting stop at their limits") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + char(c - 1);
    bomb += "]\n";
  }
  CHECK_THAT(Bad(bomb), Catch::Contains("aliases expand to more than 100000 nodes"));
  std::string text(64, '[');
  text += std::string(64, ']');
  CHECK(Ok(text).is_array());
  text = std::string(65, '[') + std::string(65, ']');
  CHECK_THAT(Bad(text), Catch::Contains("line 1, column 65: nested too deeply"));
  // An alias counts with the depth of what it expands to.
  std::string deep = "a: &d " + std::string(60, '[') + std::string(60, ']') + "\n";
  CHECK(Ok(deep + "b: [[[*d]]]\n")["b"].is_array());
  CHECK_THAT(Bad(deep + "b: [[[[*d]]]]\n"), Catch::Contains("nested too deeply"));
  CHECK_THAT(Bad(std::string(5000, '[') + std::string(5000, ']')),
             Catch::Contains("nested too deeply"));
  // In a document pullguard's config only counts, too (libyaml would take quadratic time).
  CHECK_THAT(Bad("a\n---\n" + std::string(500000, '['), kConfig),
             Catch::Contains("line 3, column 65: nested too deeply"));
}

TEST_CASE("kube yaml: kubelet's documents and pullguard's") {
  CHECK(Ok("").is_null());
  CHECK(Ok("# only a comment\n").is_null());
  CHECK(Ok("---\n").is_null());
  CHECK(Ok("a: 1\n---\n~\n---\n").is_object());
  CHECK(Ok("a: 1\n...\n")["a"] == 1);
  CHECK_THAT(Bad("a: 1\n---\nb: 2\n"),
             Catch::Contains("holds more than one YAML document (document 2 is not empty)"));
  CHECK_THAT(Bad("a: 1\n--- ''\n"), Catch::Contains("document 2 is not empty"));
  CHECK_THAT(Bad("a: 1\n---\n]\n"), Catch::Contains("not valid YAML at line 3"));
  CHECK(Ok("a: 1\n", kConfig)["a"] == 1);
  CHECK_THAT(Bad("", kConfig), Catch::Contains("doc must hold exactly one YAML document, found 0"));
  CHECK_THAT(Bad("# c\n", kConfig), Catch::Contains("found 0"));
  CHECK_THAT(Bad("a: 1\n---\n", kConfig), Catch::Contains("found 2"));
  CHECK_THAT(Bad("a: 1\n---\n{b: [c]}\n---\nd\n", kConfig), Catch::Contains("found 3"));
  CHECK(Ok("---\n", kConfig).is_null());
}

TEST_CASE("kube yaml: pullguard's config keeps y/yes/on/n/no/off strings, kubelet's does not") {
  json j = Ok("a: on\nb: [y, No]\nyes: 1\nc: true\nd: FALSE\ne: !!bool yes\n");
  CHECK(j["a"] == true);
  CHECK(j["b"] == json::parse("[true, false]"));
  CHECK(j["true"] == 1);
  j = Ok("a: on\nb: [y, No]\nyes: 1\nc: true\nd: FALSE\ne: !!bool yes\nf: 12\n", kConfig);
  CHECK(j["a"] == "on");
  CHECK(j["b"] == json::parse(R"(["y", "No"])"));
  CHECK(j["yes"] == 1);
  CHECK(j["c"] == true);
  CHECK(j["d"] == false);
  CHECK(j["e"] == true);  // an explicit tag is not ambiguous
  CHECK(j["f"] == 12);    // everything else is typed as kubelet types it
}

TEST_CASE("kube yaml: what libyaml 0.2.5 reads but go-yaml v2 (kubelet) refuses is refused") {
  // go-yaml ends a plain scalar at '?' inside a flow collection.
  CHECK_THAT(Bad("a: [x?y]\n"), Catch::Contains("line 1, column 5: '?' inside an unquoted scalar"));
  CHECK_THAT(Bad("{a: b ?c}\n"), Catch::Contains("'?' inside an unquoted scalar"));
  CHECK(Ok("a: x?y\nb: ['x?y']\n")["a"] == "x?y");  // block context and quoted: fine
  // go-yaml has no "\/" escape.
  CHECK_THAT(Bad("a: \"http:\\/\\/x\"\n"), Catch::Contains("the escape \\/"));
  CHECK(Ok("a: \"a\\\\/b\"\nb: \"\xC3\xA9/\\\\\"\n")["a"] == "a\\/b");
  // go-yaml reads YAML 1.1 only.
  CHECK_THAT(Bad("%YAML 1.2\n---\na: 1\n"), Catch::Contains("incompatible YAML document"));
  CHECK(Ok("%YAML 1.1\n---\na: 1\n")["a"] == 1);
  // go-yaml reads a ',' right after a tag into the tag.
  CHECK_THAT(Bad("a: [!x,b]\n"), Catch::Contains("line 1, column 7: a ',' right after a tag"));
  CHECK_THAT(Bad("a: [&n !x,b]\n"), Catch::Contains("a ',' right after a tag"));
  CHECK(Ok("a: [!x &n,b]\n")["a"] == json::parse(R"(["", "b"])"));
  CHECK(Ok("a: [!x , b]\n")["a"] == json::parse(R"(["", "b"])"));
}

TEST_CASE("kube yaml: syntax and reader errors are one line with positions, never values") {
  std::string m = Bad("providers: [\n  secret-value\n");
  CHECK_THAT(m, Catch::StartsWith("doc is not valid YAML at line 3, column 1: did not find "
                                  "expected ',' or ']' (while parsing a flow sequence at line 1, "
                                  "column 12)"));
  CHECK(m.find("secret") == std::string::npos);
  CHECK_THAT(Bad("a: b\x01\n"), Catch::Contains("control character at offset 4"));
  CHECK_THAT(Bad(std::string("a: b\0c\n", 7)), Catch::Contains("control character at offset 4"));
  CHECK_THAT(Bad("a: \xC2\x85\xC2\x80\n"), Catch::Contains("control character at offset 5"));
  CHECK_THAT(Bad("a: b\xFF\n"), Catch::Contains("doc is not UTF-8 (ill-formed byte at offset 4)"));
  CHECK_THAT(Bad("\xFF\xFE"
                 "a\0:\0"),
             Catch::Contains("not UTF-8"));  // never UTF-16
  CHECK(Ok("\xEF\xBB\xBF"
           "a: 1\n")["a"] == 1);  // a UTF-8 byte-order mark is skipped
  CHECK_THAT(Bad("a: \"\\q\"\n"), Catch::Contains("found unknown escape character"));
  CHECK_THAT(Bad("a:\n\tb: 1\n"), Catch::Contains("not valid YAML at line 2"));
}

// Inputs on which yaml-cpp 0.7 looped forever (kubelet_config_fuzz, pullguard_config_fuzz):
// libyaml answers each at once.
TEST_CASE("kube yaml: the old yaml-cpp hangs are plain syntax errors") {
  for (const char* text :
       {"\"a\",b\n", "# c\n--- &x 'a' #c\n\n,\n", "# c\n  plain\n# c\n  \"k\",d\n",
        "# x\n  belet -'-image\n# y\n  \"kiderConfing\",d\n", "&&&&cache,\n", "\"a\"   \"b\" ,\n",
        "[a] ,b\n", ",x\n"}) {
    CHECK_THAT(Bad(text), Catch::Contains("is not valid YAML at line"));
  }
}

TEST_CASE("kube yaml: a document starting with '{' is strict JSON") {
  auto r = ParseKubeDocument(" \n{\"a\": 1, \"a\": 2}", "doc");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("duplicate key"));
  CHECK((*ParseKubeDocument("a: {b: 1}", "doc"))["a"]["b"] == 1);
}

}  // namespace
}  // namespace pullguard
