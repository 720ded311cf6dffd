// WWW-Authenticate parser: a single left-to-right pass over bounded input, so hostile headers cost
// linear time and never throw.
#include "registry/challenge.h"

#include <algorithm>
#include <cctype>

#include "base/ascii.h"

namespace pullguard::registry {
namespace {

bool IsTchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken68Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  // Appends complete challenges to out until the input ends, is malformed, or the cap is reached.
  void Run(std::vector<Challenge>& out, std::size_t cap) {
    while (out.size() < cap) {
      SkipOwsAndCommas();
      if (Eof()) return;
      Challenge c;
      std::string_view scheme = Token();
      if (scheme.empty()) return;
      c.scheme = AsciiLower(scheme);
      bool had_space = SkipOws();
      if (Eof() || Peek() == ',') {
        out.push_back(std::move(c));
        last_end_ = i_;
        continue;
      }
      if (!had_space) return;
      if (!ParseParamsOrToken68(c)) return;
      out.push_back(std::move(c));
      last_end_ = i_;
    }
  }

 private:
  bool Eof() const { return i_ >= s_.size(); }
  char Peek() const { return s_[i_]; }

  bool SkipOws() {
    std::size_t start = i_;
    while (!Eof() && (Peek() == ' ' || Peek() == '\t')) ++i_;
    return i_ != start;
  }
  void SkipOwsAndCommas() {
    while (!Eof() && (Peek() == ' ' || Peek() == '\t' || Peek() == ',')) ++i_;
  }
  std::string_view Token() {
    std::size_t start = i_;
    while (!Eof() && IsTchar(Peek())) ++i_;
    return s_.substr(start, i_ - start);
  }

  // quoted-string with quoted-pairs; false when unterminated or holding control characters.
  bool QuotedString(std::string& value) {
    ++i_;  // opening quote
    while (!Eof()) {
      char c = Peek();
      ++i_;
      if (c == '"') return true;
      if (c == '\\') {
        if (Eof()) return false;
        c = Peek();
        ++i_;
      }
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
      value.push_back(c);
    }
    return false;
  }

  // After "name BWS": '=' BWS (token / quoted-string). Leaves i_ after the value.
  bool ParamValue(std::string& value) {
    ++i_;  // '='
    SkipOws();
    if (Eof()) return false;
    if (Peek() == '"') return QuotedString(value);
    std::string_view t = Token();
    if (t.empty()) return false;
    value.assign(t);
    return true;
  }

  void AddParam(Challenge& c, std::string_view name, std::string value) {
    std::string lower = AsciiLower(name);
    if (c.params.count(lower) != 0) {
      if (c.duplicate_param.empty()) c.duplicate_param = lower;
      return;
    }
    if (c.params.size() >= kMaxParams) return;
    c.params.emplace(std::move(lower), std::move(value));
  }

  // Whether the text at i_ (a token, BWS, '=') starts an auth-param rather than a token68.
  bool ParamFollows() const {
    std::size_t j = i_;
    while (j < s_.size() && IsTchar(s_[j])) ++j;
    if (j == i_) return false;
    while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    if (j >= s_.size() || s_[j] != '=') return false;
    ++j;
    while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    return j < s_.size() && (s_[j] == '"' || IsTchar(s_[j])) && s_[j] != '=';
  }

  bool ParseParamsOrToken68(Challenge& c) {
    if (!ParamFollows()) {
      std::size_t start = i_;
      while (!Eof() && IsToken68Char(Peek())) ++i_;
      if (i_ == start) return false;
      while (!Eof() && Peek() == '=') ++i_;
      c.token68.assign(s_.substr(start, i_ - start));
      SkipOws();
      return Eof() || Peek() == ',';
    }
    while (true) {
      std::string_view name = Token();
      SkipOws();
      std::string value;
      if (Eof() || Peek() != '=' || !ParamValue(value)) return false;
      AddParam(c, name, std::move(value));
      SkipOws();
      if (Eof()) return true;
      if (Peek() != ',') return false;
      SkipOwsAndCommas();
      if (Eof()) return true;
      // The next item is either this challenge's next param or the next challenge's scheme.
      if (!ParamFollows()) return true;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;

 public:
  // Where the last complete challenge ended (to spot one that ran into a cut).
  std::size_t last_end_ = 0;
};

}  // namespace

std::string Challenge::Param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> ParseChallenges(std::string_view header_value) {
  std::vector<Challenge> out;
  bool cut = header_value.size() > kMaxHeaderValue;
  Parser parser(header_value.substr(0, kMaxHeaderValue));
  parser.Run(out, kMaxChallenges);
  // A challenge that reached the cut may have lost parameters: drop it rather than trust it.
  if (cut && !out.empty() && parser.last_end_ >= kMaxHeaderValue) out.pop_back();
  return out;
}

std::vector<Challenge> ParseChallenges(std::span<const std::string> header_values) {
  std::vector<Challenge> out;
  for (const std::string& v : header_values) {
    if (out.size() >= kMaxChallenges) break;
    std::vector<Challenge> one = ParseChallenges(v);
    for (Challenge& c : one) {
      if (out.size() >= kMaxChallenges) break;
      out.push_back(std::move(c));
    }
  }
  return out;
}

const Challenge* FindChallenge(const std::vector<Challenge>& challenges, std::string_view scheme) {
  auto it = std::find_if(challenges.begin(), challenges.end(),
                         [&](const Challenge& c) { return c.scheme == scheme; });
  return it == challenges.end() ? nullptr : &*it;
}

}  // namespace pullguard::registry
