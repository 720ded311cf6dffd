// Go duration parsing and printing, ported from Go's src/time/format.go and time.go so that the
// strings kubelet parses round-trip exactly.
#include "plugin/kubelet/duration.h"

#include <array>
#include <limits>

#include "plugin/kubelet/protocol.h"

namespace pullguard {
namespace {

constexpr std::uint64_t kMaxMagnitude = std::uint64_t{1} << 63;

Error Invalid(std::string_view orig) {
  return MakeError(ErrorKind::kInvalidArgument, "invalid duration " + QuoteForError(orig));
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// leadingInt: consumes [0-9]*; false on overflow.
bool LeadingInt(std::string_view& s, std::uint64_t& x) {
  std::size_t i = 0;
  x = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (x > kMaxMagnitude / 10) return false;
    x = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (x > kMaxMagnitude) return false;
  }
  s.remove_prefix(i);
  return true;
}

// leadingFraction: consumes [0-9]*, ignoring digits once more would overflow.
void LeadingFraction(std::string_view& s, std::uint64_t& x, double& scale) {
  std::size_t i = 0;
  x = 0;
  scale = 1;
  bool overflow = false;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (kMaxMagnitude - 1) / 10) {
      overflow = true;
      continue;
    }
    std::uint64_t y = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (y > kMaxMagnitude) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
}

std::uint64_t UnitValue(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") return 1000;
  if (u == "ms") return 1000 * 1000;
  if (u == "s") return 1000 * 1000 * 1000;
  if (u == "m") return 60ull * 1000 * 1000 * 1000;
  if (u == "h") return 3600ull * 1000 * 1000 * 1000;
  return 0;
}

// fmtFrac: the fraction of v/10**prec without trailing zeros (and without the point when zero),
// written backwards ending at w.
std::size_t FmtFrac(char* buf, std::size_t w, std::uint64_t& v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    char digit = static_cast<char>(v % 10);
    print = print || digit != 0;
    if (print) buf[--w] = static_cast<char>(digit + '0');
    v /= 10;
  }
  if (print) buf[--w] = '.';
  return w;
}

std::size_t FmtInt(char* buf, std::size_t w, std::uint64_t v) {
  if (v == 0) {
    buf[--w] = '0';
    return w;
  }
  while (v > 0) {
    buf[--w] = static_cast<char>(v % 10 + '0');
    v /= 10;
  }
  return w;
}

}  // namespace

Result<GoDuration> ParseGoDuration(std::string_view orig) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return GoDuration{0};
  if (s.empty()) return Invalid(orig);
  std::uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return Invalid(orig);
    std::size_t before = s.size();
    std::uint64_t v = 0;
    if (!LeadingInt(s, v)) return Invalid(orig);
    bool pre = before != s.size();
    std::uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      std::size_t at = s.size();
      LeadingFraction(s, f, scale);
      post = at != s.size();
    }
    if (!pre && !post) return Invalid(orig);
    std::size_t i = 0;
    while (i < s.size() && s[i] != '.' && !IsDigit(s[i])) ++i;
    if (i == 0) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "missing unit in duration " + QuoteForError(orig));
    }
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    std::uint64_t unit = UnitValue(u);
    if (unit == 0) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "unknown unit " + QuoteForError(u) + " in duration " + QuoteForError(orig));
    }
    if (v > kMaxMagnitude / unit) return Invalid(orig);
    v *= unit;
    if (f > 0) {
      // float64 keeps fractions of hours nanosecond-accurate, as in Go.
      v += static_cast<std::uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMaxMagnitude) return Invalid(orig);
    }
    d += v;
    if (d > kMaxMagnitude) return Invalid(orig);
  }
  if (neg) return static_cast<GoDuration>(0 - d);  // two's complement, as Go's -Duration(d)
  if (d > kMaxMagnitude - 1) return Invalid(orig);
  return static_cast<GoDuration>(d);
}

std::string FormatGoDuration(GoDuration d) {
  std::array<char, 32> buf{};
  std::size_t w = buf.size();
  std::uint64_t u = static_cast<std::uint64_t>(d);
  bool neg = d < 0;
  if (neg) u = 0 - u;
  if (u < static_cast<std::uint64_t>(kSecond)) {
    int prec = 0;
    buf[--w] = 's';
    --w;
    if (u == 0) {
      buf[w] = '0';
      return std::string(buf.data() + w, buf.size() - w);
    } else if (u < static_cast<std::uint64_t>(kMicrosecond)) {
      prec = 0;
      buf[w] = 'n';
    } else if (u < static_cast<std::uint64_t>(kMillisecond)) {
      prec = 3;
      --w;  // U+00B5, two bytes
      buf[w] = '\xc2';
      buf[w + 1] = '\xb5';
    } else {
      prec = 6;
      buf[w] = 'm';
    }
    w = FmtFrac(buf.data(), w, u, prec);
    w = FmtInt(buf.data(), w, u);
  } else {
    buf[--w] = 's';
    w = FmtFrac(buf.data(), w, u, 9);
    w = FmtInt(buf.data(), w, u % 60);
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      w = FmtInt(buf.data(), w, u % 60);
      u /= 60;
      if (u > 0) {  // hours are the largest unit: days differ in length
        buf[--w] = 'h';
        w = FmtInt(buf.data(), w, u);
      }
    }
  }
  if (neg) buf[--w] = '-';
  return std::string(buf.data() + w, buf.size() - w);
}

std::string FormatCompactDuration(GoDuration d) {
  std::string s = FormatGoDuration(d);
  // Only whole-second values above a minute carry zero tails ("0s", "0m0s"); the rest is exact.
  auto drop = [&s](std::string_view tail) {
    if (s.size() > tail.size() + 1 && s.ends_with(tail) &&
        !IsDigit(s[s.size() - tail.size() - 1]) && s[s.size() - tail.size() - 1] != '.') {
      s.resize(s.size() - tail.size());
      return true;
    }
    return false;
  };
  if (drop("0s")) drop("0m");
  return s;
}

}  // namespace pullguard
