// YAML -> JSON with go-yaml v2's scalar resolution and strict-mode key rules, so that a config
// pullguard accepts is one kubelet accepts (and `enabled: yes` is a boolean, as kubelet sees it).
#include "plugin/kubelet/yaml_json.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "base/strict_json.h"
#include "base/utf8.h"
#include "plugin/kubelet/protocol.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

// Aliases let a few bytes expand into millions of nodes; kubelet configs are tiny.
constexpr std::size_t kMaxNodes = 100000;
constexpr std::size_t kMaxScalarBytes = 16 * 1024 * 1024;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool OneOf(std::string_view s, std::initializer_list<std::string_view> list) {
  for (std::string_view x : list) {
    if (s == x) return true;
  }
  return false;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// strconv.ParseUint(s, 0, 64) without sign handling; false on syntax error or overflow.
bool ParseGoUnsigned(std::string_view s, std::uint64_t& out) {
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16;
      s.remove_prefix(2);
    } else if (p == 'o' || p == 'O') {
      base = 8;
      s.remove_prefix(2);
    } else if (p == 'b' || p == 'B') {
      base = 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    int d = DigitValue(c);
    if (d >= base) return false;
    if (v > (std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(d)) /
                static_cast<std::uint64_t>(base)) {
      return false;
    }
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ (go-yaml v2's yamlStyleFloat).
bool IsYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t int_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (int_digits == 0) {
    if (i >= s.size() || s[i] != '.') return false;
    ++i;
    std::size_t frac = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac;
    if (frac == 0) return false;
  } else if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

// A finite double, as strconv.ParseFloat returns without ErrRange.
bool ParseFiniteDouble(const std::string& s, double& out) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || std::isinf(v)) return false;
  out = v;
  return true;
}

// go-yaml v2 resolve() for an untagged plain scalar (YAML 1.1).
json ResolvePlain(const std::string& s) {
  if (OneOf(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (OneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return true;
  }
  if (OneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return false;
  }
  if (OneOf(s, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  if (OneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return std::numeric_limits<double>::infinity();
  }
  if (OneOf(s, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
  char c = s[0];
  double d = 0;
  if (c == '.') {
    if (IsYamlStyleFloat(s) && ParseFiniteDouble(s, d)) return d;
    return s;
  }
  if (!IsDigit(c) && c != '-' && c != '+') return s;
  std::string plain;
  for (char ch : s) {
    if (ch != '_') plain += ch;
  }
  std::string_view digits = plain;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  std::uint64_t u = 0;
  if (ParseGoUnsigned(digits, u)) {
    constexpr std::uint64_t kMaxInt = static_cast<std::uint64_t>(INT64_MAX);
    if (negative && u <= kMaxInt + 1) {
      return u == kMaxInt + 1 ? std::numeric_limits<std::int64_t>::min()
                              : -static_cast<std::int64_t>(u);
    }
    if (!negative && u <= kMaxInt) return static_cast<std::int64_t>(u);
    // ParseUint takes no sign at all.
    if (plain[0] != '-' && plain[0] != '+') return u;
  }
  if (IsYamlStyleFloat(plain) && ParseFiniteDouble(plain, d)) return d;
  return s;
}

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// yaml-cpp 0.7 never returns (and grows without bound) on a quoted scalar in block context that is
// followed by ',' ("\"a\",b", found by kubelet_config_fuzz). That is invalid YAML anyway, so it is
// refused before yaml-cpp sees it. A light lexer: quotes and flow brackets count only where a
// scalar or collection can start, so quotes inside plain scalars ("it's") are left alone.
bool QuotedThenCommaInBlock(std::string_view t) {
  const std::size_t n = t.size();
  int flow = 0;
  char prev = '\n';  // last non-blank character seen outside quotes
  for (std::size_t i = 0; i < n; ++i) {
    char c = t[i];
    // Where a node may start: after an indicator, and after a quoted scalar or a flow collection
    // ended (yaml-cpp reads a ',' there as a flow entry even in block context, and loops).
    bool at_start = prev == '\n' || prev == ':' || prev == '-' || prev == '?' || prev == ',' ||
                    prev == '[' || prev == '{' || prev == ' ' || prev == '"' ||
                    (flow == 0 && (prev == ']' || prev == '}'));
    if (IsBlank(c)) continue;
    if ((c == '&' || c == '!') && at_start) {
      // An anchor or a tag: the node itself starts after it.
      // Its name ends at a blank or a flow indicator ("&a,b" is an anchor, then ',').
      while (i + 1 < n && !IsBlank(t[i + 1]) && t[i + 1] != '\n' &&
             std::string_view(",[]{}").find(t[i + 1]) == std::string_view::npos) {
        ++i;
      }
      prev = ' ';
      continue;
    }
    if (c == '\n') {
      prev = '\n';
      continue;
    }
    // '-' and '?' are indicators only before a blank ("- x"); "a -'b" is one plain scalar.
    if ((c == '-' || c == '?') && i + 1 < n && !IsBlank(t[i + 1]) && t[i + 1] != '\n') {
      prev = 'a';
      continue;
    }
    if (c == '#' && (i == 0 || IsBlank(t[i - 1]) || t[i - 1] == '\n')) {
      while (i < n && t[i] != '\n') ++i;
      prev = '\n';
      continue;
    }
    // ',' cannot start a plain scalar; in block context it is always an error, and one yaml-cpp
    // may loop on (",x", also found by the fuzzer).
    if (c == ',' && flow == 0 && at_start) return true;
    if ((c == '[' || c == '{') && at_start) {
      ++flow;
    } else if ((c == ']' || c == '}') && flow > 0) {
      --flow;
    } else if ((c == '"' || c == '\'') && at_start) {
      std::size_t j = i + 1;
      for (; j < n; ++j) {
        if (c == '"' && t[j] == '\\') {
          ++j;
        } else if (t[j] == c) {
          if (c == '\'' && j + 1 < n && t[j + 1] == '\'') {
            ++j;
          } else {
            break;
          }
        }
      }
      if (j >= n) {
        // Unterminated: not a quoted scalar after all (yaml-cpp will say so); keep scanning.
        prev = 'a';
        continue;
      }
      std::size_t k = j + 1;
      while (k < n) {
        if (IsBlank(t[k]) || t[k] == '\n') {
          ++k;
        } else if (t[k] == '#' && (IsBlank(t[k - 1]) || t[k - 1] == '\n')) {
          while (k < n && t[k] != '\n') ++k;
        } else {
          break;
        }
      }
      if (flow == 0 && k < n && t[k] == ',') return true;
      i = j;
      c = '"';
    }
    prev = c;
  }
  return false;
}

// yaml-cpp appends the offending input byte to some messages ("unknown escape character: \n"):
// keep messages one printable line.
std::string Printable(const std::string& msg) {
  std::string out;
  for (char c : msg.substr(0, 200)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

struct Converter {
  std::string what;
  std::size_t nodes = 0;
  std::size_t scalar_bytes = 0;

  Error Fail(const YAML::Node& n, const std::string& msg) const {
    YAML::Mark m = n.Mark();
    std::string where;
    if (!m.is_null()) {
      where = " at line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1);
    }
    return MakeError(ErrorKind::kInvalidArgument, what + " is not valid YAML" + where + ": " + msg);
  }

  Result<json> Scalar(const YAML::Node& n) {
    const std::string& tag = n.Tag();
    const std::string& s = n.Scalar();
    scalar_bytes += s.size();
    if (scalar_bytes > kMaxScalarBytes) return Fail(n, "aliases expand to too much text");
    if (tag == "?") return ResolvePlain(s);
    if (tag.rfind(kTagPrefix, 0) != 0) return json(s);  // quoted, block, or a local tag
    std::string_view short_tag = std::string_view(tag).substr(kTagPrefix.size());
    if (short_tag == "str" || short_tag == "timestamp") return json(s);
    json r = ResolvePlain(s);
    bool fits = (short_tag == "int" && r.is_number_integer()) ||
                (short_tag == "float" && r.is_number()) ||
                (short_tag == "bool" && r.is_boolean()) || (short_tag == "null" && r.is_null());
    if (!fits) return Fail(n, "value does not match its tag !!" + std::string(short_tag));
    if (short_tag == "float") return json(r.get<double>());
    return r;
  }

  // A key as sigs.k8s.io/yaml turns it into a JSON object key.
  Result<std::string> Key(const YAML::Node& k) {
    if (!k.IsScalar()) {
      if (k.IsNull()) return Fail(k, "a map key is null");
      return Fail(k, "a map key is not a scalar");
    }
    auto v = Scalar(k);
    if (!v.ok()) return v.error();
    const json& j = *v;
    if (j.is_string()) return j.get<std::string>();
    if (j.is_boolean()) return std::string(j.get<bool>() ? "true" : "false");
    if (j.is_null()) return Fail(k, "a map key is null");
    if (j.is_number_integer()) return j.dump();
    return k.Scalar();
  }

  Status Insert(json& obj, const std::string& key, json value, const YAML::Node& at) {
    if (obj.contains(key)) return Fail(at, "duplicate key " + QuoteForError(key));
    obj[key] = std::move(value);
    return Status::Ok();
  }

  // `<<: *base` or `<<: [*a, *b]`: go-yaml's strict mode rejects any key set twice, so merged
  // keys may not repeat explicit ones either.
  Status Merge(json& obj, const YAML::Node& v, int depth) {
    std::vector<YAML::Node> sources;
    if (v.IsMap()) {
      sources.push_back(v);
    } else if (v.IsSequence()) {
      for (const YAML::Node& s : v) {
        if (!s.IsMap()) return Fail(s, "map merge requires map or sequence of maps as the value");
        sources.push_back(s);
      }
    } else {
      return Fail(v, "map merge requires map or sequence of maps as the value");
    }
    for (const YAML::Node& src : sources) {
      auto m = Convert(src, depth);
      if (!m.ok()) return m.error();
      for (auto& [k, val] : m->items()) PG_TRY(Insert(obj, k, val, src));
    }
    return Status::Ok();
  }

  Result<json> Convert(const YAML::Node& n, int depth) {
    if (++nodes > kMaxNodes) return Fail(n, "aliases expand to too many nodes");
    switch (n.Type()) {
      case YAML::NodeType::Null:
        if (n.Tag() == std::string(kTagPrefix) + "str") return json("");
        return json(nullptr);
      case YAML::NodeType::Scalar:
        return Scalar(n);
      case YAML::NodeType::Sequence: {
        if (depth >= kMaxJsonDepth) return Fail(n, "nested too deeply");
        json arr = json::array();
        for (const YAML::Node& item : n) {
          auto v = Convert(item, depth + 1);
          if (!v.ok()) return v.error();
          arr.push_back(std::move(*v));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        if (depth >= kMaxJsonDepth) return Fail(n, "nested too deeply");
        json obj = json::object();
        for (const auto& kv : n) {
          const YAML::Node k = kv.first;
          const YAML::Node val = kv.second;
          if (k.IsScalar() && k.Tag() == "?" && k.Scalar() == "<<") {
            PG_TRY(Merge(obj, val, depth + 1));
            continue;
          }
          auto key = Key(k);
          if (!key.ok()) return key.error();
          auto v = Convert(val, depth + 1);
          if (!v.ok()) return v.error();
          PG_TRY(Insert(obj, *key, std::move(*v), k));
        }
        return obj;
      }
      default:
        return json(nullptr);
    }
  }
};

}  // namespace

Result<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text, std::string_view what) {
  // go-yaml (kubelet) refuses both; yaml-cpp passes them on, and its known hangs (below) were all
  // found through inputs carrying them, so they are refused before it runs.
  if (auto bad = FirstInvalidUtf8(text)) {
    return MakeError(ErrorKind::kInvalidArgument, std::string(what) +
                                                      " is not UTF-8 (ill-formed byte at offset " +
                                                      std::to_string(*bad) + ")");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string(what) + " is not valid YAML: control character at offset " +
                           std::to_string(i) + " (not allowed in YAML)");
    }
  }
  if (QuotedThenCommaInBlock(text)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) +
                         " is not valid YAML: ',' outside [ ] or { } after a quoted scalar or "
                         "where a value should "
                         "start");
  }
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + " is not valid YAML: nested too deeply (line " +
                         std::to_string(e.mark.line + 1) + ")");
  } catch (const YAML::Exception& e) {
    std::string where;
    if (!e.mark.is_null()) {
      where = " at line " + std::to_string(e.mark.line + 1) + ", column " +
              std::to_string(e.mark.column + 1);
    }
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + " is not valid YAML" + where + ": " + Printable(e.msg));
  }
}

Result<json> ParseKubeYaml(std::string_view text, std::string_view what) {
  auto loaded = LoadYamlDocuments(text, what);
  if (!loaded.ok()) return loaded.error();
  std::vector<YAML::Node>& docs = *loaded;
  if (docs.empty()) return json(nullptr);
  for (std::size_t i = 1; i < docs.size(); ++i) {
    if (!docs[i].IsNull()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       std::string(what) + " holds more than one YAML document (document " +
                           std::to_string(i + 1) +
                           " is not empty); kubelet reads only the first and ignores the rest");
    }
  }
  Converter c{std::string(what)};
  return c.Convert(docs[0], 0);
}

Result<json> ParseKubeDocument(std::string_view text, std::string_view what) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                             text[i] == '\r' || text[i] == '\v' || text[i] == '\f')) {
    ++i;
  }
  if (i < text.size() && text[i] == '{') return ParseStrictJson(text, what);
  return ParseKubeYaml(text, what);
}

}  // namespace pullguard
