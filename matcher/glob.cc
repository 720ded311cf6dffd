// Port of Go's path/filepath/match.go (Match, scanChunk, matchChunk, getEsc) for Unix, including
// its UTF-8 rune handling, so label globs give exactly kubelet's answers and errors.
#include "matcher/glob.h"

#include <cstdint>

#include "base/utf8.h"

namespace pullguard {
namespace {

constexpr char kSeparator = '/';
struct Chunk {
  bool star = false;
  std::string_view chunk;
  std::string_view rest;
};

Chunk ScanChunk(std::string_view pattern) {
  Chunk c;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    c.star = true;
  }
  bool inrange = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    char ch = pattern[i];
    if (ch == '\\') {
      if (i + 1 < pattern.size()) ++i;  // a trailing '\' is reported by MatchChunk
    } else if (ch == '[') {
      inrange = true;
    } else if (ch == ']') {
      inrange = false;
    } else if (ch == '*' && !inrange) {
      break;
    }
  }
  c.chunk = pattern.substr(0, i);
  c.rest = pattern.substr(i);
  return c;
}

struct Esc {
  bool ok = false;
  char32_t rune = 0;
  std::string_view rest;
};

Esc GetEsc(std::string_view chunk) {
  Esc e;
  if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') return e;
  if (chunk[0] == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) return e;
  }
  DecodedRune d = DecodeRune(chunk);
  bool bad = IsInvalidRune(d);
  e.rune = d.rune;
  e.rest = chunk.substr(d.width);
  e.ok = !bad && !e.rest.empty();
  return e;
}

struct ChunkMatch {
  bool bad_pattern = false;
  bool ok = false;
  std::string_view rest;
};

// After a mismatch Go keeps walking the chunk to check that it is well formed; so do we.
ChunkMatch MatchChunk(std::string_view chunk, std::string_view s) {
  ChunkMatch out;
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    char c = chunk[0];
    if (c == '[') {
      char32_t r = 0;
      if (!failed) {
        DecodedRune d = DecodeRune(s);
        r = d.rune;
        s.remove_prefix(d.width);
      }
      chunk.remove_prefix(1);
      bool negated = false;
      if (!chunk.empty() && chunk[0] == '^') {
        negated = true;
        chunk.remove_prefix(1);
      }
      bool match = false;
      int nrange = 0;
      for (;;) {
        if (!chunk.empty() && chunk[0] == ']' && nrange > 0) {
          chunk.remove_prefix(1);
          break;
        }
        Esc lo = GetEsc(chunk);
        if (!lo.ok) {
          out.bad_pattern = true;
          return out;
        }
        chunk = lo.rest;
        char32_t hi = lo.rune;
        if (chunk[0] == '-') {
          Esc h = GetEsc(chunk.substr(1));
          if (!h.ok) {
            out.bad_pattern = true;
            return out;
          }
          hi = h.rune;
          chunk = h.rest;
        }
        if (lo.rune <= r && r <= hi) match = true;
        ++nrange;
      }
      if (match == negated) failed = true;
    } else if (c == '?') {
      if (!failed) {
        if (s[0] == kSeparator) failed = true;
        s.remove_prefix(DecodeRune(s).width);
      }
      chunk.remove_prefix(1);
    } else {
      if (c == '\\') {
        chunk.remove_prefix(1);
        if (chunk.empty()) {
          out.bad_pattern = true;
          return out;
        }
      }
      if (!failed) {
        if (chunk[0] != s[0]) failed = true;
        s.remove_prefix(1);
      }
      chunk.remove_prefix(1);
    }
  }
  if (failed) return out;
  out.ok = true;
  out.rest = s;
  return out;
}

Error BadPattern() {
  return MakeError(ErrorKind::kInvalidArgument, "syntax error in pattern");
}

}  // namespace

Result<bool> GoFilepathMatch(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    Chunk c = ScanChunk(pattern);
    pattern = c.rest;
    if (c.star && c.chunk.empty()) return name.find(kSeparator) == std::string_view::npos;
    ChunkMatch m = MatchChunk(c.chunk, name);
    if (m.ok && (m.rest.empty() || !pattern.empty())) {
      name = m.rest;
      continue;
    }
    if (m.bad_pattern) return BadPattern();
    bool advanced = false;
    if (c.star) {
      for (size_t i = 0; i < name.size() && name[i] != kSeparator; ++i) {
        ChunkMatch t = MatchChunk(c.chunk, name.substr(i + 1));
        if (t.ok) {
          if (pattern.empty() && !t.rest.empty()) continue;
          name = t.rest;
          advanced = true;
          break;
        }
        if (t.bad_pattern) return BadPattern();
      }
    }
    if (advanced) continue;
    // Go checks that the rest of the pattern is well formed before answering "no".
    while (!pattern.empty()) {
      Chunk rest = ScanChunk(pattern);
      pattern = rest.rest;
      if (MatchChunk(rest.chunk, "").bad_pattern) return BadPattern();
    }
    return false;
  }
  return name.empty();
}

}  // namespace pullguard
