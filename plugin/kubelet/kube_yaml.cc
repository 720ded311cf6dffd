// YAML -> JSON from libyaml's parser events, with go-yaml v2's scalar resolution and strict-mode
// key rules, so that a config pullguard accepts is one kubelet accepts (and `enabled: yes` is a
// boolean, as kubelet sees it). Events, not libyaml's document loader: anchors and aliases are
// expanded here, under the node budget, and positions stay at hand for every message.
#include "plugin/kubelet/kube_yaml.h"

#include <yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>

#include "base/quote.h"
#include "base/strict_json.h"

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

// go-yaml v2 reads these as booleans, YAML 1.2 (and most tools outside Kubernetes) as strings.
bool IsYaml11OnlyBoolean(std::string_view s) {
  return OneOf(s, {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO",
                   "off", "Off", "OFF"});
}

// libyaml's problem and context strings are constants, but a message must stay one printable
// line whatever a future libyaml puts there.
std::string Printable(std::string_view msg) {
  std::string out;
  for (char c : msg.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

std::string_view Or(const char* s) {
  return s == nullptr ? std::string_view() : s;
}

std::string At(const yaml_mark_t& m) {
  return "line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1);
}

std::string_view Chars(const yaml_char_t* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

// One libyaml event, released when it goes out of scope.
class Event {
 public:
  Event() { std::memset(&e_, 0, sizeof e_); }
  ~Event() { yaml_event_delete(&e_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  yaml_event_t* get() { return &e_; }
  const yaml_event_t& operator*() const { return e_; }
  const yaml_event_t* operator->() const { return &e_; }

 private:
  yaml_event_t e_;
};

// A converted node: its JSON value, and what merges, aliases and the depth limit need to know.
struct Node {
  enum class Kind { kScalar, kSequence, kMapping };
  json value;
  Kind kind = Kind::kScalar;
  int height = 0;      // collections nested in it, itself included (0 for a scalar)
  bool alias = false;  // reached through an alias (`<<: *seq` is refused, `<<: [*a]` is not)
};

// An anchored node, kept for its aliases with what expanding it costs.
struct Anchored {
  Node node;
  std::size_t nodes = 0;
  std::size_t bytes = 0;
  std::string raw;  // a scalar's text, for its use as a key
};

class Reader {
 public:
  Reader(std::string_view text, std::string_view what, const KubeYamlOptions& options)
      : text_(text), what_(what), options_(options) {
    ready_ = yaml_parser_initialize(&parser_) != 0;
    if (ready_) {
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
      // Never UTF-16 by a byte-order mark: kubelet's configs and ours are UTF-8.
      yaml_parser_set_encoding(&parser_, YAML_UTF8_ENCODING);
    }
  }
  ~Reader() {
    if (ready_) yaml_parser_delete(&parser_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  Result<json> Read() {
    if (!ready_) {
      return MakeError(ErrorKind::kInternal, what_ + " is not readable (out of memory)");
    }
    Event stream;
    PG_TRY(Next(stream));  // STREAM-START
    std::size_t documents = 0;
    json first = nullptr;
    for (;;) {
      Event start;
      PG_TRY(Next(start));
      if (start->type == YAML_STREAM_END_EVENT) break;
      // go-yaml knows YAML 1.1 only; libyaml 0.2.5 also takes `%YAML 1.2`.
      if (const yaml_version_directive_t* v = start->data.document_start.version_directive;
          v != nullptr && (v->major != 1 || v->minor != 1)) {
        return Fail(start->start_mark, "found incompatible YAML document (go-yaml reads 1.1 only)");
      }
      ++documents;
      anchors_.clear();  // anchors do not cross documents
      Event root;
      PG_TRY(Next(root));
      if (documents == 1) {
        auto n = Convert(*root, 0);
        if (!n.ok()) return n.error();
        first = std::move(n->value);
      } else if (options_.documents == KubeYamlOptions::Documents::kExactlyOne) {
        PG_TRY(Skip(*root));
      } else if (!IsEmptyDocument(*root)) {
        return MakeError(ErrorKind::kInvalidArgument,
                         what_ + " holds more than one YAML document (document " +
                             std::to_string(documents) +
                             " is not empty); kubelet reads only the first and ignores the rest");
      }
      Event end;
      PG_TRY(Next(end));  // DOCUMENT-END
    }
    if (options_.documents == KubeYamlOptions::Documents::kExactlyOne && documents != 1) {
      return MakeError(
          ErrorKind::kInvalidArgument,
          what_ + " must hold exactly one YAML document, found " + std::to_string(documents));
    }
    return first;
  }

 private:
  Status Next(Event& e) {
    if (yaml_parser_parse(&parser_, e.get()) != 0) return Status::Ok();
    switch (parser_.error) {
      case YAML_READER_ERROR:
        // The characters go-yaml's reader refuses too: ill-formed UTF-8 and what YAML does not
        // allow (C0 and C1 controls but tab, LF, CR and NEL; DEL; U+FFFE, U+FFFF).
        if (Or(parser_.problem) == "control characters are not allowed") {
          return MakeError(ErrorKind::kInvalidArgument,
                           what_ + " is not valid YAML: control character at offset " +
                               std::to_string(parser_.problem_offset) + " (not allowed in YAML)");
        }
        return MakeError(ErrorKind::kInvalidArgument,
                         what_ + " is not UTF-8 (ill-formed byte at offset " +
                             std::to_string(parser_.problem_offset) + ")");
      case YAML_SCANNER_ERROR:
      case YAML_PARSER_ERROR: {
        std::string msg = what_ + " is not valid YAML at " + At(parser_.problem_mark) + ": " +
                          Printable(Or(parser_.problem));
        if (parser_.context != nullptr) {
          msg += " (" + Printable(Or(parser_.context)) + " at " + At(parser_.context_mark) + ")";
        }
        return MakeError(ErrorKind::kInvalidArgument, msg);
      }
      case YAML_MEMORY_ERROR:
        return MakeError(ErrorKind::kInternal, what_ + " is not readable (out of memory)");
      default:
        return MakeError(ErrorKind::kInvalidArgument,
                         what_ + " is not valid YAML: " + Printable(Or(parser_.problem)));
    }
  }

  Error Fail(const yaml_mark_t& m, const std::string& msg) const {
    return MakeError(ErrorKind::kInvalidArgument,
                     what_ + " is not valid YAML at " + At(m) + ": " + msg);
  }

  // The byte offset in the input of libyaml's character index (marks count characters).
  std::size_t ByteOffset(std::size_t index) {
    if (index < cursor_chars_) cursor_chars_ = cursor_bytes_ = 0;
    while (cursor_chars_ < index && cursor_bytes_ < text_.size()) {
      ++cursor_bytes_;
      while (cursor_bytes_ < text_.size() &&
             (static_cast<unsigned char>(text_[cursor_bytes_]) & 0xC0) == 0x80) {
        ++cursor_bytes_;
      }
      ++cursor_chars_;
    }
    return cursor_bytes_;
  }

  // The node budget counts every node of the document, aliases expanded (as before libyaml).
  Status Count(const yaml_mark_t& m, std::size_t nodes, std::size_t bytes, bool alias = false) {
    nodes_ += nodes;
    bytes_ += bytes;
    std::string what = alias ? "aliases expand to more than " : "more than ";
    if (nodes_ > kMaxNodes) return Fail(m, what + std::to_string(kMaxNodes) + " nodes");
    if (bytes_ > kMaxScalarBytes) return Fail(m, what + "16 MiB of text");
    return Status::Ok();
  }

  // What libyaml 0.2.5 reads in a scalar that go-yaml v2 (hence kubelet) refuses.
  Status CheckGoYamlScalar(const yaml_event_t& e, std::string_view s) {
    const auto style = e.data.scalar.style;
    if (style == YAML_PLAIN_SCALAR_STYLE && flow_ > 0 && s.find('?') != std::string_view::npos) {
      // go-yaml ends a plain scalar at '?' inside [ ] or { } and reads a key indicator there.
      return Fail(e.start_mark,
                  "'?' inside an unquoted scalar in [ ] or { } (kubelet's YAML reader refuses "
                  "it); quote the scalar");
    }
    if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && s.find('/') != std::string_view::npos) {
      // libyaml knows the escape "\/" (YAML 1.2), go-yaml does not.
      std::size_t i = ByteOffset(e.start_mark.index);
      std::size_t end = ByteOffset(e.end_mark.index);
      while (i < end && text_[i] != '"') ++i;
      for (++i; i < end && text_[i] != '"'; ++i) {
        if (text_[i] != '\\') continue;
        if (i + 1 < end && text_[i + 1] == '/') {
          return Fail(e.start_mark,
                      "the escape \\/ in a double-quoted scalar (kubelet's YAML reader refuses "
                      "it); write / alone");
        }
        ++i;
      }
    }
    if (style == YAML_PLAIN_SCALAR_STYLE && flow_ > 0 && s.empty() &&
        e.data.scalar.tag != nullptr) {
      // libyaml 0.2.5 ends a tag at ',' inside [ ] or { }; go-yaml reads the ',' into the tag.
      std::size_t first = ByteOffset(e.start_mark.index);
      bool tag_last =
          e.data.scalar.anchor == nullptr || (first < text_.size() && text_[first] == '&');
      std::size_t after = ByteOffset(e.end_mark.index);
      if (tag_last && after < text_.size() && text_[after] == ',') {
        return Fail(e.end_mark,
                    "a ',' right after a tag (kubelet's YAML reader reads it as part of the tag); "
                    "put a space before it");
      }
    }
    return Status::Ok();
  }

  Result<json> Scalar(const yaml_event_t& e) {
    std::string_view s(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
    PG_TRY(CheckGoYamlScalar(e, s));
    std::string_view tag = Chars(e.data.scalar.tag);
    if (e.data.scalar.tag == nullptr) {
      if (e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return json(s);  // quoted or block
      if (options_.booleans == KubeYamlOptions::Booleans::kTrueFalse && IsYaml11OnlyBoolean(s)) {
        return json(s);
      }
      return ResolvePlain(std::string(s));
    }
    if (tag.substr(0, kTagPrefix.size()) != kTagPrefix) return json(s);  // "!" or a local tag
    std::string_view short_tag = tag.substr(kTagPrefix.size());
    if (short_tag == "binary") {
      // go-yaml would hand kubelet the base64-decoded bytes; nothing in a config needs them.
      return Fail(e.start_mark, "!!binary values are not supported");
    }
    // go-yaml resolves only these tags; any other (!!str, !!timestamp, !!map on a scalar...)
    // leaves the text as it is.
    if (!OneOf(short_tag, {"int", "float", "bool", "null"})) return json(s);
    json r = ResolvePlain(std::string(s));
    bool fits = (short_tag == "int" && r.is_number_integer()) ||
                (short_tag == "float" && r.is_number()) ||
                (short_tag == "bool" && r.is_boolean()) || (short_tag == "null" && r.is_null());
    if (!fits) return Fail(e.start_mark, "value does not match its tag !!" + Printable(short_tag));
    if (short_tag == "float") return json(r.get<double>());
    return r;
  }

  void Remember(const yaml_char_t* anchor, const Node& n, std::size_t nodes, std::size_t bytes,
                std::string raw = {}) {
    if (anchor == nullptr) return;
    // A later anchor of the same name replaces the earlier one, as in go-yaml.
    anchors_[std::string(Chars(anchor))] = Anchored{n, nodes, bytes, std::move(raw)};
  }

  Result<const Anchored*> Alias(const yaml_event_t& e) {
    auto it = anchors_.find(std::string(Chars(e.data.alias.anchor)));
    if (it == anchors_.end()) {
      // Also an alias inside its own anchor's node: the anchor is complete only after it.
      return Fail(e.start_mark, "an alias refers to no anchor defined before it");
    }
    return &it->second;
  }

  // A map key as sigs.k8s.io/yaml turns it into a JSON object key. Keys are not counted as nodes
  // (only their text), as before.
  Result<std::string> Key(const yaml_event_t& e) {
    json v;
    std::string raw;
    if (e.type == YAML_SCALAR_EVENT) {
      raw.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
      PG_TRY(Count(e.start_mark, 0, raw.size()));
      auto r = Scalar(e);
      if (!r.ok()) return r.error();
      v = std::move(*r);
      Remember(e.data.scalar.anchor, Node{v}, 1, raw.size(), raw);
    } else if (e.type == YAML_ALIAS_EVENT) {
      auto a = Alias(e);
      if (!a.ok()) return a.error();
      if ((*a)->node.kind != Node::Kind::kScalar) {
        return Fail(e.start_mark, "a map key is not a scalar");
      }
      PG_TRY(Count(e.start_mark, 0, (*a)->bytes, /*alias=*/true));
      v = (*a)->node.value;
      raw = (*a)->raw;
    } else {
      return Fail(e.start_mark, "a map key is not a scalar");
    }
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
    if (v.is_null()) return Fail(e.start_mark, "a map key is null");
    if (v.is_number_integer()) return v.dump();
    return raw;
  }

  static bool IsMergeKey(const yaml_event_t& e) {
    if (e.type != YAML_SCALAR_EVENT) return false;
    std::string_view s(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
    if (s != "<<") return false;
    if (e.data.scalar.tag == nullptr) return e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return Chars(e.data.scalar.tag) == "tag:yaml.org,2002:merge";
  }

  // `<<: *base`, `<<: {..}` or `<<: [*a, *b]`: go-yaml's strict mode rejects any key set twice,
  // so merged keys may not repeat explicit ones (or each other) either.
  Status Merge(json& obj, int& height, const Node& v, const yaml_mark_t& at) {
    auto insert = [&](const json& src) -> Status {
      for (const auto& [k, val] : src.items()) {
        if (obj.contains(k)) return Fail(at, "duplicate key " + QuoteForError(k));
        obj[k] = val;
      }
      return Status::Ok();
    };
    if (v.kind == Node::Kind::kMapping) {
      height = std::max(height, v.height);
      return insert(v.value);
    }
    if (v.kind == Node::Kind::kSequence && !v.alias) {
      for (const json& item : v.value) {
        if (!item.is_object()) {
          return Fail(at, "map merge requires map or sequence of maps as the value");
        }
      }
      height = std::max(height, v.height - 1);
      for (const json& item : v.value) PG_TRY(insert(item));
      return Status::Ok();
    }
    return Fail(at, "map merge requires map or sequence of maps as the value");
  }

  Result<Node> Convert(const yaml_event_t& e, int depth) {
    switch (e.type) {
      case YAML_ALIAS_EVENT: {
        auto a = Alias(e);
        if (!a.ok()) return a.error();
        PG_TRY(Count(e.start_mark, (*a)->nodes, (*a)->bytes, /*alias=*/true));
        if (depth + (*a)->node.height > kMaxJsonDepth) {
          return Fail(e.start_mark, "nested too deeply");
        }
        Node n = (*a)->node;
        n.alias = true;
        return n;
      }
      case YAML_SCALAR_EVENT: {
        PG_TRY(Count(e.start_mark, 1, e.data.scalar.length));
        auto v = Scalar(e);
        if (!v.ok()) return v.error();
        Node n{std::move(*v)};
        Remember(
            e.data.scalar.anchor, n, 1, e.data.scalar.length,
            std::string(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length));
        return n;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        return Collection(e, depth);
      default:
        return Fail(e.start_mark, "unexpected YAML event");
    }
  }

  Result<Node> Collection(const yaml_event_t& e, int depth) {
    const bool is_map = e.type == YAML_MAPPING_START_EVENT;
    if (depth >= kMaxJsonDepth) return Fail(e.start_mark, "nested too deeply");
    const std::size_t nodes_before = nodes_, bytes_before = bytes_;
    PG_TRY(Count(e.start_mark, 1, 0));
    const bool flow = is_map ? e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                             : e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    flow_ += flow ? 1 : 0;
    Node n{is_map ? json::object() : json::array(),
           is_map ? Node::Kind::kMapping : Node::Kind::kSequence};
    int children = 0;  // the height of the tallest child
    for (;;) {
      Event item;
      PG_TRY(Next(item));
      if (item->type == YAML_SEQUENCE_END_EVENT || item->type == YAML_MAPPING_END_EVENT) break;
      if (!is_map) {
        auto v = Convert(*item, depth + 1);
        if (!v.ok()) return v.error();
        children = std::max(children, v->height);
        n.value.push_back(std::move(v->value));
        continue;
      }
      if (IsMergeKey(*item)) {
        Event value;
        PG_TRY(Next(value));
        auto v = Convert(*value, depth + 1);
        if (!v.ok()) return v.error();
        // A merged map's entries land in this one: they are one level shallower than parsed.
        int merged = 0;
        PG_TRY(Merge(n.value, merged, *v, value->start_mark));
        children = std::max(children, merged - 1);
        continue;
      }
      auto key = Key(*item);
      if (!key.ok()) return key.error();
      Event value;
      PG_TRY(Next(value));
      auto v = Convert(*value, depth + 1);
      if (!v.ok()) return v.error();
      if (n.value.contains(*key)) {
        return Fail(item->start_mark, "duplicate key " + QuoteForError(*key));
      }
      children = std::max(children, v->height);
      n.value[*key] = std::move(v->value);
    }
    flow_ -= flow ? 1 : 0;
    n.height = children + 1;
    const yaml_char_t* anchor = is_map ? e.data.mapping_start.anchor : e.data.sequence_start.anchor;
    Remember(anchor, n, nodes_ - nodes_before, bytes_ - bytes_before);
    return n;
  }

  // The events of a node nobody reads (pullguard config's surplus documents, only counted). The
  // depth limit holds here too: libyaml checks every open flow level at every token, so nesting
  // a megabyte deep would cost quadratic time.
  Status Skip(const yaml_event_t& e) {
    if (e.type != YAML_SEQUENCE_START_EVENT && e.type != YAML_MAPPING_START_EVENT) {
      return Status::Ok();
    }
    for (int open = 1; open > 0;) {
      Event item;
      PG_TRY(Next(item));
      if (item->type == YAML_SEQUENCE_START_EVENT || item->type == YAML_MAPPING_START_EVENT) {
        if (++open > kMaxJsonDepth) return Fail(item->start_mark, "nested too deeply");
      }
      if (item->type == YAML_SEQUENCE_END_EVENT || item->type == YAML_MAPPING_END_EVENT) --open;
    }
    return Status::Ok();
  }

  // A later document kubelet would ignore harmlessly: nothing but an untagged null.
  static bool IsEmptyDocument(const yaml_event_t& e) {
    if (e.type != YAML_SCALAR_EVENT || e.data.scalar.tag != nullptr ||
        e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
      return false;
    }
    return ResolvePlain(std::string(reinterpret_cast<const char*>(e.data.scalar.value),
                                    e.data.scalar.length))
        .is_null();
  }

  std::string_view text_;
  std::string what_;
  KubeYamlOptions options_;
  yaml_parser_t parser_;
  bool ready_ = false;
  std::unordered_map<std::string, Anchored> anchors_;
  std::size_t nodes_ = 0;
  std::size_t bytes_ = 0;
  int flow_ = 0;  // enclosing [ ] and { } collections
  std::size_t cursor_chars_ = 0, cursor_bytes_ = 0;
};

}  // namespace

Result<json> ParseKubeYaml(std::string_view text, std::string_view what,
                           const KubeYamlOptions& options) {
  Reader reader(text, what, options);
  return reader.Read();
}

Result<json> ParseKubeDocument(std::string_view text, std::string_view what,
                               const KubeYamlOptions& options) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                             text[i] == '\r' || text[i] == '\v' || text[i] == '\f')) {
    ++i;
  }
  if (i < text.size() && text[i] == '{') return ParseStrictJson(text, what);
  return ParseKubeYaml(text, what, options);
}

}  // namespace pullguard
