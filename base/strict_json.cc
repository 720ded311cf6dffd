// A SAX handler that builds the document like nlohmann's own DOM parser but refuses duplicate
// keys and deep nesting, and rewrites parse errors so no input bytes reach a message. (nlohmann's
// callback parser is quadratic on long arrays of objects: a 6400-secret record took 40 ms.)
#include "base/strict_json.h"

#include <string>
#include <vector>

#include "base/quote.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

class StrictSax : public nlohmann::json_sax<json> {
 public:
  json root;
  std::string error;  // set when the handler itself stopped the parse

  bool null() override { return Put(json(nullptr)); }
  bool boolean(bool v) override { return Put(json(v)); }
  bool number_integer(number_integer_t v) override { return Put(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Put(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return Put(json(v)); }
  bool string(string_t& v) override { return Put(json(std::move(v))); }
  bool binary(binary_t&) override {
    error = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool key(string_t& k) override {
    json& obj = *stack_.back();
    if (obj.contains(k)) {
      error = "duplicate key " + QuoteForError(k);
      return false;
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (done_ && stack_.empty()) {
      error = "unexpected data after the JSON value at byte " + std::to_string(position);
      return false;
    }
    // what(): "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error
    // while parsing value - invalid literal; last read: '<input bytes>'". Keep the middle part.
    if (ex.id == 406) {  // "number overflow parsing '<the number>'": keep the input out
      error = "not valid JSON at byte " + std::to_string(position) + ": a number is out of range";
      return false;
    }
    std::string m = ex.what();
    auto colon = m.find(": ");
    if (colon != std::string::npos) m = m.substr(colon + 2);
    auto last = m.find("; last read");
    if (last != std::string::npos) m.resize(last);
    error = "not valid JSON at byte " + std::to_string(position) + ": " + m;
    return false;
  }

 private:
  bool Put(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      done_ = true;
      return true;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
    } else {
      top[key_] = std::move(v);
    }
    return true;
  }
  bool Open(json v) {
    if (static_cast<int>(stack_.size()) >= kMaxJsonDepth) {
      error = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    json* slot;
    if (stack_.empty()) {
      root = std::move(v);
      done_ = true;
      slot = &root;
    } else if (stack_.back()->is_array()) {
      stack_.back()->push_back(std::move(v));
      slot = &stack_.back()->back();
    } else {
      slot = &(*stack_.back())[key_];
      *slot = std::move(v);
    }
    stack_.push_back(slot);
    return true;
  }

  std::vector<json*> stack_;
  std::string key_;
  bool done_ = false;
};

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what) {
  // nlohmann's lexer takes a NUL byte for the end of the input and skips a UTF-8 byte-order mark,
  // so bytes after a valid document, or a BOM kubelet's decoder refuses, would pass unseen.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    return MakeError(
        ErrorKind::kInvalidArgument,
        std::string(what) + " is not valid JSON: NUL byte at byte " + std::to_string(nul + 1));
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + " is not valid JSON: it starts with a byte-order mark");
  }
  StrictSax sax;
  bool ok = json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                            /*strict=*/true);
  if (!ok) {
    std::string msg = sax.error.empty() ? std::string("not valid JSON") : sax.error;
    return MakeError(
        ErrorKind::kInvalidArgument,
        std::string(what) + " is " + (msg.rfind("not valid", 0) == 0 ? "" : "invalid: ") + msg);
  }
  return std::move(sax.root);
}

std::string_view JsonTypeName(const nlohmann::json& j) {
  switch (j.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::discarded:
      return "nothing";
    default:
      return "number";
  }
}

Status CheckKnownFields(const nlohmann::json& obj, std::initializer_list<std::string_view> allowed,
                        std::string_view what) {
  if (!obj.is_object()) {
    return MakeError(ErrorKind::kInvalidArgument, std::string(what) + " must be a JSON object");
  }
  for (const auto& [k, v] : obj.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "unknown field " + QuoteForError(k) + " in " + std::string(what));
    }
  }
  return Status::Ok();
}

}  // namespace pullguard
